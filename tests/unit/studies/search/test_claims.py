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
        "(0.1703, a single published number: the gap gets no verdict); the goal of 0.125 is met. The next fine "
        "trial scores 0.1244: the best of several trials is an "
        "optimistic estimate of the configuration's error on new houses. The best coarse trial (coarse001, 10 "
        "epochs) scored 0.1248: the fine stage improved on it by 0.0011. No value of the best trial lies near an "
        "edge of its range. 1 trial diverged (never chosen).")


def test_search_conclusion_reports_a_miss_and_an_edge():
    summary, trials = search_results()
    summary.update(valid_log_rmse=0.1750, meets_goal=False, diverged=0,
                   edge_warnings=["lr=0.09 lies within 10% (log scale) of the upper edge"])
    text = report.search_conclusion(summary, trials, reference=0.1703)
    assert ("0.0047 above d2l's linear model (0.1703, a single published number: the gap gets no verdict); the "
            "goal of 0.125 is not met.") in text
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

