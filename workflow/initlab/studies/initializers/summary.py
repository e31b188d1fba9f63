"""Tables and the honest comparison for the initializer study (pandas only: no torch import)."""

import itertools
import math

import pandas as pd

from initlab import tables
from initlab.published import UDACITY_VALID_ACCURACY

SUMMARY_COLUMNS = ["initializer", "seed", "valid_accuracy", "test_accuracy", "final_loss", "diverged", "seconds",
                   "device", "cpu_seconds", "lesson_valid_accuracy"]
RULE = (f"two initializers differ when Welch's t test on their validation accuracies over seeds rejects equal "
        f"means at the {tables.ALPHA:.0%} level; cannot tell with fewer than {tables.MIN_REPEATS} finished seeds "
        "or no spread on either side")


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
    number, with fewer than tables.MIN_REPEATS finished seeds or with no spread)."""
    finished = ~summary["diverged"]  # a diverged run's values are blanked: counted, not averaged
    runs = summary.assign(valid=100 * summary["valid_accuracy"].where(finished),
                          test=100 * summary["test_accuracy"].where(finished),
                          lesson_valid=100 * summary["lesson_valid_accuracy"].where(finished),
                          final_loss=summary["final_loss"].where(finished))
    spread = [*tables.SPREAD, "min", "max"]
    columns = {"valid": ("valid", spread), "test": ("test", tables.SPREAD), "lesson_valid": ("lesson_valid", spread),
               "final_loss": ("final_loss", ["mean"])}
    table = tables.mean_std(runs, "initializer", columns, order=order, runs=("seed", "size"),
                            diverged=("diverged", "sum"), valid_n=("valid", "count"),
                            lesson_valid_n=("lesson_valid", "count"))
    table["reference_valid"] = [UDACITY_VALID_ACCURACY.get(name, math.nan) for name in table["initializer"]]
    table["mean_minus_reference"] = table["valid_mean"] - table["reference_valid"]
    table["lesson_minus_reference"] = table["lesson_valid_mean"] - table["reference_valid"]
    lesson = table[["lesson_valid_mean", "lesson_valid_std", "lesson_valid_n"]]
    table["reference_within_lesson_spread"] = pd.array(
        [None if math.isnan(reference) else tables.within_spread(reference, tables.Spread(*group))
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
    """tables.Verdict of two rows of mean_std_table on validation accuracy (difference a - b, in points)."""
    return tables.differs(*(tables.Spread(row.valid_mean, row.valid_std, row.valid_n) for row in (a, b)))


def letters(table):
    """{initializer: letters}, best mean first: two initializers share a letter exactly when the rule did not
    find them to differ (differs False or None). Each letter is a maximal group of initializers no two of
    which differ (a maximal clique of "not shown to differ"), so the groups never contradict the pair verdicts."""
    ranked = table.dropna(subset=["valid_mean"]).sort_values("valid_mean", ascending=False)
    rows = {row.initializer: row for row in ranked.itertuples()}
    names = list(rows)
    if not names:  # every run diverged: nothing to group
        return {}
    close = {a: {b for b in names if b != a and compare_pair(rows[a], rows[b]).differs is not True} for a in names}
    cliques = []

    def grow(clique, candidates, excluded):  # Bron-Kerbosch: every maximal clique once
        if not candidates and not excluded:
            cliques.append(clique)
        for name in list(candidates):
            grow(clique | {name}, candidates & close[name], excluded & close[name])
            candidates = candidates - {name}
            excluded = excluded | {name}

    grow(set(), set(names), set())
    cliques.sort(key=lambda c: min(names.index(n) for n in c))
    found = {name: "" for name in names}
    for letter, clique in zip("abcdefghijklmnopqrstuvwxyz", cliques):
        for name in clique:
            found[name] += letter
    return found


MARKS = {True: "differ", False: "·", None: "?"}


def pair_matrix(table):
    """Markdown: every pair's verdict as a matrix, best first, rows numbered as the columns."""
    ranked = table.dropna(subset=["valid_mean"]).sort_values("valid_mean", ascending=False)
    rows = list(ranked.itertuples())
    lines = ["| # | initializer | valid % | " + " | ".join(str(i) for i in range(1, len(rows) + 1)) + " |",
             "|---:|---|---:|" + "---|" * len(rows)]
    for i, a in enumerate(rows, 1):
        cells = ["" if a is b else MARKS[compare_pair(a, b).differs] for b in rows]
        lines.append(f"| {i} | {a.initializer} | {_fmt(a.valid_mean, 1)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def honest_comparison(table, pairs):
    """Markdown text: the rule and its false-alarm rate, the lesson's pairs, the letter groups and the matrix."""
    rows = {row.initializer: row for row in table.itertuples()}
    judged = table.dropna(subset=["valid_mean"])
    n_pairs = len(judged) * (len(judged) - 1) // 2
    seeds = int(judged["valid_n"].max()) if len(judged) else 0
    lines = ["# Initializers: which differences exceed the seed-to-seed spread", "",
             f"Rule: {RULE}. Accuracies are validation accuracy in %, dropout off.", ""]
    if n_pairs and seeds >= tables.MIN_REPEATS:
        lines += [tables.chance_note(n_pairs, n=seeds), ""]
    lines += ["## The lesson's comparisons", ""]
    lesson = ["- " + _verdict(rows[a], rows[b]) for a, b in pairs if a in rows and b in rows]
    lines += lesson or ["None of the lesson's pairs has both initializers configured."]
    groups = letters(table)
    lines += ["", "## Groups (best first)", "",
              "Initializers that share a letter were not found to differ; every pair that shares no letter differs.",
              "", "| initializer | valid % (mean) | group |", "|---|---:|---|"]
    lines += [f"| {name} | {_fmt(rows[name].valid_mean, 1)} | {group} |" for name, group in groups.items()]
    lines += ["", "## Every pair", "", "*differ*: the rule finds a difference; ·: not found to differ; "
              "?: cannot tell.", "", pair_matrix(table)]
    unknown = [row.initializer for row in table.itertuples() if not row.valid_n >= tables.MIN_REPEATS]
    if unknown:
        lines += ["", f"Cannot tell (fewer than {tables.MIN_REPEATS} finished seeds): {', '.join(unknown)}."]
    return "\n".join(lines) + "\n"


def _verdict(a, b):
    verdict = compare_pair(a, b)
    word = {True: "differ", False: "not found to differ", None: "cannot tell"}[verdict.differs]
    p = "" if math.isnan(verdict.p) else f", p = {verdict.p:.2g}"
    return (f"{a.initializer} vs {b.initializer}: {word} (means {_fmt(a.valid_mean)} vs {_fmt(b.valid_mean)} ± "
            f"{_fmt(a.valid_std)} / {_fmt(b.valid_std)}, difference {_fmt(verdict.difference)} points{p})")


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
