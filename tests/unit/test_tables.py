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


def test_spread_leaves_out_non_finite_and_none_and_has_a_std_from_two_values():
    s = tables.spread([1.0, None, 2.0, math.nan, math.inf])
    assert (s.mean, s.n) == (1.5, 2) and s.std == pytest.approx(math.sqrt(0.5), rel=1e-15)
    empty = tables.spread([math.nan, None])  # every repeat diverged
    assert empty.n == 0 and math.isnan(empty.mean) and math.isnan(empty.std)
    assert tables.spread([]).n == 0


def test_spread_within_rounding_of_zero_is_exactly_zero():
    # std exactly 1e-12 of a unit scale (computed: 1.732...e-12 / sqrt(3) == 1e-12): zero, the bound included
    assert tables.spread([0.0, 0.0, 1.7320508075688772e-12]).std == 0.0
    assert tables.spread([0.0, 0.0, 3e-12]).std == pytest.approx(3e-12 / math.sqrt(3))  # 1.7e-12: a spread
    assert tables.spread([1e6, 1e6, 1e6 + 1e-7]).std == 0.0  # 6e-8 < 1e-12 of 1e6: rounding residue
    assert tables.spread([1e6, 1e6, 1e6 + 1e-5]).std > 0  # 6e-6 > 1e-6: a spread


def test_a_summarys_std_within_rounding_of_zero_cannot_tell():
    zero = tables.Spread(0.1, 0.0, 3)
    for residue in (tables.Spread(0.3, 1e-13, 3), tables.Spread(2.0, 2e-12, 3), tables.Spread(1e6, 1e-7, 3)):
        verdict = tables.differs(residue, zero)
        assert verdict.differs is None and verdict.difference == residue.mean - 0.1 and math.isnan(verdict.p)
        assert tables.within_spread(residue.mean + 1.0, residue) is None
    # 1.5e-12 around a mean of 0.5 is above 1e-12 x max(1, |mean|): a spread, so a verdict
    tiny = tables.differs(tables.Spread(0.5, 1.5e-12, 3), tables.Spread(0.0, 1.5e-12, 3))
    assert tiny.differs is True and tiny.p < 1e-6


def test_cannot_tell_keeps_the_difference_and_gives_p_nan():
    few = tables.differs([9.0, 10.0], [1.0, 2.0, 3.0])
    assert few.difference == 7.5 and math.isnan(few.p)
    pairs = tables.differs([1.0, 5.0, math.nan], [0.9, 4.85, 8.8], paired=True)
    assert pairs.difference == pytest.approx(0.125) and math.isnan(pairs.p)
    flat = tables.differs([1.0, 2.0, 3.0], [0.5, 1.5, 2.5], paired=True)  # every pair 0.5 apart: no spread
    assert flat.differs is None and flat.difference == 0.5 and math.isnan(flat.p)


@pytest.mark.parametrize("constant_first", [True, False])
def test_one_constant_side_is_welch_with_the_other_sides_degrees_of_freedom(constant_first):
    """vb = 0: Welch's df is n_a - 1 and the test is a one-sample t of the varied side against the constant.
    For 2 degrees of freedom P(|T| >= t) = 1 - t / sqrt(t^2 + 2) (closed form, independent of tdist)."""
    flat, varied = [0.1, 0.1, 0.1], [0.3, 0.32, 0.34]  # mean 0.32, std 0.02
    t = 0.22 / (0.02 / math.sqrt(3))
    a, b = (flat, varied) if constant_first else (varied, flat)
    verdict = tables.differs(a, b)
    assert verdict.differs is True and abs(verdict.difference) == pytest.approx(0.22)
    assert verdict.p == pytest.approx(1 - t / math.sqrt(t * t + 2), rel=1e-9)


def test_p_exactly_alpha_is_not_a_difference_and_is_within_spread(monkeypatch):
    """The level is strict: a p-value equal to ALPHA does not reject (p < ALPHA differs; p >= ALPHA within)."""
    monkeypatch.setattr(tables, "two_sided_p", lambda t, df: tables.ALPHA)
    assert tables.differs([9.0, 10.0, 11.0], [6.0, 7.0, 8.0]).differs is False
    assert tables.within_spread(90.0, [84.0, 85.0, 86.0]) is True


def test_mean_std_in_the_given_order_whatever_the_rows_order():
    table = tables.mean_std(RUNS, "model", {"score": ("score", tables.SPREAD)}, order=["linear", "absent", "mlp"])
    assert table["model"].tolist() == ["linear", "absent", "mlp"]  # not the rows' order (mlp, linear)
    assert table["score_mean"].tolist()[::2] == [5.5, 1.5]


def test_false_alarm_rate_counts_only_verdicts_and_rejects_an_unknown_rule():
    assert tables.false_alarm_rate("differs", 2, trials=50) == 0.0  # two repeats: always "cannot tell"
    assert tables.false_alarm_rate("within_spread", 2, trials=50) == 0.0
    # the pages' notes: 2000 trials from seed 0, the same number on every build
    assert tables.false_alarm_rate("differs", 3) == tables.false_alarm_rate("differs", 3, trials=2000, seed=0)
    with pytest.raises(ValueError, match="rule 'welch', expected differs, paired or within_spread"):
        tables.false_alarm_rate("welch", 3)


def test_chance_note_words_the_rule_and_the_count():
    outside = tables.chance_note(1, n=3, rule="within_spread")
    assert '"outside"' in outside and '"differ"' not in outside and "of 1 comparison," in outside
    differ = tables.chance_note(2, n=3)
    assert '"differ"' in differ and '"outside"' not in differ and "of 2 comparisons," in differ
