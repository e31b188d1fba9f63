"""The optimizer page's verdicts: the CS231n notes' claims on parameter updates, each judged by the shared paired
rule (tables.differs, paired=True) on the training-loss quantity the claim speaks of, and the reason the numbers
give for a disagreement (pandas only)."""

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
COLUMNS = ["claim", "comparison", "quantity", "ours", "difference", "p", "verdict", "why"]


def run_name(optimizer, schedule):
    """An optimizer study run as the pages name it: 'sgd' (constant rate), 'sgd + step' (scheduled)."""
    return optimizer if schedule == "none" else f"{optimizer} + {schedule}"


def paired(row, other, quantity, other_quantity=None):
    """tables.differs(row's per-seed `quantity`, other's per-seed `other_quantity`, paired=True) over the seeds
    both rows have."""
    a, b = per_seed(row, quantity), per_seed(other, other_quantity or quantity)
    seeds = sorted(a.keys() & b.keys())
    return tables.differs([a[s] for s in seeds], [b[s] for s in seeds], paired=True)


def still_falling(row):
    """The sentence '<run>'s training loss still fell in its last epoch (previous -> last, paired by seed, p)'
    when the paired rule finds the last epoch's loss below the one before; else None (flat, rising, or
    cannot tell)."""
    verdict = paired(row, row, "last_epoch_loss", "previous_epoch_loss")
    if not (verdict.differs and verdict.difference < 0):
        return None
    last = tables.spread(per_seed(row, "last_epoch_loss").values()).mean
    return (f"{run_name(*row.name)}'s training loss still fell in its last epoch ({last - verdict.difference:.3f} "
            f"-> {last:.3f}, paired by seed, p {verdict.p:.2g})")


def annealing_why(runs, favoured, other):
    """Why a schedule did not settle lower than the constant rate, when the numbers say: the constant-rate run
    was still falling in its last epoch (`still_falling`), so there was no plateau yet to settle below, and the
    schedule, which lowered the rate (from the epoch in `departs_lr_epoch`), made the descent slower. '' when the
    numbers do not say: the constant run was not found falling, or the schedule never lowered the rate."""
    falling = still_falling(runs.loc[other])
    epoch = runs.loc[favoured].get("departs_lr_epoch")
    if falling is None or epoch is None or epoch != epoch:  # NaN: the schedule never lowered the rate
        return ""
    return (f"{falling}: there was no plateau yet for annealing to settle below, and the rate lowered from epoch "
            f"{int(epoch)} made the descent slower")


def adagrad_why(runs, favoured, other):
    """Why rmsprop did not end lower than adagrad, when the numbers say: adagrad's training loss still fell in
    its last epoch, so within this budget its shrinking rate had not stopped learning. '' otherwise."""
    falling = still_falling(runs.loc[other])
    return f"{falling}: within this budget its shrinking rate had not stopped learning" if falling else ""


WHY = {ANNEALING_CLAIM: annealing_why, ADAGRAD_CLAIM: adagrad_why}  # claim -> reason for a disagreement


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
    """One row per comparison a claim makes, with our numbers, a verdict (see `judge`) and, for a disagreement,
    the reason the numbers give (`WHY`; '' when they give none: unexplained).

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
        why = WHY[claim](runs, favoured, other) if word == "disagrees" and claim in WHY else ""
        rows.append({"claim": claim, "comparison": f"{run_name(*favoured)} vs {run_name(*other)}",
                     "quantity": QUANTITIES[quantity],
                     "ours": f"{tables.spread(a.values()).mean:.3f} vs {tables.spread(b.values()).mean:.3f}",
                     "difference": verdict.difference, "p": verdict.p, "verdict": word, "why": why})
    return pd.DataFrame(rows, columns=COLUMNS)


def reasons(group):
    """The disagreements of `group` (rows of `optimizer_claims`) with their reasons, comparisons that share a
    reason named together: ['a vs b, c vs b: reason', 'unexplained: d vs e']."""
    against = group[group["verdict"] == "disagrees"]
    by_reason = {}
    for row in against.itertuples():
        by_reason.setdefault(row.why or "", []).append(row.comparison)
    found = [f"{', '.join(names)}: {why}" for why, names in by_reason.items() if why]
    if "" in by_reason:
        found.append("unexplained: " + ", ".join(by_reason[""]))
    return found


def overview_rows(claims):
    """One overview row per claim of the notes: its comparisons' verdicts; agreeing when every comparison
    agrees, not when any disagrees (why: the reasons of `reasons`, or 'unexplained'), 'not shown' when none
    disagrees but some found no difference."""
    rows = []
    for claim, group in claims.groupby("claim", sort=False):
        verdicts = dict(zip(group["comparison"], group["verdict"]))
        if "disagrees" in verdicts.values():
            agrees, why = "no", "; ".join(reasons(group))
        elif all(v == "agrees" for v in verdicts.values()):
            agrees, why = "yes", ""
        else:
            agrees, why = "not shown", "at this budget: " + ", ".join(
                f"{c} ({v})" for c, v in verdicts.items() if v != "agrees")
        rows.append((claim.split(":")[0].split(";")[0].rstrip("."), "; ".join(f"{c}: {v}" for c, v in verdicts.items()),
                     "the notes' claim", agrees, why))
    return rows
