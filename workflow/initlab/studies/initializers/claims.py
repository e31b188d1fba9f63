"""The initializer page's sentences, each made from the table it sits beside (pandas only).

`table` is the study's table.csv (summary.mean_std_table): index or column initializer, accuracies in %.
"""

import pandas as pd

from initlab import tables
from initlab.published import UDACITY_SETTINGS


def _table(table):
    return table.set_index("initializer") if "initializer" in table.columns else table


CHANCE = 11.0  # % validation accuracy at or below which an initializer is at chance (10 classes)


def outcome_conclusion(table, *, chance=CHANCE, good=84.0):
    """Our validation accuracy (dropout off) grouped by outcome: at chance (mean <= `chance`), trained well
    (mean >= `good`), in between. No published number enters: those were measured with dropout on."""
    means = _table(table)["valid_mean"].dropna()
    groups = [(("stays", "stay"), "at chance", means[means <= chance]),
              (("reaches", "reach"), f"at least {good:g}%", means[means >= good]),
              (("lands", "land"), "in between", means[(means > chance) & (means < good)])]
    parts = [f"{', '.join(f'{name} ({value:.1f}%)' for name, value in members.items())} "
             f"{verbs[len(members) > 1]} {where}" for verbs, where, members in groups if len(members)]
    return "Validation accuracy after training, dropout off: " + "; ".join(parts) + "."


def dropout_effect(table, *, chance=CHANCE):
    """How much measuring with dropout on (the lesson's way) changes our own accuracy, from both columns: the
    range of (dropout off - dropout on) in points over the initializers that trained above `chance`, then the
    largest change among those at chance (their outputs hardly depend on the weights, so dropout moves little)."""
    t = _table(table)
    gap = (t["valid_mean"] - t["lesson_valid_mean"]).dropna()
    trained = gap[t["valid_mean"].reindex(gap.index) > chance]
    if trained.empty:
        return "No initializer trained above chance, so dropout's effect on the measurement is not seen here."
    if (trained > 0).all() or (trained < 0).all():
        verb, size = ("lowers", trained) if (trained > 0).all() else ("raises", -trained)
        amount = (f"by {size.iloc[0]:.1f} points ({size.index[0]}, the one initializer above chance)"
                  if len(size) == 1 else
                  f"by {size.min():.1f} to {size.max():.1f} points (largest for {size.idxmax()})")
    else:
        verb, amount = "changes", f"by {trained.min():+.1f} to {trained.max():+.1f} points (dropout off minus on)"
    text = f"Measuring with dropout on {verb} our validation accuracy {amount}"
    idle = gap.drop(trained.index)
    if len(idle):
        text = (f"For the initializers that trained above chance, {text[0].lower()}{text[1:]}; for those at chance "
                f"({', '.join(idle.index)}) it moves it by at most {idle.abs().max():.1f} points")
    return text + ". So only the dropout-on column below is compared with the published numbers."


def lesson_protocol_conclusion(table):
    """The published numbers against our runs measured the lesson's way (dropout on), naming each initializer
    with its verdict from tables.within_spread (column reference_within_lesson_spread)."""
    t = _table(table)
    judged = t.dropna(subset=["reference_valid"])
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
        parts.append(f"cannot tell for {', '.join(unknown)} (fewer than {tables.MIN_REPEATS} finished seeds, or "
                     "every seed gave the same accuracy)")
    if not parts:
        return "No configured initializer has a published number."
    return ("Measured as the lesson measured (dropout on), the published validation accuracy lies "
            + "; ".join(parts) + ".")


def overview_rows(table, settings=None):
    """One overview row per initializer the lesson published: our accuracy measured its way (dropout on) beside
    the published one, agreeing when tables.within_spread says the published run lies within our spread. A
    disagreement is put down to `settings` (our initializers config section) where they differ from the
    lesson's, else flagged unexplained."""
    t = _table(table)
    changed = [key for key, value in UDACITY_SETTINGS.items() if settings and settings.get(key, value) != value]
    why = (f"our settings are not the lesson's ({', '.join(changed)})" if changed else
           "unexplained: outside our seeds' 95% prediction interval")
    rows = []
    for name, row in t.dropna(subset=["reference_valid"]).iterrows():
        flag = row["reference_within_lesson_spread"]
        agrees = "cannot tell" if pd.isna(flag) else "yes" if bool(flag) else "no"
        rows.append((f"{name}: validation accuracy %, dropout on", f"{row['lesson_valid_mean']:.2f} ± "
                     f"{row['lesson_valid_std']:.2f} ({int(row['lesson_valid_n'])} seeds)",
                     f"{row['reference_valid']:.3f} (one run)", agrees,
                     why if agrees == "no" else ""))
    return rows
