"""The optimizer page's sentences: the CS231n notes' claims on parameter updates, each judged by the shared paired
rule (tables.differs, paired=True) on the training-loss quantity the claim speaks of (pandas only)."""

import pandas as pd

from initlab import tables
from initlab.studies.optimizers.summary import per_seed

# The lecture-7 notes' claims (CS231n, translated), each with the quantity that tests it.
MOMENTUM_CLAIM = "Momentum almost always converges faster than the plain update on deep networks."
ANNEALING_CLAIM = ("Annealing the learning rate over time usually helps: at a high rate the parameters bounce "
                   "around chaotically and cannot settle into deeper, narrower parts of the loss.")
ADAGRAD_CLAIM = ("Adagrad's monotonically shrinking rate is usually too aggressive and stops learning too early; "
                 "RMSprop's moving average keeps the rate from shrinking monotonically.")
QUANTITIES = {  # per-seed column -> how the page names it
    "train_loss": "mean training loss over the epochs (lower: converged faster)",
    "last_epoch_loss": "training loss of the last epoch (lower: settled lower)",
}
VERDICTS = ("agrees", "disagrees", "no difference found", "identical", "cannot tell")
COLUMNS = ["claim", "comparison", "quantity", "ours", "difference", "p", "verdict"]


def run_name(optimizer, schedule):
    """An optimizer study run as the pages name it: 'sgd' (constant rate), 'sgd + step' (scheduled)."""
    return optimizer if schedule == "none" else f"{optimizer} + {schedule}"


def judge(favoured, other):
    """(verdict, tables.Verdict) of a claim that `favoured`'s per-seed losses (a list) are lower than `other`'s,
    paired by seed: 'agrees' when the rule finds favoured lower, 'disagrees' when it finds it higher, 'no
    difference found', 'identical' (every finished seed gave the same number: the curves coincide), or
    'cannot tell' (fewer than three finished seed pairs, or the same difference on every seed)."""
    verdict = tables.differs(favoured, other, paired=True)
    pairs = [(a, b) for a, b in zip(favoured, other) if a == a and b == b]  # NaN != NaN: a diverged seed
    if pairs and all(a == b for a, b in pairs):
        return "identical", verdict
    if verdict.differs is None:
        return "cannot tell", verdict
    if not verdict.differs:
        return "no difference found", verdict
    return ("agrees" if verdict.difference < 0 else "disagrees"), verdict


def optimizer_claims(summary):
    """One row per comparison a claim makes, with our numbers and a verdict (see `judge`).

    `summary` is the study's summary.csv (studies.optimizers.summary.summarize). Momentum and Nesterov are set
    against sgd on the mean training loss over the epochs; every scheduled run against the same optimizer at a
    constant rate, and rmsprop against adagrad, on the last epoch's training loss. Comparisons whose runs are
    not configured are left out.
    """
    runs = summary.set_index(["optimizer", "schedule"])
    comparisons = [(MOMENTUM_CLAIM, (name, "none"), ("sgd", "none"), "train_loss") for name in ("momentum", "nesterov")]
    comparisons += [(ANNEALING_CLAIM, key, (key[0], "none"), "last_epoch_loss")
                    for key in runs.index if key[1] != "none"]
    comparisons.append((ADAGRAD_CLAIM, ("rmsprop", "none"), ("adagrad", "none"), "last_epoch_loss"))
    rows = []
    for claim, favoured, other, quantity in comparisons:
        if favoured not in runs.index or other not in runs.index:
            continue
        a, b = per_seed(runs.loc[favoured], quantity), per_seed(runs.loc[other], quantity)
        seeds = sorted(a.keys() & b.keys())
        word, verdict = judge([a[s] for s in seeds], [b[s] for s in seeds])
        rows.append({"claim": claim, "comparison": f"{run_name(*favoured)} vs {run_name(*other)}",
                     "quantity": QUANTITIES[quantity],
                     "ours": f"{tables.spread(a.values()).mean:.3f} vs {tables.spread(b.values()).mean:.3f}",
                     "difference": verdict.difference, "p": verdict.p, "verdict": word})
    return pd.DataFrame(rows, columns=COLUMNS)


def _describe_run(row):
    finished = int(row["seeds"] - row["diverged"])
    return (f"**{run_name(row['optimizer'], row['schedule'])}** (lr {row['lr']:g}) at "
            f"{100 * row['valid_accuracy_mean']:.1f}% ({100 * row['valid_accuracy_min']:.1f}-"
            f"{100 * row['valid_accuracy_max']:.1f} over {finished} seed{'s' if finished != 1 else ''})")


def optimizer_conclusion(summary, claims, *, epochs=None):
    """Sentences: the best and the worst run by mean validation accuracy, the runs with diverged seeds, and how
    the comparisons in `claims` (from `optimizer_claims`) came out, naming those against the notes."""
    finished = summary.dropna(subset=["valid_accuracy_mean"]).sort_values("valid_accuracy_mean", ascending=False)
    if finished.empty:
        return "Every run diverged: no optimizer finished training."
    budget = f"After {epochs} epoch{'s' if epochs != 1 else ''} the" if epochs else "The"
    text = f"{budget} best run by validation accuracy is {_describe_run(finished.iloc[0])}"
    text += f"; the worst is {_describe_run(finished.iloc[-1])}." if len(finished) > 1 else "."
    diverged = summary[summary["diverged"] > 0]
    if len(diverged):
        text += " Diverged (left out of the means): " + ", ".join(
            f"{run_name(r.optimizer, r.schedule)} ({int(r.diverged)} of {int(r.seeds)} seeds)"
            for r in diverged.itertuples()) + "."
    if len(claims):
        counts = claims["verdict"].value_counts()
        text += (f" Of the {len(claims)} comparisons that test the notes' claims on the training loss: "
                 + ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS))
        against = claims.loc[claims["verdict"] == "disagrees", "comparison"]
        text += f" (against: {', '.join(against)})." if len(against) else "."
    return text


def schedule_sentence(claims):
    """What the schedule figure shows, from the annealing comparisons: the schedules that settled lower and
    those whose last-epoch loss the rule cannot tell from the constant rate's."""
    rows = claims[claims["claim"] == ANNEALING_CLAIM]
    if rows.empty:
        return "No schedule is configured."
    lower = rows.loc[rows["verdict"] == "agrees", "comparison"]
    rest = rows.loc[rows["verdict"] != "agrees"]
    parts = []
    if len(lower):
        parts.append(f"settled lower than the constant rate: {', '.join(lower)}")
    if len(rest):
        parts.append("not found lower: " + ", ".join(f"{r.comparison} ({r.verdict})" for r in rest.itertuples()))
    return "Last-epoch training loss under a schedule, paired by seed: " + "; ".join(parts) + "."


def overview_rows(claims):
    """One overview row per claim of the notes: its comparisons' verdicts; agreeing when every comparison
    agrees, not when any disagrees, 'not shown' when none disagrees but some found no difference."""
    rows = []
    for claim, group in claims.groupby("claim", sort=False):
        verdicts = dict(zip(group["comparison"], group["verdict"]))
        if "disagrees" in verdicts.values():
            agrees, why = "no", "unexplained: " + ", ".join(c for c, v in verdicts.items() if v == "disagrees")
        elif all(v == "agrees" for v in verdicts.values()):
            agrees, why = "yes", ""
        else:
            agrees, why = "not shown", "at this budget: " + ", ".join(
                f"{c} ({v})" for c, v in verdicts.items() if v != "agrees")
        rows.append((claim.split(":")[0].split(";")[0].rstrip("."), "; ".join(f"{c}: {v}" for c, v in verdicts.items()),
                     "the notes' claim", agrees, why))
    return rows
