"""Search jobs: trials table, summary, clipping and the intercept start; k-fold trials on synthetic prices."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from initlab.studies.house_prices import training
from initlab.studies.search import plots, trials
from initlab.studies.search.summary import summarize, tabulate

RANGES = {"lr": [1e-4, 1e-1], "weight_decay": [1e-4, 1.0]}


def record(trial, score, lr=1e-2, wd=1e-2, epochs=10):
    return {"trial": trial, "lr": lr, "weight_decay": wd, "epochs": epochs, "folds": 5,
            "valid_log_rmse": score, "valid_std": 0.01, "train_log_rmse": score, "fold_valid_log_rmse": [score] * 5,
            "diverged": not math.isfinite(score), "seconds": 1.0, "cpu_seconds": 0.5, "device": "cpu",
            "provenance": {"device": "cpu", "torch": "2.13.0", "matmul_precision": "highest"}}


def records():
    return [
        record("coarse000", 0.30), record("coarse001", float("nan")), record("coarse002", 0.20, lr=0.09),
        record("fine000", 0.14, epochs=50), record("fine001", 0.13, lr=1.1e-4, epochs=50),
        record("fine002", float("nan"), epochs=50),
    ]


def test_tabulate_ranks_within_stage_and_flags_edges():
    table = tabulate(records(), RANGES, tolerance=0.1)
    assert list(table["trial"]) == ["coarse002", "coarse000", "coarse001", "fine001", "fine000", "fine002"]
    assert list(table["stage"]) == ["coarse"] * 3 + ["fine"] * 3
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iloc[2])
    assert "fold_valid_log_rmse" not in table and "provenance" not in table  # the trial JSONs keep them
    folds = table.set_index("trial")[[f"fold{i}_valid_log_rmse" for i in range(1, 6)]]  # one column per fold
    assert folds.loc["coarse002"].tolist() == [0.20] * 5 and folds.loc["coarse001"].isna().all()
    flags = dict(zip(table["trial"], table["edge_warning"]))
    assert "upper edge" in flags["coarse002"] and "lower edge" in flags["fine001"]  # 0.09 and 1.1e-4
    assert flags["coarse000"] == ""


def test_summary_picks_best_fine_trial_with_warnings_and_baseline():
    table = tabulate(records(), RANGES, tolerance=0.1)
    summary = summarize(table, ranges=RANGES, tolerance=0.1, stage="fine", baseline=0.17, goal=0.125)
    assert summary["best_trial"] == "fine001" and summary["valid_log_rmse"] == 0.13
    assert summary["params"] == {"lr": 1.1e-4, "weight_decay": 1e-2}
    assert summary["meets_goal"] is False and summary["improvement"] == pytest.approx(0.04)
    assert len(summary["edge_warnings"]) == 1 and summary["edge_warnings"][0].startswith("lr=0.00011")
    assert summary["trials"] == {"coarse": 3, "fine": 3} and summary["diverged"] == 2
    failed = table[table["stage"] == "coarse"]
    with pytest.raises(ValueError, match="no fine trial finished"):
        summarize(failed, ranges=RANGES, tolerance=0.1, stage="fine", baseline=0.17, goal=0.125)


def test_clip_and_start_at_mean():
    x = np.array([[-5.0, 0.5], [4.0, -2.9]])
    np.testing.assert_array_equal(trials.clip_features(x, 3.0), [[-3.0, 0.5], [3.0, -2.9]])
    assert trials.clip_features(x, None) is x
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    training.start_at_mean(net, torch.tensor([[11.0], [13.0]]))
    assert net[2].bias.item() == 12.0 and net[0].bias.abs().max().item() < 1


def test_scores_figure_draws_every_finished_trial():
    table = tabulate(records(), RANGES, tolerance=0.1)
    fig = plots.scores_figure(table, ranges=RANGES, fine_ranges={"lr": [1e-4, 1e-2], "weight_decay": [1e-3, 1e-1]},
                                    baseline=0.17, goal=0.125, best="fine001")
    assert len(fig.axes) == 2
    points = [c.get_offsets() for c in fig.axes[0].collections if hasattr(c, "get_offsets") and len(c.get_offsets())]
    drawn = sorted(float(y) for off in points for _, y in off)
    assert drawn == sorted([0.30, 0.20, 0.14, 0.13, 0.13])  # four finished trials plus the best's star


def synthetic_prices(n=240, d=6, noise=0.05, seed=0):
    """Standardized features (n, d) and prices (n, 1) with log(price) = 11 + x w + N(0, noise^2)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    w = rng.uniform(-0.3, 0.3, d)
    log_price = 11 + x @ w + noise * rng.standard_normal(n)
    return x, np.exp(log_price).astype(np.float32).reshape(-1, 1), w


SETTINGS = {"folds": 3, "epochs": 40, "model": "linear", "activation": "relu", "dropout": 0.0,
            "initializer": "default", "target": "log_price", "batch_size": 32, "optimizer": "adam",
            "schedule": {"name": "exponential", "gamma": 0.9}, "clip": None, "start_at_mean": True}


def test_trial_cross_validates_down_to_the_noise_level():
    x, prices, _ = synthetic_prices()
    torch.manual_seed(0)
    out = trials.run_trial(trial={"trial": "coarse000", "lr": 0.05, "weight_decay": 1e-4}, features=x,
                                labels=prices, settings=SETTINGS, device=torch.device("cpu"))
    assert out["trial"] == "coarse000" and out["lr"] == 0.05 and out["folds"] == 3 and not out["diverged"]
    assert len(out["fold_valid_log_rmse"]) == 3
    assert out["valid_log_rmse"] == pytest.approx(np.mean(out["fold_valid_log_rmse"]))
    assert 0.03 < out["valid_log_rmse"] < 0.07  # noise std 0.05 in log price
    again = trials.run_trial(trial={"trial": "coarse001", "lr": 0.05, "weight_decay": 1e-4}, features=x,
                                  labels=prices, settings=SETTINGS, device=torch.device("cpu"))
    assert again["fold_valid_log_rmse"] == out["fold_valid_log_rmse"]  # seeded by fold, not by trial id


def test_start_at_mean_spares_the_intercept_from_weight_decay():
    x, prices, _ = synthetic_prices()
    trial = {"trial": "t", "lr": 0.05, "weight_decay": 0.05}
    scores = {}
    for start in (True, False):
        settings = {**SETTINGS, "start_at_mean": start, "epochs": 10}
        scores[start] = trials.run_trial(trial=trial, features=x, labels=prices, settings=settings,
                                              device=torch.device("cpu"))["valid_log_rmse"]
    assert scores[True] < 0.1 < scores[False]  # from 0, the intercept of 11 is not learnt in 10 epochs


def test_diverged_trial_scores_nan():
    x, prices, _ = synthetic_prices()
    settings = {**SETTINGS, "target": "price", "optimizer": "sgd", "schedule": {"name": "none"}, "epochs": 20}
    out = trials.run_trial(trial={"trial": "t", "lr": 100.0, "weight_decay": 1e-4}, features=x, labels=prices,
                                settings=settings, device=torch.device("cpu"))
    assert out["diverged"] and math.isnan(out["valid_log_rmse"])


def test_fit_best_predicts_test_prices():
    x, prices, w = synthetic_prices(n=300)
    test_x = np.random.default_rng(5).standard_normal((50, x.shape[1])).astype(np.float32)
    fit, predicted = trials.fit_best(trial={"trial": "fine000", "lr": 0.05, "weight_decay": 1e-4, "hidden": 8},
                                          features=x, labels=prices, test_features=test_x,
                                          settings={**SETTINGS, "model": "mlp"}, device=torch.device("cpu"), seed=3)
    assert predicted.shape == (50,) and not fit["diverged"] and fit["rows"] == 300
    error = np.log(predicted) - (11 + test_x @ w)
    assert np.sqrt(np.mean(error**2)) < 0.15


def test_search_candidate_competes_under_best():
    from initlab.studies.house_prices import submission

    means = pd.DataFrame([
        {"model": "linear", "initializer": "default", "valid_mean": 0.170, "valid_std": 0.01, "folds": 5,
         "hidden_units": 0, "diverged": False, "final_diverged": False, "final_train_log_rmse": 0.16},
        {"model": "mlp", "initializer": "default", "valid_mean": 0.150, "valid_std": 0.01, "folds": 5,
         "hidden_units": 64, "diverged": False, "final_diverged": False, "final_train_log_rmse": 0.10},
    ])
    fit = {"trial": "fine002", "cv_valid_log_rmse": 0.123, "cv_valid_std": 0.013, "train_log_rmse": 0.08,
           "diverged": False}
    table = pd.concat([means, pd.DataFrame([submission.search_candidate(fit, folds=5, hidden_units=73)])], ignore_index=True)
    row = submission.choose(table, "best")
    assert (row["model"], row["initializer"], row["valid_mean"]) == ("search", "fine002", 0.123)
    worse = pd.concat([means, pd.DataFrame([submission.search_candidate({**fit, "cv_valid_log_rmse": 0.2}, folds=5, hidden_units=73)])])
    assert submission.choose(worse, "best")["model"] == "mlp"
    failed = pd.concat([means, pd.DataFrame([submission.search_candidate({**fit, "diverged": True}, folds=5, hidden_units=73)])])
    assert submission.choose(failed, "best")["model"] == "mlp"  # a diverged final fit is never submitted
