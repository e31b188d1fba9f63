"""The report pages' generated sentences and tables, on hand-made frames whose answers are known."""

import math

import numpy as np
import pandas as pd
import pytest
from initlab import report


def test_feature_count_text_explains_331_and_flags_a_mismatch():
    names = ["LotArea", "MasVnrType_None", "MasVnrType_nan"]
    text = report.feature_count_text(features=331, numeric=36, names=names)
    assert text.startswith("**331 features**: 36 standardized numeric columns and 295 one-hot")
    assert "matches the 331 d2l printed" in text and "would be 330" in text
    text = report.feature_count_text(features=330, numeric=36, names=["MasVnrType_nan"])
    assert "difference of -1" in text and "no longer matches" in text


def test_beside_reference_aligns_keys_and_subtracts():
    frame = report.beside_reference({1: 0.05, 2: 0.0002}, {1: 0.04279, 2: 0.000162, 3: 0.000051})
    assert list(frame.index) == [1, 2, 3]
    assert frame.loc[1, "difference"] == pytest.approx(0.05 - 0.04279)
    assert math.isnan(frame.loc[3, "ours"]) and math.isnan(frame.loc[3, "difference"])


def test_sci_switches_to_exponents_outside_readable_magnitudes():
    assert report.sci(3.4e25) == "3.4e+25" and report.sci(2.07e-10) == "2.1e-10"
    assert report.sci(0.1703) == "0.17" and report.sci(0) == "0" and report.sci(float("nan")) == "n/a"


def test_rough_writes_magnitudes_as_the_notes_do():
    assert [report.rough(v) for v in (4.07e17, 2e-10, 1e25, 1e-7, 1e-3)] == ["4e17", "2e-10", "1e25", "1e-7", "1e-3"]


def test_initializer_conclusion_groups_by_outcome_and_states_the_gap():
    table = pd.DataFrame({"valid_mean": [10.2, 33.0, 85.0, 86.0], "reference_valid": [9.675, 33.933, 84.833, None]},
                         index=pd.Index(["zeros", "uniform", "general_rule", "xavier_uniform"], name="initializer"))
    text = report.initializer_conclusion(table)
    assert "zeros (10.2%) stay at chance" in text
    assert "general_rule (85.0%), xavier_uniform (86.0%) reach at least 84%" in text
    assert "uniform (33.0%) land in between" in text
    assert "differ by -0.9 to +0.5 percentage points (largest: uniform)" in text


def test_depth_conclusion_lists_pairs_per_outcome_and_the_spread_in_decades():
    summary = pd.DataFrame({
        "initializer": ["kaiming_normal", "standard_normal", "mxnet_default"],
        "activation": ["relu", "relu", "tanh"], "depth": [50, 50, 50],
        "forward_ratio": [1.3, 1e20, 1e-10], "forward": ["flat", "exploding", "vanishing"]})
    text = report.depth_conclusion(summary)
    assert text.startswith("After 50 layers the forward signal is **flat** (1): kaiming_normal+relu;")
    assert "**exploding** (1): standard_normal+relu" in text and "**vanishing** (1): mxnet_default+tanh" in text
    assert "from 1.0e-10 to 1.0e+20: 30 decades" in text


def optimizer_summary():
    """A summary.csv of the optimizer study: accuracies as fractions, best first; adam diverged on every seed."""
    rows = [  # optimizer, schedule, lr, seeds, diverged, valid mean, min, max, last-epoch loss
        ("adagrad", "none", 0.02, 3, 0, 0.870, 0.865, 0.875, 0.35),
        ("rmsprop", "none", 0.001, 3, 0, 0.839, 0.830, 0.845, 0.37),
        ("nesterov", "none", 0.02, 3, 0, 0.838, 0.834, 0.841, 0.40),
        ("momentum", "none", 0.02, 3, 0, 0.829, 0.820, 0.837, 0.42),
        ("sgd", "step", 0.1, 3, 0, 0.807, 0.805, 0.811, 0.50),
        ("sgd", "exponential", 0.1, 3, 0, 0.790, 0.785, 0.795, 0.52),
        ("sgd", "none", 0.1, 3, 1, 0.787, 0.780, 0.795, 0.55),
        ("adam", "none", 0.001, 3, 3, None, None, None, None),
    ]
    return pd.DataFrame(rows, columns=["optimizer", "schedule", "lr", "seeds", "diverged", "valid_accuracy_mean",
                                       "valid_accuracy_min", "valid_accuracy_max", "last_epoch_loss_mean"])


def test_optimizer_claims_judge_each_comparison_against_the_seed_spread():
    claims = report.optimizer_claims(optimizer_summary()).set_index("comparison")
    assert list(claims.index) == ["momentum vs sgd", "nesterov vs sgd", "sgd + step vs sgd",
                                  "sgd + exponential vs sgd", "rmsprop vs adagrad"]  # adam: every seed diverged
    momentum = claims.loc["momentum vs sgd"]
    assert momentum["claim"] == report.MOMENTUM_CLAIM
    assert momentum["difference (points)"] == pytest.approx(4.2)
    assert momentum["seed spread (points)"] == pytest.approx(1.7)  # momentum's 82.0-83.7, wider than sgd's 1.5
    assert momentum["valid accuracy %"] == "82.9 vs 78.7" and momentum["last-epoch training loss"] == "0.420 vs 0.550"
    assert claims.loc["sgd + step vs sgd", "claim"] == report.ANNEALING_CLAIM
    assert claims["verdict"].to_dict() == {
        "momentum vs sgd": "agrees", "nesterov vs sgd": "agrees", "sgd + step vs sgd": "agrees",  # 2.0 > 1.5
        "sgd + exponential vs sgd": "within the seed spread",  # +0.3 points, spread 1.5
        "rmsprop vs adagrad": "disagrees",  # -3.1 points, spread 1.5
    }


def test_optimizer_claims_skip_runs_that_are_not_configured():
    summary = optimizer_summary()
    claims = report.optimizer_claims(summary[summary.optimizer.isin(["sgd", "adam"]) & (summary.schedule == "none")])
    assert claims.empty and "verdict" in claims.columns


def test_verdict_boundaries():
    assert [report.verdict(d, 1.5) for d in (1.6, 1.5, 0.0, -1.5, -1.6)] == [
        "agrees", "within the seed spread", "within the seed spread", "within the seed spread", "disagrees"]
    assert report.verdict(0.1, 0.0) == "agrees"  # one seed: no spread to hide behind


def test_optimizer_conclusion_names_best_worst_diverged_and_counts_verdicts():
    summary = optimizer_summary()
    text = report.optimizer_conclusion(summary, report.optimizer_claims(summary), epochs=5)
    assert text == (
        "After 5 epochs the best run is **adagrad** (lr 0.02) at 87.0% (86.5-87.5 over 3 seeds); the worst is "
        "**sgd** (lr 0.1) at 78.7% (78.0-79.5 over 2 seeds). Diverged (left out of the means): sgd (1 of 3 seeds), "
        "adam (3 of 3 seeds). Of the 5 comparisons that test the notes' claims: 3 agree, 1 within the seed spread, "
        "1 against (rmsprop vs adagrad).")
    one = report.optimizer_claims(summary).iloc[[0, 3]]  # momentum vs sgd (agrees), sgd + exponential (within)
    assert report.optimizer_conclusion(summary, one).endswith(
        "Of the 2 comparisons that test the notes' claims: 1 agrees, 1 within the seed spread, 0 against.")


def test_optimizer_conclusion_when_every_run_diverged():
    summary = optimizer_summary().tail(1)
    assert report.optimizer_conclusion(summary, report.optimizer_claims(summary)) == (
        "Every run diverged: no optimizer finished training.")


def search_results():
    """A search's summary.json and trials.csv: 3 coarse trials (one diverged), 2 fine trials."""
    trials = pd.DataFrame({
        "trial": ["coarse001", "coarse000", "coarse002", "fine000", "fine001"],
        "stage": ["coarse", "coarse", "coarse", "fine", "fine"],
        "lr": [0.09, 0.01, 0.05, 0.024, 0.03], "weight_decay": [0.5, 0.001, 0.01, 0.00121, 0.002],
        "hidden": [250, 64, 64, 73, 90], "epochs": [10, 10, 10, 50, 50], "folds": [5] * 5,
        "valid_log_rmse": [0.1248, 0.1300, None, 0.1237, 0.1244], "diverged": [False, False, True, False, False],
        "edge_warning": ["lr=0.09 lies within 10% (log scale) of the upper edge", None, None, None, None],
    })
    summary = {
        "best_trial": "fine000", "params": {"lr": 0.024, "weight_decay": 0.00121, "hidden": 73}, "epochs": 50,
        "valid_log_rmse": 0.1237, "valid_std": 0.0123, "baseline_log_rmse": 0.170, "goal_log_rmse": 0.125,
        "meets_goal": True, "edge_warnings": [], "trials": {"coarse": 3, "fine": 2}, "diverged": 1,
        "fine_ranges": {"lr": [0.0011, 0.046], "weight_decay": [0.00012, 0.034], "hidden": [16, 256]},
    }
    return summary, trials


RANGES = {"lr": [1e-4, 0.1], "weight_decay": [1e-4, 1.0], "hidden": [16, 256]}


def test_search_params_text():
    assert report.search_params_text({"lr": 0.0240123, "weight_decay": 0.00121, "hidden": 73.0}) == (
        "lr 0.024, weight decay 0.00121, 73 hidden units")


def test_search_conclusion_sets_the_best_trial_beside_d2l_and_the_coarse_stage():
    summary, trials = search_results()
    text = report.search_conclusion(summary, trials, reference=0.1703)
    assert text == (
        "The best of 5 trials is **fine000** (lr 0.024, weight decay 0.00121, 73 hidden units, 50 epochs): a "
        "cross-validated log-RMSE of **0.1237** ± 0.0123 (std over 5 folds), 0.0466 below d2l's linear model "
        "(0.1703); the goal of 0.125 is met. The next fine trial scores 0.1244: the best of several trials is an "
        "optimistic estimate of the configuration's error on new houses. The best coarse trial (coarse001, 10 "
        "epochs) scored 0.1248: the fine stage improved on it by 0.0011. No value of the best trial lies near an "
        "edge of its range. 1 trial diverged (never chosen).")


def test_search_conclusion_reports_a_miss_and_an_edge():
    summary, trials = search_results()
    summary.update(valid_log_rmse=0.1750, meets_goal=False, diverged=0,
                   edge_warnings=["lr=0.09 lies within 10% (log scale) of the upper edge"])
    text = report.search_conclusion(summary, trials, reference=0.1703)
    assert "0.0047 above d2l's linear model (0.1703); the goal of 0.125 is not met." in text
    assert "the fine stage trails it by 0.0502" in text
    assert text.endswith("**Near an edge:** lr=0.09 lies within 10% (log scale) of the upper edge.")


def test_search_advice_sets_each_piece_of_advice_beside_this_search():
    summary, trials = search_results()
    advice = report.search_advice(summary, trials, RANGES, tolerance=0.1).set_index("CS231n notes")["this search"]
    assert len(advice) == 5
    log_scale, random, stages, edges, folds = advice.tolist()
    assert advice.index[0] == "Search on a log scale: learning_rate = 10 ** uniform(-6, 1)."
    assert log_scale == ("Log-uniform draws: lr 10 ** uniform(-4, -1), weight decay 10 ** uniform(-4, 0), "
                         "hidden units: integers log-uniform on [16, 256].")
    assert random == ("Distinct values tried by the 5 trials: lr 5, weight decay 5, hidden units 4; a grid of 5 "
                      "points over 3 hyperparameters tries 1 of each.")
    assert stages.startswith("coarse: 3 trials x 10 epochs; fine: 2 trials x 50 epochs, fine ranges lr [0.0011, "
                             "0.046], weight decay [0.00012, 0.034], hidden units [16, 256]")
    assert edges == ("The best trial lies inside every range (no value within 10% of an edge, log scale); "
                     "1 of 5 trials carry an edge warning.")
    assert folds == "5-fold cross-validation, on the folds d2l's baseline is measured on, so the two scores compare."
    trials["folds"] = 3
    advice = report.search_advice(summary, trials, RANGES, tolerance=0.1)
    assert advice["this search"].iloc[-1] == ("3-fold cross-validation, where d2l's baseline is a 5-fold mean: the two "
                                              "scores compare only roughly.")


def test_flat_config_gives_one_row_per_leaf_with_dotted_keys():
    rows = report.flat_config({"device": "auto", "initializers": {"seeds": [0, 1], "mlp": {"hidden": [64]}},
                               "empty": {}})
    assert rows == [("device", '"auto"'), ("initializers.seeds", "[0, 1]"), ("initializers.mlp.hidden", "[64]"),
                    ("empty", "{}")]


def test_mlp_text_names_every_layer_size_the_activation_dropout_batches_and_images():
    study = {"hidden": [256, 128], "activation": "relu", "dropout": 0.2, "batch_size": 100, "epochs": 2}
    assert report.mlp_text(study) == ("MLP 784-256-128-10 with relu and dropout 0.2, batches of 100, 2 epochs on "
                                      "all 48000 training images")
    assert report.mlp_text({**study, "train_samples": 600}).endswith("2 epochs on 600 training images")
    assert report.mlp_text({}).startswith("MLP 784-10 with n/a and dropout n/a")


def test_lesson_protocol_conclusion_names_each_initializer_and_its_verdict():
    table = pd.DataFrame({
        "reference_valid": [85.233, 84.458, 9.675, np.nan],
        "lesson_valid_mean": [84.0, 80.0, 10.0, 70.0],
        "reference_within_lesson_spread": [True, False, np.nan, np.nan],  # as read back from CSV
    }, index=["normal", "default", "zeros", "newcomer"])
    text = report.lesson_protocol_conclusion(table)
    assert text == ("Measured as the lesson measured (dropout on), the published validation accuracy lies within "
                    "our seed spread for normal; outside it for default (published 84.5%, ours 80.0%); not judged "
                    "for zeros (fewer than two finished seeds).")
    assert report.lesson_protocol_conclusion(table.iloc[3:]) == "No configured initializer has a published number."
