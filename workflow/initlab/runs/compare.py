"""Compare two runs (see snapshot.read and snapshot.current): the config keys that differ, and every
study's headline quantities with a verdict from the shared rule `tables.differs` (pandas only: no torch)."""

import json
import math

import pandas as pd

from initlab import tables

PARAMS_COLUMNS = ["key", "baseline", "current"]
METRICS_COLUMNS = ["study", "quantity", "baseline", "current", "difference", "spread", "p", "verdict"]
CODE_KEY = "code version"
VERDICT_RULE = (  # the page says it in these words
    f"**differs** when Welch's t test on the two runs' seeds or folds rejects equal means at the "
    f"{tables.ALPHA:.0%} level (p < {tables.ALPHA:g}); **within spread** otherwise; **cannot tell** when either "
    f"run has fewer than {tables.MIN_REPEATS} finished repeats or neither has any spread; **added** / "
    "**removed** when only the current / only the baseline run has it")


def flatten(config, prefix=""):
    """{dotted key: value} of a nested config; lists and scalars are leaves (`house_prices.lr`)."""
    flat = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _text(value):
    return "" if value is None else json.dumps(value) if isinstance(value, (list, dict, bool)) else str(value)


def code_text(code):
    """A code version as one string: the commit, with '+dirty' when the checkout had uncommitted changes."""
    return "" if code is None else code["commit"] + ("+dirty" if code["dirty"] else "")


def params_diff(*, baseline, current):
    """Rows (key, baseline, current) for exactly the config keys that differ, a key missing on one side
    as an empty cell; then the code version when it differs. Sorted by key."""
    a, b = flatten(baseline["config"]), flatten(current["config"])
    missing = object()
    rows = [{"key": key, "baseline": _text(a.get(key)), "current": _text(b.get(key))}
            for key in sorted(a.keys() | b.keys()) if a.get(key, missing) != b.get(key, missing)]
    if code_text(baseline["code"]) != code_text(current["code"]):
        rows.append({"key": CODE_KEY, "baseline": code_text(baseline["code"]), "current": code_text(current["code"])})
    return pd.DataFrame(rows, columns=PARAMS_COLUMNS)


def _values(frame, by, column, scale=1.0):
    """{label: [finite values]} per group of `by`; the label joins the group's key values with ' / '."""
    groups = {}
    for key, group in frame.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        values = pd.to_numeric(group[column], errors="coerce")
        groups[" / ".join(str(k) for k in key)] = [scale * v for v in values if math.isfinite(v)]
    return groups


def headline(run):
    """{(study, quantity): [values over seeds or folds]} of a run: one value means no spread, none that every
    repeat diverged. The quantities are the studies' headline numbers (docs/compare.md)."""
    found = {}

    def add(study, name, groups):
        found.update({(study, f"{name}: {label}"): values for label, values in groups.items()})

    t = {path: (pd.read_csv(file) if path.endswith(".csv") else json.loads(file.read_text()))
         for path, file in run["tables"].items()}
    if "house_prices/cv_summary.csv" in t:
        add("house_prices", "CV valid log-RMSE", _values(t["house_prices/cv_summary.csv"], ["model", "initializer"],
                                                         "valid_log_rmse"))
    if "initializers/summary.csv" in t:
        runs = t["initializers/summary.csv"]
        runs = runs[~runs["diverged"].astype(bool)]
        add("initializers", "valid accuracy %", _values(runs, "initializer", "valid_accuracy", 100))
        add("initializers", "test accuracy %", _values(runs, "initializer", "test_accuracy", 100))
    if "optimizers" in run["curves"]:  # the summary table has no per-seed values: the kept runs do
        runs = pd.DataFrame(run["curves"]["optimizers"])
        add("optimizers", "valid accuracy %", _values(runs, ["optimizer", "schedule"], "final_valid_accuracy", 100))
    if "search/summary.json" in t:
        found[("search", "best valid log-RMSE")] = [t["search/summary.json"]["valid_log_rmse"]]
    if "gradient_check/summary.csv" in t:
        checks = t["gradient_check/summary.csv"]
        add("gradient_check", "max relative error", {model: [group["max_rel_error"].max()]
                                                     for model, group in checks.groupby("model", sort=False)})
    if "linear_regression/summary.csv" in t:
        fits = t["linear_regression/summary.csv"]
        for column in ("final_loss", "w_error", "b_error"):
            add("linear_regression", column, _values(fits, "method", column))
    if "stability/depth/summary.csv" in t:
        for column in ("forward_ratio", "backward_ratio"):
            add("stability", column, _values(t["stability/depth/summary.csv"], ["initializer", "activation"], column))
    if "stability/diagnostics/summary.csv" in t:
        add("stability", "median update ratio", _values(t["stability/diagnostics/summary.csv"],
                                                        ["initializer", "layer"], "median_update_ratio"))
    return found


def metric_row(study, quantity, baseline, current):
    """One metrics row from the two runs' values (None for a run without the quantity)."""
    if baseline is None or current is None:
        present = current if baseline is None else baseline
        mean = tables.spread(present).mean
        return {"study": study, "quantity": quantity, "baseline": math.nan if baseline is None else mean,
                "current": mean if baseline is None else math.nan, "difference": math.nan, "spread": math.nan,
                "p": math.nan, "verdict": "added" if baseline is None else "removed"}
    a, b = tables.spread(current), tables.spread(baseline)
    verdict = tables.differs(a, b)  # current - baseline, Welch: the two runs' repeats are not paired
    word = {True: "differs", False: "within spread", None: "cannot tell"}[verdict.differs]
    return {"study": study, "quantity": quantity, "baseline": b.mean, "current": a.mean,
            "difference": verdict.difference, "spread": math.sqrt((a.std ** 2 + b.std ** 2) / 2), "p": verdict.p,
            "verdict": word}


def metrics(*, baseline, current):
    """The metrics table: one row per headline quantity of either run, in the baseline's order, then the added."""
    a, b = headline(baseline), headline(current)
    keys = list(a) + [key for key in b if key not in a]
    rows = [metric_row(*key, a.get(key), b.get(key)) for key in keys]
    return pd.DataFrame(rows, columns=METRICS_COLUMNS)


def conclusion(metrics):
    """The comparison page's conclusion from the metrics table: how many quantities got each verdict (in the
    table's order of first appearance), then the quantities that moved beyond the spread, or that none did."""
    counts = metrics["verdict"].value_counts(sort=False)
    moved = metrics.loc[metrics["verdict"] == "differs", "quantity"].tolist()
    return ("Quantities per verdict: " + ", ".join(f"{verdict} {n}" for verdict, n in counts.items()) + ". "
            if len(counts) else "No quantity to compare. ") + (
        f"Beyond the spread: {', '.join(moved)}." if moved else "No quantity moved beyond the spread.")


def text_table(params, metrics):
    """Both tables as plain text, for the job log."""
    parts = ["config keys that differ:", params.to_string(index=False) if len(params) else "  none", "",
             "headline quantities (difference = current - baseline; spread = pooled std over seeds or folds; "
             "p = Welch's t):",
             metrics.to_string(index=False, float_format=lambda v: f"{v:.6g}") if len(metrics) else "  none"]
    return "\n".join(parts)
