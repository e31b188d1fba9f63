"""Mean ± std over repeated runs (folds, seeds), and the two verdict rules every study and the run comparison use.

`differs`: do two groups of repeated runs differ? Welch's t test, or the paired t test where the runs share
seeds (same initial weights and batch order). `within_spread`: does one outside value (a published run) lie
within the spread of our repeats? The t prediction interval. Both are two-sided at ALPHA: when both sides come
from one normal distribution each verdict is a false alarm with probability ALPHA (`false_alarm_rate` simulates
it). Fewer than MIN_REPEATS repeats, or no spread at all, gives None ("cannot tell"), never a verdict.

pandas and numpy only, so a summary job that uses it imports no torch.
"""

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from initlab.tdist import two_sided_p

SPREAD = ("mean", "std")  # the statistics of a mean ± std column
ALPHA = 0.05  # false-alarm probability of one verdict under the null (same distribution)
MIN_REPEATS = 3  # fewer repeats on a side: "cannot tell"
DIFFERS_RULE = (f"two groups **differ** when a two-sided t test rejects equal means at the {ALPHA:.0%} level "
                "(paired t on the differences where the runs share seeds or folds, else Welch's t); "
                f"**cannot tell** with fewer than {MIN_REPEATS} repeats on a side or no spread at all")
WITHIN_RULE = (f"a single value lies **outside our spread** when it falls outside the {1 - ALPHA:.0%} t "
               "prediction interval of our repeats, mean ± t(n-1) x std x sqrt(1 + 1/n); **cannot tell** with fewer "
               f"than {MIN_REPEATS} repeats or no spread")


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


class Spread(NamedTuple):
    """A group of repeated runs: mean, sample std (ddof 1) and count of finite values."""
    mean: float
    std: float
    n: int


class Verdict(NamedTuple):
    """differs: True, False or None (cannot tell); difference: mean of a - mean of b (paired: mean of the
    differences); p: the test's two-sided p-value (NaN when it cannot tell)."""
    differs: bool | None
    difference: float
    p: float


def spread(values):
    """Spread of the finite values of a sequence (NaN, a diverged run, is left out). A std within rounding
    of zero (1e-12 of the values' size) is set to exactly 0: equal values have no spread."""
    kept = [float(v) for v in values if v is not None and math.isfinite(v)]
    n = len(kept)
    mean = sum(kept) / n if n else math.nan
    std = math.sqrt(sum((v - mean) ** 2 for v in kept) / (n - 1)) if n > 1 else math.nan
    if std <= 1e-12 * max(1.0, max(map(abs, kept), default=0.0)):
        std = 0.0
    return Spread(mean, std, n)


def _as_spread(group):
    if not isinstance(group, Spread):
        return spread(group)
    if group.std <= 1e-12 * max(1.0, abs(group.mean)):  # a summary's rounding residue of equal values
        return group._replace(std=0.0)
    return group


def _verdict(difference, se, df):
    if not (se > 0 and math.isfinite(se)):
        return Verdict(None, difference, math.nan)
    p = two_sided_p(difference / se, df)
    return Verdict(p < ALPHA, difference, p)


def differs(a, b, *, paired=False):
    """The one "is it more than noise?" rule for two groups of repeated runs (seeds or folds).

    Unpaired (default): a, b are sequences of values or Spread tuples; Welch's t test. Paired: a, b are
    sequences aligned by repeat (value i of both came from seed i); pairs with a non-finite side are dropped;
    the t test on the differences. Returns a Verdict; differs is None with fewer than MIN_REPEATS values
    (pairs) or zero spread.
    """
    if paired:
        if len(a) != len(b):
            raise ValueError(f"paired differs: {len(a)} values against {len(b)}; expected one per shared seed")
        d = spread([x - y for x, y in zip(a, b) if math.isfinite(x) and math.isfinite(y)])
        if d.n < MIN_REPEATS:
            return Verdict(None, d.mean, math.nan)
        return _verdict(d.mean, d.std / math.sqrt(d.n), d.n - 1)
    a, b = _as_spread(a), _as_spread(b)
    difference = a.mean - b.mean
    if min(a.n, b.n) < MIN_REPEATS:
        return Verdict(None, difference, math.nan)
    va, vb = a.std ** 2 / a.n, b.std ** 2 / b.n
    if va + vb == 0:
        return Verdict(None, difference, math.nan)
    df = (va + vb) ** 2 / ((va ** 2 / (a.n - 1) if va else 0.0) + (vb ** 2 / (b.n - 1) if vb else 0.0))
    return _verdict(difference, math.sqrt(va + vb), df)


def within_spread(value, group):
    """Whether one value (a single published run) lies within the spread of our repeated runs.

    group: a sequence of values or a Spread. True when the value is inside the (1 - ALPHA) t prediction
    interval of one more run; False outside it; None with fewer than MIN_REPEATS runs or zero spread.
    """
    group = _as_spread(group)
    if group.n < MIN_REPEATS or not group.std > 0:
        return None
    t = (value - group.mean) / (group.std * math.sqrt(1 + 1 / group.n))
    return bool(two_sided_p(t, group.n - 1) >= ALPHA)


def false_alarm_rate(rule, n, *, trials=2000, seed=0):
    """The fraction of `trials` simulated null cases in which `rule` gives a verdict of difference.

    rule: "differs" (two independent groups of n), "paired" (n pairs sharing a per-seed offset) or
    "within_spread" (one more value against n). Every value is drawn from one normal distribution (the
    paired case adds a shared N(0, 3^2) offset per seed), so every "differs" / "outside" is a false alarm.
    """
    rng = np.random.default_rng(seed)
    alarms = 0
    for _ in range(trials):
        if rule == "differs":
            alarms += differs(rng.normal(size=n), rng.normal(size=n)).differs is True
        elif rule == "paired":
            offset = rng.normal(scale=3.0, size=n)
            alarms += differs(offset + rng.normal(size=n), offset + rng.normal(size=n), paired=True).differs is True
        elif rule == "within_spread":
            alarms += within_spread(rng.normal(), rng.normal(size=n)) is False
        else:
            raise ValueError(f"false_alarm_rate: rule {rule!r}, expected differs, paired or within_spread")
    return alarms / trials


def chance_note(judged, *, n, rule="differs"):
    """A sentence for a page that judges `judged` comparisons: the simulated false-alarm rate at `n` repeats
    and how many false alarms chance alone would give if no pair truly differed."""
    rate = false_alarm_rate(rule, n)
    return (f"Under this rule a comparison of two identical setups with {n} repeats each comes out "
            f"\"{'outside' if rule == 'within_spread' else 'differ'}\" {rate:.1%} of the time (simulated, "
            f"{ALPHA:.0%} nominal): of {judged} comparison{'s' if judged != 1 else ''}, chance alone would flag about "
            f"{rate * judged:.1f} even if none truly differed.")
