"""initlab.tables.mean_std: the mean ± std table over repeated runs, on frames whose answers are known."""

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from initlab import tables

RUNS = pd.DataFrame({
    "model": ["mlp", "mlp", "mlp", "linear", "linear"],
    "seed": [0, 1, 2, 0, 1],
    "score": [1.0, 2.0, np.nan, 4.0, 7.0],  # mlp seed 2 diverged: its score is blank
    "diverged": [False, False, True, False, False],
    "seconds": [1.0, 2.0, 6.0, 3.0, 5.0],
})


def test_groups_sorted_counts_first_then_statistics_in_the_order_asked():
    table = tables.mean_std(RUNS, "model", {"score": ("score", tables.SPREAD), "seconds": ("seconds", ["mean"])},
                            runs=("seed", "size"), diverged=("diverged", "sum"))
    assert list(table.columns) == ["model", "runs", "diverged", "score_mean", "score_std", "seconds_mean"]
    assert table["model"].tolist() == ["linear", "mlp"]
    mlp = table.set_index("model").loc["mlp"]
    assert (mlp["runs"], mlp["diverged"]) == (3, 1)  # the diverged run is counted ...
    assert mlp["score_mean"] == pytest.approx(1.5)  # ... but its blank score is left out
    assert mlp["score_std"] == pytest.approx(statistics.stdev([1.0, 2.0]))  # sample std, ddof 1
    assert mlp["seconds_mean"] == pytest.approx(3.0)  # a column with no blanks keeps every run


def test_several_keys_and_extremes():
    frame = RUNS.assign(init=["a", "a", "b", "a", "a"])
    table = tables.mean_std(frame, ["model", "init"], {"score": ("score", ["min", "max", "mean"])})
    assert list(table.columns) == ["model", "init", "score_min", "score_max", "score_mean"]
    assert list(zip(table["model"], table["init"])) == [("linear", "a"), ("mlp", "a"), ("mlp", "b")]
    assert table.iloc[0][["score_min", "score_max", "score_mean"]].tolist() == [4.0, 7.0, 5.5]
    assert math.isnan(table.iloc[2]["score_mean"])  # mlp/b: its only run is blank


def test_order_keeps_the_given_groups_only_and_fills_missing_ones():
    table = tables.mean_std(RUNS, "model", {"score": ("score", tables.SPREAD)}, order=["mlp", "absent"],
                            runs=("seed", "size"), diverged=("diverged", "sum"))
    assert table["model"].tolist() == ["mlp", "absent"]  # linear is not asked for
    assert table["model"].dtype == RUNS["model"].dtype  # not categorical in the output
    absent = table.iloc[1]
    assert (absent["runs"], absent["diverged"]) == (0, 0)
    assert math.isnan(absent["score_mean"]) and math.isnan(absent["score_std"])


def test_one_value_has_no_std():
    table = tables.mean_std(RUNS[RUNS.seed == 0], "model", {"score": ("score", tables.SPREAD)})
    assert table["score_mean"].tolist() == [4.0, 1.0] and table["score_std"].isna().all()


def test_differs_is_welchs_t_test_at_five_percent():
    # t = 3 / sqrt(1/3 + 1/3) = 3.67 on 4 degrees of freedom: p = 0.021 < 0.05
    verdict = tables.differs([9.0, 10.0, 11.0], [6.0, 7.0, 8.0])
    assert verdict.differs is True and verdict.difference == 3.0 and verdict.p == pytest.approx(0.0213, abs=2e-4)
    # the same gap with three times the spread: t = 1.22, p = 0.29
    assert tables.differs([7.0, 10.0, 13.0], [4.0, 7.0, 10.0]).differs is False
    # summaries give the same verdict as the values
    assert tables.differs(tables.Spread(10.0, 1.0, 3), tables.Spread(7.0, 1.0, 3)) == verdict


def test_differs_cannot_tell_with_too_few_repeats_or_no_spread():
    assert tables.differs([9.0, 10.0], [1.0, 2.0, 3.0]).differs is None  # two repeats
    assert tables.differs([9.0, 10.0, math.nan], [1.0, 2.0, 3.0]).differs is None  # a diverged third
    none = tables.differs([0.1, 0.1, 0.1], [0.3, 0.3, 0.3])
    assert none.differs is None and none.difference == pytest.approx(-0.2) and math.isnan(none.p)
    # one side constant, the other spread: Welch still judges
    assert tables.differs([0.1, 0.1, 0.1], [0.3, 0.31, 0.32]).differs is True


def test_paired_differs_tests_the_per_seed_differences():
    a, b = [1.0, 5.0, 9.0], [0.9, 4.85, 8.8]  # every seed lower by 0.1-0.2: paired t = 5.2, p = 0.035
    paired = tables.differs(a, b, paired=True)
    assert paired.differs is True and paired.difference == pytest.approx(0.15)
    assert tables.differs(a, b).differs is False  # unpaired, the seed-to-seed spread swamps it
    assert tables.differs([1.0, 5.0, 9.0], [0.9, 5.1, 8.8], paired=True).differs is False  # signs disagree
    assert tables.differs([1.0, 5.0, math.nan], [0.9, 4.85, 8.8], paired=True).differs is None  # two pairs
    assert tables.differs([1.0, 2.0, 3.0], [0.9, 1.9, 2.9], paired=True).differs is None  # zero spread
    with pytest.raises(ValueError, match="one per shared seed"):
        tables.differs([1.0, 2.0, 3.0], [1.0, 2.0], paired=True)


def test_within_spread_is_the_t_prediction_interval():
    group = [84.0, 85.0, 86.0]  # mean 85, std 1, n 3: half-width t(2) x sqrt(4/3) = 4.97
    assert tables.within_spread(89.9, group) is True
    assert tables.within_spread(90.1, group) is False
    assert tables.within_spread(80.1, tables.Spread(85.0, 1.0, 3)) is True
    assert tables.within_spread(85.0, [85.0, 86.0]) is None  # two runs
    assert tables.within_spread(9.675, [9.675, 9.675, 9.675]) is None  # no spread: cannot tell


@pytest.mark.parametrize("rule, n", [("differs", 3), ("differs", 5), ("paired", 3), ("paired", 5),
                                     ("within_spread", 3), ("within_spread", 5)])
def test_false_alarm_rate_under_the_null_is_at_most_five_percent(rule, n):
    """The repeat counts the studies use: 3 seeds (initializers, optimizers), 5 folds (house prices)."""
    rate = tables.false_alarm_rate(rule, n, trials=4000, seed=1)
    margin = 3 * math.sqrt(0.05 * 0.95 / 4000)  # three binomial standard errors
    assert rate <= tables.ALPHA + margin
    assert rate >= 0.02  # not vacuous: a rule that never says "differs" would pass the bound above


@pytest.mark.parametrize("rule", ["differs", "paired"])
def test_a_real_difference_of_ten_standard_deviations_is_found(rule):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=3), 10 + rng.normal(size=3)
    assert tables.differs(a, b, paired=rule == "paired").differs is True


def test_chance_note_counts_the_false_alarms_chance_gives():
    note = tables.chance_note(91, n=3)
    rate = tables.false_alarm_rate("differs", 3)
    assert f"{rate:.1%}" in note and f"about {rate * 91:.1f}" in note and "91 comparisons" in note
