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


def test_differs_needs_both_a_gap_beyond_twice_the_pooled_std_and_apart_ranges():
    import math

    # gap 3, pooled std 1, ranges apart: differs
    assert tables.differs((10.0, 1.0, 9.0, 11.0), (7.0, 1.0, 6.0, 7.5)) == (True, 3.0, 1.0)
    # same gap but the ranges overlap (an outlier seed): within the spread
    assert tables.differs((10.0, 1.0, 6.5, 11.0), (7.0, 1.0, 6.0, 7.5))[0] is False
    # ranges apart but the gap is under 2 pooled std: within the spread
    differs, difference, pooled = tables.differs((10.0, 2.0, 9.9, 10.1), (7.0, 2.0, 6.9, 7.1))
    assert (differs, difference, pooled) == (False, 3.0, 2.0)
    # one run on a side: spread unknown
    differs, _, pooled = tables.differs((10.0, math.nan, 10.0, 10.0), (7.0, 1.0, 6.0, 8.0))
    assert differs is None and math.isnan(pooled)


def test_one_value_lies_within_a_spread_inside_the_range_or_within_twice_the_std():
    group = (85.0, 1.0, 84.0, 86.0)  # mean, std, min, max
    assert tables.within_spread(85.9, group) is True  # inside the range
    assert tables.within_spread(86.8, group) is True  # outside the range, 1.8 std from the mean
    assert tables.within_spread(87.5, group) is False  # 2.5 std away and outside the range
    assert tables.within_spread(80.0, (85.0, 0.1, 79.0, 86.0)) is True  # far in std, but inside the range
    assert tables.within_spread(85.0, (85.0, float("nan"), 85.0, 85.0)) is None  # one run: spread unknown
