"""Reproducible coarse-to-fine random search (CS231n lecture 7 notes).

Random rather than grid; each hyperparameter sampled uniformly in log space between the ends of
its range (`learning_rate = 10 ** uniform(-6, 1)`); a short coarse stage, then a longer fine
stage in ranges shrunk around the best coarse trials; and a warning when the best value lies
near an edge of its range, which means the range should move.

Numpy only (no torch, no pandas): the Snakefile samples the coarse trial list at parse time, so the
same config and seed give the same trials on every parse. A range is a pair [low, high] with
0 < low <= high; parameters named in INTEGER_PARAMS take integer values (log-uniform over integers).
"""

import math

import numpy as np

INTEGER_PARAMS = frozenset({"hidden"})
# Significant digits a sampled value keeps. Sampled values are params of the trial jobs, and np.exp's
# last bit may differ between CPUs (SIMD kernels): rounded, the same config gives the same params, so
# the same cached trials, on every machine (but within 1e-12 of a rounding boundary). Far below any
# effect on training.
DIGITS = 12


def check_ranges(ranges):
    """Raise ValueError naming the parameter when a range is not [low, high] with 0 < low <= high."""
    for name, bounds in ranges.items():
        if len(bounds) != 2 or not 0 < bounds[0] <= bounds[1]:
            raise ValueError(f"search range {name}: {list(bounds)}; expected [low, high] with 0 < low <= high")
        if name in INTEGER_PARAMS and any(int(b) != b for b in bounds):
            raise ValueError(f"search range {name}: {list(bounds)}; expected integer ends")


def log_uniform(rng, low, high, size, integer=False):
    """`size` draws with log(value) uniform on [log low, log high] (numpy Generator `rng`).

    Integers: floor of a log-uniform draw on [low, high + 1), so P(k) = log((k+1)/k) / log((high+1)/low)
    for low <= k <= high: each integer gets the log-width of [k, k+1).
    """
    return from_unit(rng.random(size), low, high, integer)


def from_unit(u, low, high, integer=False):
    """Map uniform draws u in [0, 1) to log-uniform values on [low, high] (integers: see log_uniform)."""
    top = high + 1 if integer else high
    values = np.exp(math.log(low) + np.asarray(u) * (math.log(top) - math.log(low)))
    if integer:
        return np.minimum(np.floor(values), high).astype(int)
    return np.minimum(values, high)


def sample_trials(ranges, n, seed, prefix):
    """`n` trials as dicts {"trial": f"{prefix}{i:03d}", param: value, ...}, reproducible from `seed`.

    Trial i takes row i of one (n, len(ranges)) block of uniform draws, so asking for more trials
    keeps the first ones unchanged (their cached results stay valid) and adds new ones.
    """
    check_ranges(ranges)
    u = np.random.default_rng(seed).random((n, len(ranges)))  # filled row by row
    columns = {
        name: from_unit(u[:, j], low, high, integer=name in INTEGER_PARAMS)
        for j, (name, (low, high)) in enumerate(ranges.items())
    }
    return [
        {"trial": f"{prefix}{i:03d}", **{name: rounded(values[i].item()) for name, values in columns.items()}}
        for i in range(n)
    ]


def rounded(value):
    """`value` to DIGITS significant digits (integers unchanged)."""
    return value if isinstance(value, int) else float(f"{value:.{DIGITS}g}")


def best_trials(trials, scores, top):
    """The `top` trials with the lowest finite scores, best first; non-finite scores (diverged) never win."""
    if len(trials) != len(scores):
        raise ValueError(f"{len(trials)} trials but {len(scores)} scores")
    finite = [(score, i) for i, score in enumerate(scores) if score is not None and math.isfinite(score)]
    if not finite:
        raise ValueError(f"none of the {len(trials)} trials has a finite score: every one diverged")
    return [trials[i] for _, i in sorted(finite)[:top]]


def fine_ranges(best, ranges, shrink):
    """Ranges for the fine stage: around the `best` trials, in log space, inside `ranges`.

    For each parameter: the log-span of the best trials' values, widened on each side by
    shrink / 2 of the coarse range's log-width, then clipped to the coarse range. So a single
    best trial gets a range `shrink` times as wide (in log space) as the coarse one, unless it
    lies near an edge. Integer ranges are rounded outward to integers.
    """
    if not 0 < shrink <= 1:
        raise ValueError(f"shrink={shrink}: expected 0 < shrink <= 1")
    out = {}
    for name, (low, high) in ranges.items():
        logs = [math.log(trial[name]) for trial in best]
        margin = shrink * (math.log(high) - math.log(low)) / 2
        lo = max(low, math.exp(min(logs) - margin))
        hi = min(high, math.exp(max(logs) + margin))
        if name in INTEGER_PARAMS:
            lo, hi = max(low, math.floor(lo)), min(high, math.ceil(hi))
        out[name] = [lo, hi]
    return out


def fine_seed(seed):
    """The fine stage's seed, from the search's: its own draws, distinct from the coarse stage's."""
    return seed + 1


def plan_fine(coarse, ranges, *, top, shrink, trials, seed):
    """The fine stage from the coarse stage's records (each with its values and valid_log_rmse): the `top`
    best (best_trials), the ranges around them (fine_ranges) and `trials` fine trials drawn with `seed`
    (the fine stage's own seed). Returns {"best_coarse", "ranges", "trials"}: the search's fine plan, which
    nested cross-validation repeats inside each outer fold."""
    best = best_trials([{name: r[name] for name in ranges} for r in coarse], [r["valid_log_rmse"] for r in coarse],
                       top=top)
    fine = fine_ranges(best, ranges, shrink=shrink)
    return {"best_coarse": best, "ranges": fine, "trials": sample_trials(fine, trials, seed, "fine")}


def edge_position(value, low, high):
    """Where `value` lies in [low, high] in log space: 0 at low, 1 at high (0.5 when low == high)."""
    if high == low:
        return 0.5
    return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))


def edges(trial, ranges, tolerance=0.1):
    """(name, 'lower' or 'upper') for every parameter of `trial` within `tolerance` (fraction of log-width) of
    an edge of its range in `ranges`."""
    found = []
    for name, (low, high) in ranges.items():
        if name not in trial or high == low:
            continue
        pos = edge_position(trial[name], low, high)
        if pos <= tolerance or pos >= 1 - tolerance:
            found.append((name, "lower" if pos <= tolerance else "upper"))
    return found


def edge_warnings(trial, ranges, tolerance=0.1):
    """Messages for every parameter of `trial` within `tolerance` (fraction of log-width) of an edge (`edges`).

    As the notes warn, a best value on the edge of its range suggests the optimum lies outside it.
    """
    return [f"{name}={trial[name]:.4g} lies within {tolerance:.0%} (log scale) of the {side} edge of its range "
            f"[{ranges[name][0]:.4g}, {ranges[name][1]:.4g}]: consider moving the range"
            for name, side in edges(trial, ranges, tolerance)]
