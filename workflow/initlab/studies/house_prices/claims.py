"""The house prices page's sentences, each made from the tables it sits beside (pandas only)."""

import math

from initlab import tables
from initlab.published import (D2L_HOUSE_CANDIDATE, D2L_HOUSE_FEATURES, D2L_HOUSE_FINAL_TRAIN_LOG_RMSE,
                               D2L_HOUSE_MEAN_LOG_RMSE)
from initlab.studies.house_prices.submission import RULES

# How the page says a submission was chosen, keyed by `chosen_by` of submission.json (submission.RULES' values)
SUBMISSION_RULES = {
    RULES["best"]: "by the one-standard-error rule (the simplest candidate, i.e. fewest hidden units, then "
                   "PyTorch's default initialization, whose mean validation log-RMSE is within one standard error "
                   "over the folds of the lowest)",
    RULES["lowest"]: "as the candidate with the lowest mean validation log-RMSE",
    "config": "as named in the config (`house_prices.submission`)",
}


def chosen_by(choice):
    """Words for `chosen_by` of submission.json; an unknown value is an error, not a guess."""
    if choice not in SUBMISSION_RULES:
        raise KeyError(f"submission.json chosen_by {choice!r}: expected one of {', '.join(SUBMISSION_RULES)}")
    return SUBMISSION_RULES[choice]


def feature_count_text(*, features, numeric, names):
    """The feature count against the one d2l printed (one more than pandas 2+ defaults give)."""
    text = (f"**{features} features**: {numeric} standardized numeric columns and {features - numeric} one-hot "
            "indicator columns (one per category, plus one per column for a missing value). ")
    if features == D2L_HOUSE_FEATURES and "MasVnrType_None" in names:
        return text + (
            f"This matches the {features} d2l printed. With pandas 2 or later defaults it would be {features - 1}: "
            "`read_csv` now reads the text `None` as missing, and in `MasVnrType` *None* is a real category (no "
            "masonry veneer), so `MasVnrType_None` would merge into the missing-value indicator. We read with the "
            "missing-value strings of the pandas d2l used, so the matrix equals d2l's value for value.")
    return text + (f"d2l printed {D2L_HOUSE_FEATURES}; the difference of {features - D2L_HOUSE_FEATURES:+d} means "
                   "the preprocessing no longer matches d2l's (see the README's data section).")


def fold_verdict(reference):
    """(our fold rows, tables.Verdict) of our per-fold validation scores against d2l's, paired fold by fold;
    'cannot tell' unless we have exactly d2l's number of folds (otherwise fold i holds other houses)."""
    rows = reference.index.str.match(r"fold\d+_valid_log_rmse")
    folds = reference[rows].dropna(subset=["ours"])
    verdict = tables.differs(list(folds["ours"]), list(folds["d2l"]), paired=True)
    if len(folds) != int(rows.sum()):
        verdict = tables.Verdict(None, verdict.difference, float("nan"))
    return folds, verdict


def reference_sentence(reference):
    """Our d2l candidate beside d2l's run (reference.csv, index quantity): the two means, then the per-fold
    validation scores judged by the shared paired rule (the folds are d2l's contiguous blocks of rows, the
    same houses in both runs, so fold i pairs with fold i)."""
    train, valid = (reference.loc[f"mean_{part}_log_rmse"] for part in ("train", "valid"))
    folds, verdict = fold_verdict(reference)
    words = {True: f"differ from d2l's (paired over the {len(folds)} folds, mean difference "
                   f"{verdict.difference:+.4f}, p = {verdict.p:.2g})",
             False: f"are not found to differ from d2l's (paired over the {len(folds)} folds, mean difference "
                    f"{verdict.difference:+.4f}, p = {verdict.p:.2g})",
             None: f"cannot be judged against d2l's ({len(folds)} folds with a score)"}[verdict.differs]
    settings = "d2l's settings" if bool(reference["seed_settings"].iloc[0]) else "settings that are **not** d2l's"
    d2l_folds = int(reference.index.str.match(r"fold\d+_valid_log_rmse").sum())
    houses = ("The folds are d2l's contiguous blocks of rows, the same houses in both runs: a single fold's gap "
              "comes from the random initial weights and batch order." if len(folds) == d2l_folds else
              f"Our {len(folds)} folds are contiguous blocks like d2l's {d2l_folds}, but other blocks: our fold i "
              "holds other houses than d2l's fold i, so the pairs compare unlike folds.")
    return (f"With {settings}, the linear model with PyTorch's default initialization reaches a mean train "
            f"log-RMSE of **{train.ours:.4f}** (d2l {train.d2l:.4f}) and a mean validation log-RMSE of "
            f"**{valid.ours:.4f}** (d2l {valid.d2l:.4f}). Our per-fold validation scores {words}. {houses}")


def best_candidate_sentence(means, cv):
    """The candidate with the lowest mean validation log-RMSE, with the standard error the submission rule
    uses, judged against our own run of d2l's candidate by the shared paired rule over the shared folds;
    then the diverged candidates. `means` is cv_mean_std.csv, `cv` cv_summary.csv."""
    ok = means[~means["diverged"]].dropna(subset=["valid_mean"])
    diverged = [f"{m}/{i}" for m, i in zip(means["model"][means["diverged"]], means["initializer"][means["diverged"]])]
    tail = (f" Diverged (NaN or infinite loss, left out of the figure and never submitted): {', '.join(diverged)}."
            if diverged else " No run diverged.")
    if ok.empty:
        return "**Every candidate diverged.**" + tail
    best = ok.loc[ok["valid_mean"].idxmin()]
    error = best["valid_std"] / math.sqrt(best["folds"])
    text = (f"The lowest mean validation log-RMSE is **{best['model']} / {best['initializer']}** at "
            f"{best['valid_mean']:.4f} (standard error {error:.4f} over {int(best['folds'])} folds; d2l's run "
            f"{D2L_HOUSE_MEAN_LOG_RMSE['valid']:.4f}).")
    model, initializer = D2L_HOUSE_CANDIDATE
    if (best["model"], best["initializer"]) != (model, initializer):
        verdict = _paired(cv, (best["model"], best["initializer"]), (model, initializer))
        text += (f" Against our {model} / {initializer} on the same folds: " + {
            True: f"lower by {-verdict.difference:.4f} (p = {verdict.p:.2g})" if verdict.difference < 0
            else f"higher by {verdict.difference:.4f} (p = {verdict.p:.2g})",
            False: f"not found to differ (mean difference {verdict.difference:+.4f}, p = {verdict.p:.2g})",
            None: "cannot tell (fewer than three folds with a score on both sides)"}[verdict.differs] + ".")
    return text + tail


def _paired(cv, a, b):
    """tables.differs of candidates a and b ((model, initializer)) over the folds both scored, paired."""
    scores = {key: dict(zip(rows["fold"], rows["valid_log_rmse"]))
              for key, rows in cv.groupby(["model", "initializer"])}
    left, right = scores.get(a, {}), scores.get(b, {})
    shared = sorted(left.keys() & right.keys())
    return tables.differs([left[f] for f in shared], [right[f] for f in shared], paired=True)


def submission_sentence(choice, means, cv):
    """What submission.json says was submitted and how it was chosen, with the numbers the rule used (for the
    one-standard-error rule: the bar and the candidates under it); its refit beside d2l's only when it is d2l's
    candidate (d2l refit its linear model). `means` is cv_mean_std.csv, `cv` cv_summary.csv."""
    key = (choice["model"], choice["initializer"])
    row = means[(means["model"] == key[0]) & (means["initializer"] == key[1])].iloc[0]
    error = row["valid_std"] / math.sqrt(row["folds"])
    text = (f"`submission.csv` holds {choice['rows']} predictions from **{key[0]} / {key[1]}**, chosen "
            f"{chosen_by(choice['chosen_by'])}")
    if choice["chosen_by"] == RULES["best"]:
        ok = means[~means["diverged"]].dropna(subset=["valid_mean"])
        lowest = ok.loc[ok["valid_mean"].idxmin()]
        bar = lowest["valid_mean"] + lowest["valid_std"] / math.sqrt(lowest["folds"])
        under = ok[ok["valid_mean"] <= bar]
        text += (f": the bar is {lowest['valid_mean']:.4f} + {bar - lowest['valid_mean']:.4f} = {bar:.4f}; under it: "
                 + ", ".join(f"{m} / {i}" for m, i in zip(under["model"], under["initializer"])))
        d2l = ok[(ok["model"] == D2L_HOUSE_CANDIDATE[0]) & (ok["initializer"] == D2L_HOUSE_CANDIDATE[1])]
        if len(d2l) and d2l["valid_mean"].iloc[0] > bar and _paired(cv, key, D2L_HOUSE_CANDIDATE).differs is False:
            text += (f". {' / '.join(D2L_HOUSE_CANDIDATE)} ({d2l['valid_mean'].iloc[0]:.4f}) lies above the bar, yet "
                     "the paired test over the same folds does not find it worse than the submitted candidate: "
                     "the bar uses one candidate's fold spread, the test the fold-by-fold differences, and on "
                     "other folds the choice could fall either way")
    text += (f". Its mean validation log-RMSE is {row['valid_mean']:.4f} (standard error {error:.4f} over "
             f"{int(row['folds'])} folds); refit on all houses, its train log-RMSE is "
             f"{choice['final_train_log_rmse']:.4f}")
    text += (f" (d2l {D2L_HOUSE_FINAL_TRAIN_LOG_RMSE:.4f})." if key == D2L_HOUSE_CANDIDATE else
             f" (d2l's refit is of its linear model, {D2L_HOUSE_FINAL_TRAIN_LOG_RMSE:.4f}: another model, not "
             "compared).")
    return text


def overview_rows(reference):
    """The overview's rows for d2l's candidate: (quantity, ours, notes, agrees, why). The validation mean agrees
    when the shared paired rule finds no difference over d2l's folds; the train mean, whose folds d2l did not
    print, when it lies within the reproduction tolerance."""
    valid, train = reference.loc["mean_valid_log_rmse"], reference.loc["mean_train_log_rmse"]
    _, verdict = fold_verdict(reference)
    settings = bool(reference["seed_settings"].iloc[0])
    why_not = "" if settings else "our settings are not d2l's (house_prices section of the config)"
    agrees = {False: "yes", True: "no", None: "cannot tell"}[verdict.differs]
    rows = [("linear + default, k-fold: mean valid log-RMSE", f"{valid.ours:.4f}", f"{valid.d2l:.4f}", agrees,
             "" if agrees != "no" else why_not or f"unexplained: the fold scores differ (p = {verdict.p:.2g})")]
    within = bool(abs(train.ours - train.d2l) <= train.tolerance)
    rows.append(("linear + default, k-fold: mean train log-RMSE", f"{train.ours:.4f}", f"{train.d2l:.4f}",
                 "yes" if within else "no", "" if within else why_not or
                 f"unexplained: outside the ±{train.tolerance:g} reproduction tolerance"))
    return rows
