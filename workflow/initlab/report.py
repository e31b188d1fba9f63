"""Helpers for the report notebooks: tables beside published numbers and sentences made from numbers.

Pure functions (frames and strings in, frames and strings out) so the notebooks stay short and the
wording is tested. Only `setup_page` touches global state (matplotlib's rcParams, pandas' display options).
"""

import json
import math

import numpy as np
import pandas as pd

from initlab.published import CS231N_COARSE_EPOCHS, CS231N_LR_LOG10_RANGE, D2L_HOUSE_FEATURES, D2L_HOUSE_SETTINGS


def setup_page():
    """Display defaults for a notebook page: figures readable at page width, table cells not truncated."""
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 110, "font.size": 10, "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False})
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", None)
    pd.set_option("display.precision", 4)


# How the house prices page says a submission was chosen, per `chosen_by` of submission.json
SUBMISSION_RULES = {
    "one standard error": "by the one-standard-error rule (the simplest candidate, i.e. fewest hidden units, then "
                          "PyTorch's default initialization, whose mean validation log-RMSE is within one standard "
                          "error over the folds of the lowest: candidates the folds cannot tell apart do not flip "
                          "the choice on noise)",
    "lowest": "as the candidate with the lowest mean validation log-RMSE",
}

TIMING_NOTE = (
    "Times are the training's own, measured inside its job: *CPU s* is its CPU time (one thread), about what "
    "it takes alone on one core; *wall s* is wall-clock time, which grows when jobs share the cores "
    "(`snakemake --cores 8` on a machine with fewer cores runs several at once, each slower). On a GPU "
    "read wall s: CPU s then miss the device's work.")


def feature_count_text(*, features, numeric, names):
    """Markdown explaining the feature count against the one d2l printed (one more than pandas 2+ defaults give)."""
    indicators = features - numeric
    text = (f"**{features} features**: {numeric} standardized numeric columns and {indicators} one-hot "
            "indicator columns (one per category, plus one per column for a missing value). ")
    if features == D2L_HOUSE_FEATURES and "MasVnrType_None" in names:
        return text + (
            f"This matches the {features} d2l printed. With pandas 2 or later defaults it would be {features - 1}: "
            "`read_csv` now reads the text `None` as missing, and in `MasVnrType` *None* is a real category (no "
            "masonry veneer), so `MasVnrType_None` would merge into the missing-value indicator. We read with the "
            "missing-value strings of the pandas d2l used, so the matrix equals d2l's value for value.")
    return text + (f"d2l printed {D2L_HOUSE_FEATURES}; the difference of {features - D2L_HOUSE_FEATURES:+d} means "
                   "the preprocessing no longer matches d2l's (see the README's data section).")


def beside_reference(ours, reference, *, ours_name="ours", reference_name="published"):
    """A frame with our values and the published ones side by side, and their difference.

    `ours` and `reference` map the same kind of key (an initializer, an epoch) to numbers; keys
    present in only one of them keep a blank in the other column.
    """
    frame = pd.DataFrame({ours_name: pd.Series(ours, dtype=float),
                          reference_name: pd.Series(reference, dtype=float)})
    frame["difference"] = frame[ours_name] - frame[reference_name]
    return frame


def within(value, reference, tolerance):
    """'within' or 'outside' the +-tolerance band around the reference: words for a conclusion."""
    return "within" if abs(value - reference) <= tolerance else "outside"


def sci(value, digits=2):
    """A number in scientific notation as text ('3.5e-07'); 'n/a' for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}" if 1e-3 <= abs(value) < 1e4 or value == 0 else f"{value:.{digits - 1}e}"


def rough(value):
    """A rough magnitude as the course notes write it: one significant digit, '4e17', '1e-7'."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def initializer_conclusion(table, *, chance=11.0, good=84.0):
    """Sentences on the initializer table (index: initializer; valid_mean, valid_std in %, reference_valid).

    Groups initializers by outcome: at chance (mean <= `chance`), trained well (mean >= `good`) and in
    between, then compares each with a published number with that number.
    """
    means = table["valid_mean"].dropna()
    groups = [("stay at chance", means[means <= chance]), ("reach at least {good:g}%", means[means >= good]),
              ("land in between", means[(means > chance) & (means < good)])]
    parts = [f"{', '.join(f'{name} ({value:.1f}%)' for name, value in members.items())} {verb.format(good=good)}"
             for verb, members in groups if len(members)]
    text = "Validation accuracy after training: " + "; ".join(parts) + "."
    published = table.dropna(subset=["reference_valid", "valid_mean"])
    if len(published):
        gaps = published["valid_mean"] - published["reference_valid"]
        text += (f" Against the published run, our means differ by {gaps.min():+.1f} to {gaps.max():+.1f} "
                 f"percentage points (largest: {gaps.abs().idxmax()}).")
    return text


def lesson_protocol_conclusion(table):
    """Sentences on the published numbers against our runs under the lesson's protocol (index: initializer;
    reference_valid, lesson_valid_mean, reference_within_lesson_spread), naming each initializer."""
    judged = table.dropna(subset=["reference_valid"])
    # True / False / empty, as the table holds it or as read back from CSV (bools and NaN)
    flags = {name: None if pd.isna(v) else bool(v) for name, v in judged["reference_within_lesson_spread"].items()}
    inside = [name for name, flag in flags.items() if flag is True]
    outside = [name for name, flag in flags.items() if flag is False]
    unknown = [name for name, flag in flags.items() if flag is None]
    parts = []
    if inside:
        parts.append(f"within our seed spread for {', '.join(inside)}")
    if outside:
        parts.append("outside it for " + ", ".join(
            f"{name} (published {judged.loc[name, 'reference_valid']:.1f}%, ours "
            f"{judged.loc[name, 'lesson_valid_mean']:.1f}%)" for name in outside))
    if unknown:
        parts.append(f"not judged for {', '.join(unknown)} (fewer than two finished seeds)")
    if not parts:
        return "No configured initializer has a published number."
    return ("Measured as the lesson measured (dropout on), the published validation accuracy lies "
            + "; ".join(parts) + ".")


def depth_conclusion(summary):
    """Sentences on the depth study: which (initializer, activation) pairs keep the forward signal flat.

    `summary` has columns initializer, activation, depth, forward_ratio and forward ('flat', 'exploding',
    'vanishing' or 'non-finite'), one row per pair.
    """
    depth = int(summary["depth"].max())
    parts = []
    for outcome in ("flat", "exploding", "vanishing", "non-finite"):
        rows = summary[summary["forward"] == outcome]
        if len(rows):
            pairs = ", ".join(f"{r.initializer}+{r.activation}" for r in rows.itertuples())
            parts.append(f"**{outcome}** ({len(rows)}): {pairs}")
    finite = summary[np.isfinite(summary["forward_ratio"]) & (summary["forward_ratio"] > 0)]
    spread = ""
    if len(finite):
        low, high = finite["forward_ratio"].min(), finite["forward_ratio"].max()
        spread = (f" The ratio of last-layer to first-layer activation variance ranges from {sci(low)} to "
                  f"{sci(high)}: {math.log10(high / low):.0f} decades from the initial weights alone.")
    return f"After {depth} layers the forward signal is " + "; ".join(parts) + "." + spread


# The lecture-7 notes' claims on parameter updates (CS231n, translated), each tested by one kind of comparison.
MOMENTUM_CLAIM = "Momentum almost always converges faster than the plain update on deep networks."
ANNEALING_CLAIM = ("Annealing the learning rate over time usually helps: at a high rate the parameters bounce "
                   "around chaotically and cannot settle into deeper, narrower parts of the loss.")
ADAGRAD_CLAIM = ("Adagrad's monotonically shrinking rate is usually too aggressive and stops learning too early; "
                 "RMSprop's moving average keeps the rate from shrinking monotonically.")


def run_name(optimizer, schedule):
    """An optimizer study run as the pages name it: 'sgd' (constant rate), 'sgd + step' (scheduled)."""
    return optimizer if schedule == "none" else f"{optimizer} + {schedule}"


def verdict(difference, spread):
    """'agrees' when the favoured run leads by more than the seed spread, 'disagrees' when it trails by more,
    else 'within the seed spread'."""
    if difference > spread:
        return "agrees"
    if difference < -spread:
        return "disagrees"
    return "within the seed spread"


def optimizer_claims(summary):
    """The notes' claims that the optimizer study's table can test, with our numbers and a verdict per comparison.

    `summary` is the study's summary.csv: one row per (optimizer, schedule) with valid_accuracy_mean/min/max
    (fractions, over the finished seeds) and last_epoch_loss_mean. Each comparison sets the run a claim favours
    against another: momentum and nesterov against sgd; every scheduled run against the same optimizer at a
    constant rate; rmsprop against adagrad. The difference of mean validation accuracy, in percentage points, is
    judged against the seed spread, the larger min-max range of the two runs (see `verdict`). Comparisons whose
    runs are not configured, or whose every seed diverged, are left out.
    """
    runs = summary.set_index(["optimizer", "schedule"])
    comparisons = [(MOMENTUM_CLAIM, (name, "none"), ("sgd", "none")) for name in ("momentum", "nesterov")]
    comparisons += [(ANNEALING_CLAIM, key, (key[0], "none")) for key in runs.index if key[1] != "none"]
    comparisons.append((ADAGRAD_CLAIM, ("rmsprop", "none"), ("adagrad", "none")))
    rows = []
    for claim, favoured, other in comparisons:
        if favoured not in runs.index or other not in runs.index:
            continue
        a, b = runs.loc[favoured], runs.loc[other]
        if pd.isna(a["valid_accuracy_mean"]) or pd.isna(b["valid_accuracy_mean"]):
            continue
        difference = 100 * (a["valid_accuracy_mean"] - b["valid_accuracy_mean"])
        spread = 100 * max(a["valid_accuracy_max"] - a["valid_accuracy_min"],
                           b["valid_accuracy_max"] - b["valid_accuracy_min"])
        rows.append({
            "claim": claim, "comparison": f"{run_name(*favoured)} vs {run_name(*other)}",
            "valid accuracy %": f"{100 * a['valid_accuracy_mean']:.1f} vs {100 * b['valid_accuracy_mean']:.1f}",
            "difference (points)": difference, "seed spread (points)": spread,
            "last-epoch training loss": f"{a['last_epoch_loss_mean']:.3f} vs {b['last_epoch_loss_mean']:.3f}",
            "verdict": verdict(difference, spread),
        })
    return pd.DataFrame(rows, columns=["claim", "comparison", "valid accuracy %", "difference (points)",
                                       "seed spread (points)", "last-epoch training loss", "verdict"])


def _describe_run(row):
    finished = int(row["seeds"] - row["diverged"])
    return (f"**{run_name(row['optimizer'], row['schedule'])}** (lr {row['lr']:g}) at "
            f"{100 * row['valid_accuracy_mean']:.1f}% ({100 * row['valid_accuracy_min']:.1f}-"
            f"{100 * row['valid_accuracy_max']:.1f} over {finished} seed{'s' if finished != 1 else ''})")


def optimizer_conclusion(summary, claims, *, epochs=None):
    """Sentences on the optimizer study: the best and the worst run by mean validation accuracy, the runs with
    diverged seeds, and how many of the comparisons in `claims` (from `optimizer_claims`) agree with the notes."""
    finished = summary.dropna(subset=["valid_accuracy_mean"]).sort_values("valid_accuracy_mean", ascending=False)
    if finished.empty:
        return "Every run diverged: no optimizer finished training."
    budget = f"After {epochs} epoch{'s' if epochs != 1 else ''} the" if epochs else "The"
    text = f"{budget} best run is {_describe_run(finished.iloc[0])}"
    text += f"; the worst is {_describe_run(finished.iloc[-1])}." if len(finished) > 1 else "."
    diverged = summary[summary["diverged"] > 0]
    if len(diverged):
        text += " Diverged (left out of the means): " + ", ".join(
            f"{run_name(r.optimizer, r.schedule)} ({int(r.diverged)} of {int(r.seeds)} seeds)"
            for r in diverged.itertuples()) + "."
    if len(claims):
        counts = claims["verdict"].value_counts()
        agree = counts.get("agrees", 0)
        text += (f" Of the {len(claims)} comparisons that test the notes' claims: "
                 f"{agree} agree{'s' if agree == 1 else ''}, "
                 f"{counts.get('within the seed spread', 0)} within the seed spread, "
                 f"{counts.get('disagrees', 0)} against")
        against = claims.loc[claims["verdict"] == "disagrees", "comparison"]
        text += f" ({', '.join(against)})." if len(against) else "."
    return text


SEARCH_NAMES = {"lr": "lr", "weight_decay": "weight decay", "hidden": "hidden units"}


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
    stage_text = "; ".join(f"{stage}: {len(rows)} trials x {int(rows['epochs'].iloc[0])} epochs"
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


def search_conclusion(summary, trials, *, reference):
    """Sentences on the random search: the best trial's cross-validated score beside `reference` (d2l's linear
    model) and the goal, the runner-up, what the fine stage added over the coarse one, edge warnings and
    divergence. `summary` is summary.json, `trials` trials.csv."""
    score, std = summary["valid_log_rmse"], summary["valid_std"]
    folds = int(trials["folds"].iloc[0])
    below = reference - score
    text = (f"The best of {len(trials)} trials is **{summary['best_trial']}** ({search_params_text(summary['params'])}"
            f", {summary['epochs']} epochs): a cross-validated log-RMSE of **{score:.4f}** ± {std:.4f} (std over "
            f"{folds} folds), {abs(below):.4f} {'below' if below >= 0 else 'above'} d2l's linear model "
            f"({reference:.4f}); the goal of {summary['goal_log_rmse']:g} is "
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
        gain = top["valid_log_rmse"] - score
        text += (f" The best coarse trial ({top['trial']}, {int(top['epochs'])} epochs) scored "
                 f"{top['valid_log_rmse']:.4f}: the fine stage {'improved on it by' if gain > 0 else 'trails it by'} "
                 f"{abs(gain):.4f}.")
    if summary["edge_warnings"]:
        text += " **Near an edge:** " + "; ".join(summary["edge_warnings"]) + "."
    else:
        text += " No value of the best trial lies near an edge of its range."
    if summary.get("diverged"):
        text += f" {summary['diverged']} trial{'s' if summary['diverged'] != 1 else ''} diverged (never chosen)."
    return text


def flat_config(config, prefix=""):
    """A nested config as rows (dotted key, value): lists and scalars as compact JSON, one row per leaf."""
    rows = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += flat_config(value, prefix=f"{name}.")
        else:
            rows.append((name, json.dumps(value)))
    return rows


def mlp_text(study):
    """A study's Fashion-MNIST MLP run in words, from its config section: 'MLP 784-256-128-10 with relu and
    dropout 0.2, batches of 100, 2 epochs on all 48000 training images'."""
    sizes = "-".join(map(str, [784, *study.get("hidden", []), 10]))
    images = study.get("train_samples") or "all 48000"
    return (f"MLP {sizes} with {study.get('activation', 'n/a')} and dropout {study.get('dropout', 'n/a')}, batches "
            f"of {study.get('batch_size', 'n/a')}, {study.get('epochs', 'n/a')} epochs on {images} training images")
