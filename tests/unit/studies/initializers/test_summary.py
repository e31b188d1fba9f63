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


def test_pair_rule():
    table = table_of({
        "a": [0.80, 0.81, 0.82],  # mean 81, std 1
        "b": [0.84, 0.85, 0.86],  # mean 85, std 1: 4 pp apart > 2 x 1, ranges disjoint -> differ
        "c": [0.82, 0.83, 0.84],  # mean 83: 2 pp from a, not > 2 x 1 -> within spread
        "d": [0.70, 0.90, 0.96],  # wide spread, mean 85.33
        "e": [0.30],  # one run: spread unknown
    })
    rows = {row.initializer: row for row in table.itertuples()}
    differs, difference, pooled = summary.compare_pair(rows["b"], rows["a"])
    assert (differs, difference, pooled) == (True, pytest.approx(4.0), pytest.approx(1.0))
    assert summary.compare_pair(rows["a"], rows["c"])[0] is False
    assert summary.compare_pair(rows["b"], rows["d"])[0] is False
    assert summary.compare_pair(rows["a"], rows["e"])[0] is None
    # tiers best first: everything is within d's wide spread; e has no spread, so it is set apart
    assert summary.tiers(table) == [["d", "b", "c", "a"], ["e"]]


def test_equal_constants_are_within_spread_and_distinct_constants_differ():
    table = table_of({"zeros": [0.1, 0.1, 0.1], "ones": [0.1, 0.1, 0.1], "uniform": [0.3, 0.3, 0.3]})
    rows = {row.initializer: row for row in table.itertuples()}
    assert summary.compare_pair(rows["zeros"], rows["ones"])[0] is False
    assert summary.compare_pair(rows["uniform"], rows["ones"])[0] is True
    text = summary.honest_comparison(table, [("zeros", "ones"), ("uniform", "centered")])
    assert "zeros vs ones: within seed spread" in text
    assert "uniform vs centered" not in text  # centered was not run
    assert "1. uniform\n2. zeros, ones" in text


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
    rows = records({"normal": [0.84, 0.85, 0.86], "default": [0.80, 0.81, 0.82], "newcomer": [0.5, 0.7]})
    for row in rows:  # dropout on costs about a point
        row["lesson_valid_accuracy"] = row["valid_accuracy"] - 0.01
    table = summary.mean_std_table(summary.summary_frame(rows), ["normal", "default", "newcomer"]).set_index(
        "initializer")
    assert table.loc["normal", "lesson_valid_mean"] == pytest.approx(84.0)
    assert table.loc["normal", "lesson_valid_std"] == pytest.approx(1.0)
    assert table.loc["normal", "lesson_minus_reference"] == pytest.approx(84.0 - 85.233)
    assert table.loc["normal", "reference_within_lesson_spread"]  # 85.233: inside [83, 85] + 2 std
    assert not table.loc["default", "reference_within_lesson_spread"]  # 84.458 vs 80 +- 1 in [79, 81]
    assert table["reference_within_lesson_spread"].isna()["newcomer"]  # no published number
