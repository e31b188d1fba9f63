"""initlab.studies.initializers.summary: summary rows, mean +- std table, the honest-comparison rule."""

import math

import pytest
from initlab.studies.initializers import summary


def records(acc):
    """acc: {initializer: [valid accuracy fraction per seed]} -> job records (test = valid - 0.01)."""
    return [{"initializer": name, "seed": seed, "valid_accuracy": v, "test_accuracy": v - 0.01, "final_loss": 1.0,
             "diverged": False, "seconds": 2.0, "device": "cpu", "batch_losses": [1.0]}
            for name, values in acc.items() for seed, v in enumerate(values)]


def table_of(acc):
    return summary.mean_std_table(summary.summary_frame(records(acc)), list(acc))


def test_table_statistics_and_reference():
    table = table_of({"normal": [0.84, 0.85, 0.86], "newcomer": [0.5, 0.7]}).set_index("initializer")
    assert table.loc["normal", "valid_mean"] == pytest.approx(85.0)
    assert table.loc["normal", "valid_std"] == pytest.approx(1.0)  # sample std of 84, 85, 86
    assert table.loc["normal", "test_mean"] == pytest.approx(84.0)
    assert table.loc["normal", "reference_valid"] == 85.233
    assert table.loc["normal", "mean_minus_reference"] == pytest.approx(85.0 - 85.233)
    assert math.isnan(table.loc["newcomer", "reference_valid"])
    assert table.loc["newcomer", "valid_min"] == pytest.approx(50.0)


def test_diverged_runs_are_counted_but_left_out_of_the_statistics():
    rows = records({"ones": [0.1, 0.2, 0.3]})
    rows[2]["diverged"] = True
    table = summary.mean_std_table(summary.summary_frame(rows), ["ones"])
    assert table.loc[0, "runs"] == 3 and table.loc[0, "diverged"] == 1
    assert table.loc[0, "valid_mean"] == pytest.approx(15.0)


def test_when_every_run_diverged_there_is_nothing_to_group_and_the_comparison_says_so():
    rows = records({"ones": [0.1, 0.1, 0.1], "zeros": [0.1, 0.1, 0.1]})
    for row in rows:
        row["diverged"] = True
    table = summary.mean_std_table(summary.summary_frame(rows), ["ones", "zeros"])
    assert summary.letters(table) == {}
    text = summary.honest_comparison(table, [("zeros", "ones")])
    assert "| ones |" not in text.split("## Groups")[1].split("## Every pair")[0]


def test_pair_rule_is_the_shared_welch_rule():
    table = table_of({
        "a": [0.80, 0.81, 0.82],  # mean 81, std 1
        "b": [0.84, 0.85, 0.86],  # mean 85, std 1: t = 4.9 on 4 df, p = 0.008 -> differ
        "c": [0.82, 0.83, 0.84],  # mean 83: 2 points from a, t = 2.4, p = 0.07 -> not found to differ
        "d": [0.70, 0.90, 0.96],  # wide spread, mean 85.33
        "e": [0.30, 0.31],  # two runs: cannot tell
    })
    rows = {row.initializer: row for row in table.itertuples()}
    verdict = summary.compare_pair(rows["b"], rows["a"])
    assert verdict.differs is True and verdict.difference == pytest.approx(4.0) and verdict.p < 0.01
    assert summary.compare_pair(rows["a"], rows["c"]).differs is False
    assert summary.compare_pair(rows["b"], rows["d"]).differs is False
    assert summary.compare_pair(rows["a"], rows["e"]).differs is None
    # groups, best first: d overlaps everyone; b and a differ, so they share no letter; e cannot be told apart
    groups = summary.letters(table)
    assert list(groups) == ["d", "b", "c", "a", "e"]
    assert not set(groups["a"]) & set(groups["b"])
    for x in groups:
        for y in groups:
            shared = bool(set(groups[x]) & set(groups[y]))
            assert shared == (x == y or summary.compare_pair(rows[x], rows[y]).differs is not True)


def test_groups_never_contradict_a_pair_that_is_not_found_to_differ():
    """The issue's case: kaiming_uniform ranked first, kaiming_normal third, the two within the spread while
    the one between differs from the first: the two must still share a letter."""
    table = table_of({"kaiming_uniform": [0.880, 0.881, 0.882], "between": [0.870, 0.871, 0.872],
                      "kaiming_normal": [0.84, 0.87, 0.90]})
    rows = {row.initializer: row for row in table.itertuples()}
    assert summary.compare_pair(rows["kaiming_uniform"], rows["between"]).differs is True
    assert summary.compare_pair(rows["kaiming_uniform"], rows["kaiming_normal"]).differs is False
    groups = summary.letters(table)
    assert set(groups["kaiming_uniform"]) & set(groups["kaiming_normal"])
    assert not set(groups["kaiming_uniform"]) & set(groups["between"])


def test_honest_comparison_states_the_rule_its_chance_count_and_the_matrix():
    table = table_of({"zeros": [0.1, 0.1, 0.1], "ones": [0.1, 0.1, 0.1], "uniform": [0.30, 0.31, 0.33]})
    rows = {row.initializer: row for row in table.itertuples()}
    assert summary.compare_pair(rows["zeros"], rows["ones"]).differs is None  # no spread: cannot tell
    assert summary.compare_pair(rows["uniform"], rows["ones"]).differs is True
    text = summary.honest_comparison(table, [("zeros", "ones"), ("uniform", "centered")])
    assert "zeros vs ones: cannot tell" in text
    assert "uniform vs centered" not in text  # centered was not run
    assert "of 3 comparisons, chance alone would flag about" in text
    assert "| uniform | 31.3 | a |" in text and "| zeros | 10.0 | b |" in text
    assert "| 1 | uniform | 31.3 |  | differ | differ |" in text
    assert "| 2 | zeros | 10.0 | differ |  | ? |" in text


def test_expected_outcome_checks():
    table = table_of({"zeros": [0.1, 0.1], "uniform": [0.3, 0.35], "centered": [0.75, 0.74],
                      "normal": [0.85, 0.86], "default": [0.83, 0.83]})
    checks = summary.expected_outcome(table)
    assert checks["zeros at chance (<= 11%)"][0]
    assert checks["uniform far below centered (>= 10 pp)"][0]
    assert checks["normal >= 84%"][0]
    assert not checks["default >= 84%"][0]
    assert "ones at chance (<= 11%)" not in checks


def test_markdown_table_shows_mean_std_and_reference():
    md = summary.markdown_table(table_of({"zeros": [0.1, 0.1], "orthogonal": [0.8, 0.9]}))
    assert "| zeros | 2 | 0 | 10.00 ± 0.00 | 9.00 ± 0.00 | 1.000 | 9.675 |" in md
    assert "| orthogonal | 2 | 0 | 85.00 ± 7.07 | 84.00 ± 7.07 | 1.000 | n/a |" in md


def test_the_published_number_is_judged_against_our_spread_under_the_lessons_protocol():
    rows = records({"normal": [0.84, 0.85, 0.86], "default": [0.78, 0.785, 0.79], "newcomer": [0.5, 0.7]})
    for row in rows:  # dropout on costs about a point
        row["lesson_valid_accuracy"] = row["valid_accuracy"] - 0.01
    table = summary.mean_std_table(summary.summary_frame(rows), ["normal", "default", "newcomer"]).set_index(
        "initializer")
    assert table.loc["normal", "lesson_valid_mean"] == pytest.approx(84.0)
    assert table.loc["normal", "lesson_valid_std"] == pytest.approx(1.0)
    assert table.loc["normal", "lesson_minus_reference"] == pytest.approx(84.0 - 85.233)
    # 85.233 vs 84 +- 4.97 (the 95% prediction interval of n = 3, std 1): within
    assert table.loc["normal", "reference_within_lesson_spread"]
    assert not table.loc["default", "reference_within_lesson_spread"]  # 84.458 vs 77.5 +- 2.48: outside
    assert table["reference_within_lesson_spread"].isna()["newcomer"]  # no published number
