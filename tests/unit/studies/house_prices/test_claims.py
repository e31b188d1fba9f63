"""initlab.studies.house_prices.claims: labels that match the submission record; sentences that flip."""

import numpy as np
import pandas as pd
import pytest
from initlab.studies.house_prices import claims, submission, summary

D2L_FOLDS = [0.1569, 0.1888, 0.1682, 0.1547, 0.1829]


def cv(scores):
    """scores: {(model, initializer): [valid log-RMSE per fold]} -> cv_summary rows."""
    return pd.DataFrame([{"model": m, "initializer": i, "fold": f, "train_log_rmse": v - 0.0048, "valid_log_rmse": v,
                          "diverged": bool(np.isnan(v)), "seconds": 1.0, "cpu_seconds": 1.0, "device": "cpu"}
                         for (m, i), values in scores.items() for f, v in enumerate(values, 1)])


def test_every_submission_rule_has_its_words():
    for rule in submission.RULES.values():  # what write_submission records as chosen_by
        assert claims.chosen_by(rule) == claims.SUBMISSION_RULES[rule]
    assert claims.chosen_by("lowest mean").startswith("as the candidate with the lowest mean")
    assert claims.chosen_by("config").startswith("as named in the config")
    with pytest.raises(KeyError, match="chosen_by 'lowest'"):
        claims.chosen_by("lowest")


def test_reference_sentence_judges_the_folds_paired_both_ways():
    close = cv({("linear", "default"): [v + d for v, d in zip(D2L_FOLDS, (0.002, -0.003, 0.001, -0.001, 0.002))]})
    table = summary.reference(close, {"folds": 5}).set_index("quantity")
    text = claims.reference_sentence(table)
    assert "With settings that are **not** d2l's" in text
    assert "Our per-fold validation scores are not found to differ from d2l's (paired over the 5 folds" in text
    assert "contiguous blocks of rows, the same houses in both runs" in text
    far = cv({("linear", "default"): [v + d for v, d in zip(D2L_FOLDS, (0.010, 0.012, 0.011, 0.009, 0.010))]})
    text = claims.reference_sentence(summary.reference(far, {"folds": 5}).set_index("quantity"))
    assert "Our per-fold validation scores differ from d2l's (paired over the 5 folds, mean difference +0.0104" in text


def test_best_candidate_uses_the_standard_error_and_the_paired_rule():
    better = [v - 0.01 - d for v, d in zip(D2L_FOLDS, (0.0, 0.002, 0.001, 0.003, 0.0))]
    folds = cv({("linear", "default"): D2L_FOLDS, ("mlp", "default"): better, ("linear", "zeros"): [np.nan] * 5})
    means = summary.mean_std(folds)
    text = claims.best_candidate_sentence(means, folds)
    best = means.set_index(["model", "initializer"]).loc[("mlp", "default")]
    error = best["valid_std"] / np.sqrt(5)
    assert f"**mlp / default** at {best['valid_mean']:.4f} (standard error {error:.4f} over 5 folds" in text
    assert "Against our linear / default on the same folds: lower by 0.0112 (p = " in text
    assert text.endswith("never submitted): linear/zeros.")
    mixed = [v + d for v, d in zip(D2L_FOLDS, (-0.02, 0.015, -0.02, 0.02, -0.01))]
    noisy = cv({("linear", "default"): D2L_FOLDS, ("mlp", "default"): mixed})
    text = claims.best_candidate_sentence(summary.mean_std(noisy), noisy)
    assert "**mlp / default**" in text and "not found to differ (mean difference -0.0030" in text
    assert text.endswith("No run diverged.")


def test_feature_count_text_explains_331_and_flags_a_mismatch():
    names = ["LotArea", "MasVnrType_None", "MasVnrType_nan"]
    text = claims.feature_count_text(features=331, numeric=36, names=names)
    assert text.startswith("**331 features**: 36 standardized numeric columns and 295 one-hot")
    assert "matches the 331 d2l printed" in text and "would be 330" in text
    text = claims.feature_count_text(features=330, numeric=36, names=["MasVnrType_nan"])
    assert "difference of -1" in text and "no longer matches" in text


def test_overview_rows_agree_or_not_with_a_reason():
    close = cv({("linear", "default"): [v + d for v, d in zip(D2L_FOLDS, (0.002, -0.003, 0.001, -0.001, 0.002))]})
    d2l = {"folds": 5, "epochs": 100, "lr": 5, "weight_decay": 0, "batch_size": 64, "target": "price"}
    rows = claims.overview_rows(summary.reference(close, d2l).set_index("quantity"))
    assert [r[3] for r in rows] == ["yes", "yes"] and rows[0][4] == ""
    far = cv({("linear", "default"): [v + d for v, d in zip(D2L_FOLDS, (0.010, 0.012, 0.011, 0.009, 0.010))]})
    rows = claims.overview_rows(summary.reference(far, d2l).set_index("quantity"))
    assert rows[0][3] == "no" and rows[0][4].startswith("unexplained: the fold scores differ")
    assert rows[1][3] == "no" and "reproduction tolerance" in rows[1][4]
    rows = claims.overview_rows(summary.reference(far, {**d2l, "lr": 3}).set_index("quantity"))
    assert rows[0][4] == "our settings are not d2l's (house_prices section of the config)"


def test_reference_sentence_does_not_pair_folds_that_are_not_d2ls():
    two = cv({("linear", "default"): [0.16, 0.18]})
    text = claims.reference_sentence(summary.reference(two, {"folds": 2}).set_index("quantity"))
    assert "cannot be judged against d2l's (2 folds with a score)" in text
    assert "Our 2 folds are contiguous blocks like d2l's 5, but other blocks" in text


def choice(model, initializer, rule):
    return {"model": model, "initializer": initializer, "rows": 1459, "chosen_by": rule, "final_train_log_rmse": 0.063,
            "cv_valid_log_rmse": 0.0, "cv_valid_std": 0.0}


def test_submission_sentence_gives_the_bar_and_compares_the_refit_only_like_for_like():
    # steady folds: a narrow bar that d2l's candidate misses, but fold-by-fold differences too noisy to judge
    steady = [0.159, 0.161, 0.160, 0.162, 0.158]
    folds = cv({("linear", "default"): D2L_FOLDS, ("mlp", "default"): steady})
    means = summary.mean_std(folds)
    mlp = means.set_index(["model", "initializer"]).loc[("mlp", "default")]
    error = mlp["valid_std"] / np.sqrt(5)
    text = claims.submission_sentence(choice("mlp", "default", "one standard error"), means, folds)
    assert text.startswith("`submission.csv` holds 1459 predictions from **mlp / default**, chosen by the "
                           "one-standard-error rule")
    bar = f"{mlp['valid_mean']:.4f} + {error:.4f} = {mlp['valid_mean'] + error:.4f}"
    assert f"the bar is {bar}; under it: mlp / default" in text
    assert f"(standard error {error:.4f} over 5 folds)" in text  # the rule's statistic, not the fold std
    assert (". linear / default (0.1703) lies above the bar, yet the paired test over the same folds does not "
            "find") in text
    assert text.endswith("(d2l's refit is of its linear model, 0.1624: another model, not compared).")
    # a clear winner: no "either way" note; d2l's own candidate submitted: its refit beside d2l's
    better = [v - 0.02 for v in D2L_FOLDS]
    folds = cv({("linear", "default"): D2L_FOLDS, ("mlp", "default"): better})
    text = claims.submission_sentence(choice("mlp", "default", "one standard error"), summary.mean_std(folds), folds)
    assert "lies above the bar" not in text
    close = cv({("linear", "default"): D2L_FOLDS, ("mlp", "default"): [v - 0.0005 for v in D2L_FOLDS]})
    text = claims.submission_sentence(choice("linear", "default", "one standard error"), summary.mean_std(close), close)
    assert "under it: mlp / default, linear / default" in text or "under it: linear / default, mlp / default" in text
    assert text.endswith("train log-RMSE is 0.0630 (d2l 0.1624).")
    lowest = claims.submission_sentence(choice("mlp", "default", "lowest mean"), summary.mean_std(close), close)
    assert "the bar" not in lowest and "chosen as the candidate with the lowest mean" in lowest
