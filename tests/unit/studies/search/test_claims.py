"""initlab.studies.search.claims: the search page's sentences and advice table on hand-made trials."""

import pandas as pd
from initlab.studies.search import claims as report


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
    folds = {"coarse001": [0.110, 0.140, 0.126, 0.104, 0.144], "coarse000": [0.13] * 5, "coarse002": [None] * 5,
             "fine000": [0.116, 0.141, 0.127, 0.108, 0.127], "fine001": [0.1244] * 5}  # fine000 vs coarse001: noise
    for i in range(5):
        trials[f"fold{i + 1}_valid_log_rmse"] = [folds[t][i] for t in trials["trial"]]
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
        "The best of 5 trials is **fine trial 0** (lr 0.024, weight decay 0.00121, 73 hidden units, 50 epochs): a "
        "cross-validated log-RMSE of **0.1237** ± 0.0123 (std over 5 folds), 0.0466 below d2l's linear model "
        "(0.1703, a single published number: the gap gets no verdict); the goal of 0.125 is met. The next fine "
        "trial scores 0.1244: the best of several trials is an "
        "optimistic estimate of the configuration's error on new houses. The best coarse trial (coarse trial 1, 10 "
        "epochs) scored 0.1248: the fine stage's best is 0.0011 lower, not found to differ over the same 5 folds "
        "(paired, p = 0.82): the longer fine trials did not measurably improve on it. No value of the best trial "
        "lies near an "
        "edge of its range. 1 trial diverged (never chosen).")


def test_search_conclusion_reports_a_miss_and_an_edge():
    summary, trials = search_results()
    summary.update(valid_log_rmse=0.1750, meets_goal=False, diverged=0,
                   edge_warnings=["lr=0.09 lies within 10% (log scale) of the upper edge"])
    text = report.search_conclusion(summary, trials, reference=0.1703)
    assert ("0.0047 above d2l's linear model (0.1703, a single published number: the gap gets no verdict); the "
            "goal of 0.125 is not met.") in text
    assert "the fine stage's best is 0.0011 lower, not found to differ" in text
    assert text.endswith("**Near an edge:** lr=0.09 lies within 10% (log scale) of the upper edge.")


def test_the_fine_stage_gain_is_judged_paired_over_the_folds_both_ways():
    summary, trials = search_results()
    fold = [c for c in trials if c.startswith("fold") and c.endswith("_valid_log_rmse")]
    coarse = trials.loc[trials["trial"] == "coarse001", fold].iloc[0]
    for column, d in zip(fold, (0.001, -0.001, 0.0005, 0.0, -0.0005)):
        trials.loc[trials["trial"] == "fine000", column] = coarse[column] - 0.01 + d
    trials.loc[trials["trial"] == "fine000", "valid_log_rmse"] = 0.1148
    gain = report.stage_gain(trials, "fine000", "coarse001")
    assert gain.startswith("the fine stage's best is 0.0100 lower, a difference the folds confirm (paired over 5 folds")
    trials.loc[trials["trial"] == "fine000", fold] = trials.loc[trials["trial"] == "fine000", fold] + 0.02
    trials.loc[trials["trial"] == "fine000", "valid_log_rmse"] = 0.1348
    assert report.stage_gain(trials, "fine000", "coarse001").startswith(
        "the fine stage's best is 0.0100 higher, a difference the folds confirm")
    trials.loc[trials["trial"] == "coarse001", fold[2:]] = None
    assert report.stage_gain(trials, "fine000", "coarse001").endswith("with fewer than 3 shared folds the rule "
                                                                       "cannot tell")


def test_trial_labels_and_edge_cells_in_words():
    assert report.trial_label("fine002") == "fine trial 2" and report.trial_label("coarse015") == "coarse trial 15"
    row = {"lr": 0.09, "weight_decay": 1.1e-4, "hidden": 64}
    assert report.near_edges(row, RANGES, tolerance=0.1) == "lr (upper), weight decay (lower)"
    assert report.near_edges({"lr": 0.003, "weight_decay": 0.01, "hidden": 64}, RANGES, tolerance=0.1) == ""


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
    one_fine = trials[trials["trial"] != "fine001"]
    stages = report.search_advice(summary, one_fine, RANGES, tolerance=0.1)["this search"].iloc[2]
    assert stages.startswith("coarse: 3 trials x 10 epochs; fine: 1 trial x 50 epochs")
    trials["folds"] = 3
    advice = report.search_advice(summary, trials, RANGES, tolerance=0.1)
    assert advice["this search"].iloc[-1] == ("3-fold cross-validation, where d2l's baseline is a 5-fold mean: the two "
                                              "scores compare only roughly.")



def test_overview_row_names_the_best_trial_in_words():
    summary, _ = search_results()
    (row,) = report.overview_rows(summary, reference=0.1703)
    assert row == ("best trial: mean k-fold valid log-RMSE", "0.1237 (fine trial 0, 5 trials)",
                   "d2l linear 0.1703; goal 0.125", "n/a", "the notes give advice, not a number")
