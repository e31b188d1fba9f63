"""The search page's sentences and the notes' advice beside this search, from trials.csv and summary.json."""

import math

import pandas as pd

from initlab import tables
from initlab.published import CS231N_COARSE_EPOCHS, CS231N_LR_LOG10_RANGE, D2L_HOUSE_SETTINGS
from initlab.report import count
from initlab.studies.search.sampling import edges
from initlab.studies.search.summary import fold_columns


SEARCH_NAMES = {"lr": "lr", "weight_decay": "weight decay", "hidden": "hidden units"}


def trial_label(trial):
    """A trial's id in words: 'fine002' -> 'fine trial 2' (the number of its file, fine/fine002.json)."""
    stage = trial.rstrip("0123456789")
    return f"{stage} trial {int(trial[len(stage):])}" if trial != stage else trial


def near_edges(trial, ranges, *, tolerance):
    """The hyperparameters of `trial` near an edge of their range (sampling.edges), in short words for a table
    cell: 'hidden units (upper), lr (lower)'; '' when none."""
    return ", ".join(f"{SEARCH_NAMES.get(name, name)} ({side})" for name, side in edges(trial, ranges, tolerance))


def search_params_text(params):
    """A trial's hyperparameters as words: 'lr 0.024, weight decay 0.00121, 73 hidden units'."""
    return ", ".join(f"{int(value)} hidden units" if name == "hidden"
                     else f"{SEARCH_NAMES.get(name, name.replace('_', ' '))} {value:.3g}"
                     for name, value in params.items())


def _log10_range(name, low, high):
    if name == "hidden":
        return f"hidden units: integers log-uniform on [{int(low)}, {int(high)}]"
    label = SEARCH_NAMES.get(name, name.replace("_", " "))
    return f"{label} 10 ** uniform({math.log10(low):.3g}, {math.log10(high):.3g})"


def _ranges_text(ranges):
    return ", ".join(f"{SEARCH_NAMES.get(name, name.replace('_', ' '))} [{low:.3g}, {high:.3g}]"
                     for name, (low, high) in ranges.items())


def search_advice(summary, trials, ranges, *, tolerance):
    """The notes' advice on hyperparameter search beside what this search did: a frame (advice, this search).

    `summary` is the search's summary.json, `trials` its trials.csv (one row per trial: stage, epochs, folds,
    the sampled values), `ranges` the coarse ranges searched and `tolerance` the edge warning's fraction.
    """
    n, names = len(trials), list(ranges)
    stages = {stage: rows for stage, rows in trials.groupby("stage")}
    low, high = CS231N_LR_LOG10_RANGE
    distinct = ", ".join(f"{SEARCH_NAMES.get(name, name)} {trials[name].nunique()}" for name in names)
    per_axis = int(n ** (1 / len(names)) + 1e-9)
    stage_text = "; ".join(f"{stage}: {count(len(rows), 'trial')} x {count(int(rows['epochs'].iloc[0]), 'epoch')}"
                           for stage, rows in sorted(stages.items()))
    if "fine_ranges" in summary:
        stage_text += f", fine ranges {_ranges_text(summary['fine_ranges'])}"
    warned = int(trials["edge_warning"].fillna("").astype(str).str.len().gt(0).sum())
    best_edges = ("The best trial: " + "; ".join(summary["edge_warnings"]) if summary["edge_warnings"] else
                  f"The best trial lies inside every range (no value within {tolerance:.0%} of an edge, log scale)")
    folds = int(trials["folds"].iloc[0])
    d2l_folds = D2L_HOUSE_SETTINGS["folds"]
    compare = ("on the folds d2l's baseline is measured on, so the two scores compare" if folds == d2l_folds
               else f"where d2l's baseline is a {d2l_folds}-fold mean: the two scores compare only roughly")
    rows = [
        (f"Search on a log scale: learning_rate = 10 ** uniform({low}, {high}).",
         "Log-uniform draws: " + ", ".join(_log10_range(name, *bounds) for name, bounds in ranges.items()) + "."),
        ("Random search rather than grid search: the few hyperparameters that matter get more distinct values.",
         (f"Distinct values tried by the {n} trials: {distinct}; a grid of {n} points over {len(names)} "
          f"hyperparameters tries {per_axis} of each.")),
        (f"Coarse to fine: a coarse stage of {CS231N_COARSE_EPOCHS} epoch, then narrower ranges and more epochs.",
         stage_text + "."),
        ("Be careful with a best value on the border of its range: the range should move.",
         f"{best_edges}; {warned} of {n} trials carry an edge warning."),
        ("Prefer one validation set to cross-validation: simpler code.",
         f"{folds}-fold cross-validation, {compare}."),
    ]
    return pd.DataFrame(rows, columns=["CS231n notes", "this search"])


def stage_gain(trials, best, top):
    """The best trial `best` against the best coarse trial `top`, judged by the shared paired rule over the
    folds both were scored on (tables.differs): what the fine stage added, or that the folds cannot tell."""
    rows = trials.set_index("trial")
    a, b = (rows.loc[name, fold_columns(trials)].astype(float) for name in (best, top))
    verdict = tables.differs(list(a), list(b), paired=True)
    lower = rows.loc[best, "valid_log_rmse"] - rows.loc[top, "valid_log_rmse"]
    size = f"{abs(lower):.4f} {'lower' if lower < 0 else 'higher'}"
    return {True: f"the fine stage's best is {size}, a difference the folds confirm (paired over {len(a)} folds, "
                  f"p = {verdict.p:.2g})",
            False: f"the fine stage's best is {size}, not found to differ over the same {len(a)} folds (paired, "
                   f"p = {verdict.p:.2g}): the longer fine trials did not measurably improve on it",
            None: f"the fine stage's best is {size}; with fewer than {tables.MIN_REPEATS} shared folds the rule "
                  "cannot tell"}[verdict.differs]


def search_conclusion(summary, trials, *, reference):
    """Sentences on the random search: the best trial's cross-validated score beside `reference` (d2l's linear
    model) and the goal, the runner-up, what the fine stage added over the coarse one, edge warnings and
    divergence. `summary` is summary.json, `trials` trials.csv."""
    score, std = summary["valid_log_rmse"], summary["valid_std"]
    folds = int(trials["folds"].iloc[0])
    below = reference - score
    text = (f"The best of {len(trials)} trials is **{trial_label(summary['best_trial'])}** "
            f"({search_params_text(summary['params'])}"
            f", {summary['epochs']} epochs): a cross-validated log-RMSE of **{score:.4f}** ± {std:.4f} (std over "
            f"{folds} folds), {abs(below):.4f} {'below' if below >= 0 else 'above'} d2l's linear model "
            f"({reference:.4f}, a single published number: the gap gets no verdict); the goal of "
            f"{summary['goal_log_rmse']:g} is "
            f"{'met' if summary['meets_goal'] else 'not met'}.")
    finished = trials.dropna(subset=["valid_log_rmse"])
    stage = trials.loc[trials["trial"] == summary["best_trial"], "stage"].iloc[0]
    runners = finished[(finished["stage"] == stage) & (finished["trial"] != summary["best_trial"])]
    if len(runners):
        text += (f" The next {stage} trial scores {runners['valid_log_rmse'].min():.4f}: the best of several "
                 "trials is an optimistic estimate of the configuration's error on new houses.")
    coarse = finished[finished["stage"] == "coarse"]
    if stage != "coarse" and len(coarse):
        top = coarse.loc[coarse["valid_log_rmse"].idxmin()]
        text += f" The best coarse trial ({trial_label(top['trial'])}, {int(top['epochs'])} epochs) scored " + \
            f"{top['valid_log_rmse']:.4f}: " + stage_gain(trials, summary["best_trial"], top["trial"]) + "."
    if summary["edge_warnings"]:
        text += " **Near an edge:** " + "; ".join(summary["edge_warnings"]) + "."
    else:
        text += " No value of the best trial lies near an edge of its range."
    if summary.get("diverged"):
        text += f" {summary['diverged']} trial{'s' if summary['diverged'] != 1 else ''} diverged (never chosen)."
    return text


def overview_rows(summary, *, reference):
    """The overview's row for the search: its best trial beside d2l's linear model and the goal; no verdict,
    since the notes give advice, not a number."""
    trials = sum(summary["trials"].values())
    return [("best trial: mean k-fold valid log-RMSE",
             f"{summary['valid_log_rmse']:.4f} ({trial_label(summary['best_trial'])}, {trials} trials)",
             f"d2l linear {reference:.4f}; goal {summary['goal_log_rmse']:g}", "n/a",
             "the notes give advice, not a number")]
