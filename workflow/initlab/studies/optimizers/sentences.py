"""The optimizer page's sentences that read the numbers: the conclusion (best and lowest run, how the claims came
out), what the schedule comparisons found, and which lines of the schedule figures coincide and why."""

import math

from initlab.studies.optimizers.claims import ANNEALING_CLAIM, VERDICTS, judge, run_name
from initlab.studies.optimizers.summary import per_seed

COUNTED = {  # verdict -> what n comparisons did, (one, several)
    "agrees": ("agrees with the notes", "agree with the notes"),
    "disagrees": ("disagrees", "disagree"),
    "no difference found": ("finds no difference", "find no difference"),
    "identical": ("gives identical losses", "give identical losses"),
    "cannot tell": ("cannot tell (too few finished seeds or no spread)", "cannot tell (too few finished seeds or no "
                                                                         "spread)"),
}
SCHEDULE_WORDS = {"agrees": "lower", "disagrees": "higher", "no difference found": "not told apart",
                  "identical": "identical", "cannot tell": "cannot tell"}


def english(items):
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def verdict_counts(claims):
    """'2 agree with the notes, 3 disagree (a vs b, ...) and 1 finds no difference': each verdict of `claims`
    (from claims.optimizer_claims) that occurs, with its count; the disagreeing comparisons named."""
    parts = []
    for verdict in VERDICTS:
        names = claims.loc[claims["verdict"] == verdict, "comparison"].tolist()
        if names:
            parts.append(f"{len(names)} {COUNTED[verdict][len(names) > 1]}"
                         + (f" ({', '.join(names)})" if verdict == "disagrees" else ""))
    return english(parts)


def standing(runs, key):
    """Where run `key` stands among the other finished runs of `runs` (summary indexed by (optimizer, schedule))
    on validation accuracy, paired by seed: 'above a and b; not told apart from c', 'not told apart from any
    other run'. Returns (phrase, number of comparisons made)."""
    groups = {"above": [], "below": [], "not told apart from": [], "identical to": [], "cannot tell against": []}
    others = [k for k in runs.dropna(subset=["valid_accuracy_mean"]).index if k != key]
    for other in others:
        theirs, ours = (per_seed(runs.loc[k], "valid_accuracy") for k in (other, key))
        seeds = sorted(theirs.keys() & ours.keys())
        word, _ = judge([theirs[s] for s in seeds], [ours[s] for s in seeds])  # 'agrees': theirs below ours
        word = {"agrees": "above", "disagrees": "below", "no difference found": "not told apart from",
                "identical": "identical to", "cannot tell": "cannot tell against"}[word]
        groups[word].append(run_name(*other))
    if len(groups["not told apart from"]) == len(others) and others:
        return "not told apart from any other run", len(others)
    return "; ".join(f"{word} {english(names)}" for word, names in groups.items() if names), len(others)


def _describe_run(row):
    finished = int(row["seeds"] - row["diverged"])
    return (f"**{run_name(*row.name)}** (lr {row['lr']:g}): {100 * row['valid_accuracy_mean']:.1f}% "
            f"({100 * row['valid_accuracy_min']:.1f}-{100 * row['valid_accuracy_max']:.1f} over {finished} "
            f"seed{'s' if finished != 1 else ''})")


def optimizer_conclusion(summary, claims, *, epochs=None, false_alarm_rate=None):
    """Sentences: the highest and the lowest mean validation accuracy and where each stands against the other runs
    by the paired rule (`standing`; with `false_alarm_rate`, the per-comparison rate of that rule, how many
    false alarms chance alone would give), the runs with diverged seeds, and how the comparisons in `claims`
    (from claims.optimizer_claims) came out (`verdict_counts`)."""
    runs = summary.set_index(["optimizer", "schedule"])
    finished = runs.dropna(subset=["valid_accuracy_mean"]).sort_values("valid_accuracy_mean", ascending=False)
    if finished.empty:
        return "Every run diverged: no optimizer finished training."
    budget = f"After {epochs} epoch{'s' if epochs != 1 else ''} the" if epochs else "The"
    best, worst = finished.iloc[0], finished.iloc[-1]
    text = f"{budget} highest mean validation accuracy is {_describe_run(best)}"
    if len(finished) > 1:
        above, judged = standing(finished, best.name)
        below, more = standing(finished, worst.name)
        text += (f"; by the paired rule on the seeds' accuracies it is {above}. The lowest is {_describe_run(worst)}, "
                 f"{below}.")
        if false_alarm_rate is not None:
            pairs = judged + more - 1  # the highest against the lowest is one comparison, made in both
            text += (f" Of these {pairs} comparisons chance alone would flag about {false_alarm_rate * pairs:.1f} "
                     "even if no run truly differed.")
    else:
        text += "."
    diverged = runs[runs["diverged"] > 0]
    if len(diverged):
        text += " Diverged (left out of the means): " + ", ".join(
            f"{run_name(*key)} ({int(row.diverged)} of {int(row.seeds)} seeds)"
            for key, row in diverged.iterrows()) + "."
    if len(claims):
        text += (f" Of the {len(claims)} comparison{'s' if len(claims) != 1 else ''} that test the notes' claims on "
                 f"the training loss, {verdict_counts(claims)}.")
    return text


def schedule_sentence(claims):
    """What the annealing comparisons found: the last epoch's training loss under each schedule against the same
    optimizer at a constant rate ('lower', 'higher', 'not told apart', 'identical', 'cannot tell')."""
    rows = claims[claims["claim"] == ANNEALING_CLAIM]
    if rows.empty:
        return "No schedule is configured."
    found = {}
    for row in rows.itertuples():
        found.setdefault(SCHEDULE_WORDS[row.verdict], []).append(row.comparison.split(" vs ")[0])
    return ("The last epoch's training loss against the constant rate, paired by seed: "
            + "; ".join(f"{word} under {english(names)}" for word, names in found.items()) + ".")


def _through(row, unit):
    """(the last step or epoch at which a scheduled run still matches its constant run, why) from its
    departs_* columns (see summary.departures); the step or epoch is None when they match throughout."""
    lr_epoch, step, per_epoch = row["departs_lr_epoch"], row["departs_loss_step"], row["steps_per_epoch"]
    if math.isnan(step):
        return None, ("rate never lowered" if math.isnan(lr_epoch) else
                      f"unexplained: rate lowered from epoch {int(lr_epoch)}, yet every loss matches")
    expected = None if math.isnan(lr_epoch) else (int(lr_epoch) - 1) * int(per_epoch) + 2
    last = int(step) - 1 if unit == "step" else math.ceil((step - 1) / per_epoch) - 1
    if step == expected:  # a step's loss is measured before its update: the first lowered update shows next step
        return last, f"rate lowered from epoch {int(lr_epoch)}"
    if expected is not None and step < expected:
        return last, f"rate lowered only from epoch {int(lr_epoch)}: the runs are not bit-reproducible on this device"
    return last, "unexplained"


def coincide_sentence(summary, *, unit="step"):
    """Which lines of the schedule figures coincide, up to which step (unit 'step') or validated epoch (unit
    'epoch'), and why: the runs of one seed share initial weights and batch order, and a schedule starts at the
    constant rate, so a scheduled run makes the constant run's updates until its rate first drops. Read from
    summary.departures' columns; '' when no scheduled run finished beside its constant run."""
    runs = summary.set_index(["optimizer", "schedule"])
    if "departs_pairs" not in runs:
        return ""
    sentences, lowered = [], []
    for optimizer in dict.fromkeys(o for o, s in runs.index if s != "none"):
        rows = runs[(runs.index.get_level_values(0) == optimizer) & (runs["departs_pairs"] > 0)]
        if rows.empty:
            continue
        groups = {}
        for key, row in rows.iterrows():
            groups.setdefault(_through(row, unit), []).append(run_name(*key))
        lowered.append(groups)
        phrases = []
        for (last, why), names in sorted(groups.items(), key=lambda g: math.inf if g[0][0] is None else g[0][0]):
            one = len(names) == 1
            if last is None:
                phrases.append(f"{english(names)} {'follows' if one else 'follow'} it throughout ({why})")
            elif last < 1 + (unit == "step"):
                phrases.append(f"{english(names)} {'parts' if one else 'part'} from it from the first "
                               f"{'update' if unit == 'step' else 'epoch'} ({why})")
            else:
                phrases.append(f"{english(names)} {'follows' if one else 'follow'} it through {unit} {last} ({why})")
        lr = runs.loc[(optimizer, "none"), "lr"]
        lines = (f"each of the {len(rows)} scheduled {optimizer} lines" if len(rows) > 1
                 else f"the scheduled {optimizer} line")
        sentences.append(f"The runs of one seed share initial weights and batch order, so {lines} coincides with "
                         f"{optimizer} at the constant rate {lr:g} until its schedule lowers the rate: "
                         f"{'; '.join(phrases)}.")
    if unit == "step" and any(why.startswith("rate lowered from") for group in lowered for _, why in group):
        sentences.append("A step's loss is measured before its update, so a lowered rate shows one step after it "
                         "takes effect.")
    return " ".join(sentences)
