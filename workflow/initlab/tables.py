"""Mean ± std over repeated runs (folds, seeds): the one aggregation the study summaries share.

pandas only, so a summary job that uses it imports no torch.
"""

import math

import pandas as pd

SPREAD = ("mean", "std")  # the statistics of a mean ± std column
SPREAD_FACTOR = 2.0  # two groups differ when |mean difference| > SPREAD_FACTOR x pooled std and ranges do not overlap


def mean_std(frame, by, columns, *, order=None, **counts):
    """One row per group of `by` (a column name or a list of them): the counts, then the statistics.

    counts: output name -> pandas named aggregation (column, "size" | "sum"), e.g. runs=("seed", "size"),
        diverged=("diverged", "sum").
    columns: output prefix -> (column, statistics among "mean", "std", "min", "max"), giving the output
        columns `{prefix}_{statistic}` in that order; "std" is the sample std (ddof 1), NaN for one value.
    order: the groups of a single key, in this order and no others; a group without rows gets counts 0
        and NaN statistics. Without it the groups come sorted by `by`.

    NaN values are left out of every statistic: a caller leaves a run out of the statistics but in the
    counts (a diverged run) by blanking its values.
    """
    stats = {f"{prefix}_{stat}": (column, stat) for prefix, (column, chosen) in columns.items() for stat in chosen}
    if order is None:
        return frame.groupby(by, sort=True).agg(**counts, **stats).reset_index()
    chosen = frame[frame[by].isin(order)]
    keyed = chosen.assign(**{by: pd.Categorical(chosen[by], categories=order)})
    table = keyed.groupby(by, sort=True, observed=False).agg(**counts, **stats).reset_index()
    table[by] = table[by].astype(frame[by].dtype)
    return table


def within_spread(value, group):
    """Whether one value (a single published run) lies within the spread of a group of repeated runs.

    group: (mean, std, min, max), std the sample std. True when the value is inside [min, max] or
    within SPREAD_FACTOR x std of the mean, i.e. `differs` would not call it apart; None when the
    spread is unknown (std NaN: fewer than two runs).
    """
    mean, std, low, high = group
    if math.isnan(std):
        return None
    return bool(low <= value <= high or abs(value - mean) <= SPREAD_FACTOR * std)


def differs(a, b):
    """The one "is it more than noise?" rule, for two groups of repeated runs (seeds or folds).

    a, b: (mean, std, min, max) of each group, std the sample std. Returns (differs, difference a - b,
    pooled std sqrt((s_a^2 + s_b^2) / 2)): differs is True when |difference| > SPREAD_FACTOR x pooled std AND
    the [min, max] ranges do not overlap, False otherwise, and None when either std is NaN (fewer than two
    runs), since the spread is then unknown.
    """
    (mean_a, std_a, min_a, max_a), (mean_b, std_b, min_b, max_b) = a, b
    difference = mean_a - mean_b
    pooled = math.sqrt((std_a ** 2 + std_b ** 2) / 2)
    if math.isnan(pooled):
        return None, difference, pooled
    apart = min_a > max_b or min_b > max_a
    return bool(abs(difference) > SPREAD_FACTOR * pooled and apart), difference, pooled
