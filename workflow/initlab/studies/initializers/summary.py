"""Tables and the honest comparison for the initializer study (pandas only: no torch import)."""

import itertools
import math

import pandas as pd

from initlab import tables
from initlab.published import UDACITY_VALID_ACCURACY

SUMMARY_COLUMNS = ["initializer", "seed", "valid_accuracy", "test_accuracy", "final_loss", "diverged", "seconds",
                   "device", "cpu_seconds", "lesson_valid_accuracy"]
RULE = (f"two initializers differ when their mean validation accuracies are more than {tables.SPREAD_FACTOR:g} x the "
        "pooled seed-to-seed standard deviation, sqrt((s_a^2 + s_b^2) / 2), apart AND their [min, max] ranges over "
        "seeds do not overlap; otherwise the gap is within the seed-to-seed spread")


def summary_frame(records):
    """One row per (initializer, seed) from job records (dicts with the run fields and 'seed')."""
    frame = pd.DataFrame([{key: record.get(key) for key in SUMMARY_COLUMNS} for record in records],
                         columns=SUMMARY_COLUMNS)
    frame["diverged"] = frame["diverged"].astype(bool)
    for column in ("valid_accuracy", "test_accuracy", "final_loss", "seconds", "cpu_seconds", "lesson_valid_accuracy"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame.sort_values(["initializer", "seed"], kind="stable").reset_index(drop=True)


def mean_std_table(summary, order):
    """Per initializer (in `order`): runs, diverged runs, and mean/std/min/max of the accuracies (%) over
    the runs that did not diverge, beside the published reference (NaN where the lesson has none).

    `lesson_valid_*` is the validation accuracy under the lesson's protocol (dropout on), the one its
    published numbers used; `reference_within_lesson_spread` says whether the published number lies
    within our seeds' spread under that protocol (tables.within_spread; empty without a published
    number or with fewer than two finished seeds)."""
    finished = ~summary["diverged"]  # a diverged run's values are blanked: counted, not averaged
    runs = summary.assign(valid=100 * summary["valid_accuracy"].where(finished),
                          test=100 * summary["test_accuracy"].where(finished),
                          lesson_valid=100 * summary["lesson_valid_accuracy"].where(finished),
                          final_loss=summary["final_loss"].where(finished))
    spread = [*tables.SPREAD, "min", "max"]
    columns = {"valid": ("valid", spread), "test": ("test", tables.SPREAD), "lesson_valid": ("lesson_valid", spread),
               "final_loss": ("final_loss", ["mean"])}
    table = tables.mean_std(runs, "initializer", columns, order=order, runs=("seed", "size"),
                            diverged=("diverged", "sum"))
    table["reference_valid"] = [UDACITY_VALID_ACCURACY.get(name, math.nan) for name in table["initializer"]]
    table["mean_minus_reference"] = table["valid_mean"] - table["reference_valid"]
    table["lesson_minus_reference"] = table["lesson_valid_mean"] - table["reference_valid"]
    lesson = table[["lesson_valid_mean", "lesson_valid_std", "lesson_valid_min", "lesson_valid_max"]]
    table["reference_within_lesson_spread"] = pd.array(
        [None if math.isnan(reference) else tables.within_spread(reference, tuple(group))
         for reference, group in zip(table["reference_valid"], lesson.itertuples(index=False))], dtype="boolean")
    return table


def _fmt(value, digits=2):
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def markdown_table(table):
    """The mean +- std table as GitHub markdown (accuracies in %)."""
    lines = ["| initializer | runs | diverged | valid % (mean ± std) | test % (mean ± std) | final loss | "
             "published valid % (dropout on) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in table.itertuples():
        lines.append(f"| {row.initializer} | {row.runs} | {row.diverged} | {_fmt(row.valid_mean)} ± "
                     f"{_fmt(row.valid_std)} | {_fmt(row.test_mean)} ± {_fmt(row.test_std)} | "
                     f"{_fmt(row.final_loss_mean, 3)} | {_fmt(row.reference_valid, 3)} |")
    return "\n".join(lines) + "\n"


def compare_pair(a, b):
    """Verdict for two rows of mean_std_table: (differs: bool | None, difference, pooled_std), by the shared
    rule `tables.differs` on validation accuracy. None when either side has fewer than two finished runs."""
    return tables.differs(*((row.valid_mean, row.valid_std, row.valid_min, row.valid_max) for row in (a, b)))


def tiers(table):
    """Initializers grouped best first: a new tier starts at the first one not shown to be within the
    spread of the tier's best (it differs, or either spread is unknown)."""
    ranked = table.dropna(subset=["valid_mean"]).sort_values("valid_mean", ascending=False)
    groups = []
    for row in ranked.itertuples():
        if groups and compare_pair(groups[-1][0], row)[0] is False:
            groups[-1].append(row)
        else:
            groups.append([row])
    return [[row.initializer for row in group] for group in groups]


def honest_comparison(table, pairs):
    """Markdown text: the rule, the lesson's pairs with verdicts, tiers, and every pair within the spread."""
    rows = {row.initializer: row for row in table.itertuples()}
    lines = ["# Initializers: which differences exceed the seed-to-seed spread", "",
             f"Rule: {RULE}. Accuracies are validation accuracy in %, dropout off.", "", "## The lesson's comparisons", ""]
    for a, b in pairs:
        if a in rows and b in rows:
            lines.append("- " + _verdict(rows[a], rows[b]))
    lines += ["", "## Tiers (best first; members of a tier are within the spread of the tier's best)", ""]
    lines += [f"{i}. {', '.join(group)}" for i, group in enumerate(tiers(table), 1)]
    close = [_verdict(rows[a], rows[b]) for a, b in itertools.combinations(table["initializer"], 2)
             if compare_pair(rows[a], rows[b])[0] is False]
    lines += ["", "## Every pair within the seed-to-seed spread", ""] + ([f"- {v}" for v in close] or ["- none"])
    unknown = [row.initializer for row in table.itertuples() if math.isnan(row.valid_std)]
    if unknown:
        lines += ["", f"Spread unknown (fewer than two finished runs): {', '.join(unknown)}."]
    return "\n".join(lines) + "\n"


def _verdict(a, b):
    differs, difference, pooled = compare_pair(a, b)
    word = {True: "differ", False: "within seed spread", None: "spread unknown"}[differs]
    return (f"{a.initializer} vs {b.initializer}: {word} (means {_fmt(a.valid_mean)} vs {_fmt(b.valid_mean)}, "
            f"difference {_fmt(difference)} pp, pooled std {_fmt(pooled)} pp, ranges "
            f"[{_fmt(a.valid_min)}, {_fmt(a.valid_max)}] and [{_fmt(b.valid_min)}, {_fmt(b.valid_max)}])")


def expected_outcome(table, *, chance_max=11.0, good_min=84.0,
                     good=("general_rule", "normal", "default", "xavier_uniform", "xavier_normal",
                           "kaiming_uniform", "kaiming_normal")):
    """Checks of the issue's expected outcome on mean validation accuracy (%): name -> (holds, detail)."""
    means = dict(zip(table["initializer"], table["valid_mean"]))
    checks = {}
    for name in ("zeros", "ones"):
        if name in means:
            checks[f"{name} at chance (<= {chance_max:g}%)"] = (means[name] <= chance_max, _fmt(means[name]))
    if "uniform" in means and "centered" in means:
        gap = means["centered"] - means["uniform"]
        checks["uniform far below centered (>= 10 pp)"] = (gap >= 10, f"{_fmt(gap)} pp")
    for name in good:
        if name in means:
            checks[f"{name} >= {good_min:g}%"] = (means[name] >= good_min, _fmt(means[name]))
    return checks
