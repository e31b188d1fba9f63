"""The search target end to end with a tiny search (2 coarse + 1 fine trial, 2 folds, 2 epochs)."""

import json

import pandas as pd
import pytest
from initlab.studies.house_prices import submission

TINY = {
    "coarse": {"trials": 2, "epochs": 2},
    "fine": {"trials": 1, "epochs": 2, "top": 1, "shrink": 0.5},
    "folds": 2,
    "ranges": {"lr": [1e-3, 1e-1], "weight_decay": [1e-4, 1e-1], "hidden": [8, 32]},
}


def test_dry_run_plans_one_job_per_coarse_trial(workflow_copy):
    workflow_copy.update_config(search={**TINY, "coarse": {"trials": 5, "epochs": 2}})
    jobs = workflow_copy.dry_run_jobs("search")
    # the fine trials are unknown until the checkpoint has run
    assert jobs["run_coarse_trial"] == 5 and jobs["plan_fine_trials"] == 1 and "run_fine_trial" not in jobs


def test_bad_search_config_is_named(workflow_copy):
    workflow_copy.update_config(search={"ranges": {"lr": [1e-1, 1e-3], "hidden": [8, 32]}})
    out = workflow_copy.run("-n", "search", check=False)
    assert out.returncode != 0 and "search range lr: [0.1, 0.001]" in out.stdout
    # a search scored on fewer houses cannot compete with the grid for the submission
    workflow_copy.update_config(search={"ranges": TINY["ranges"], "preprocessing": {"large_houses": "drop_from_data"}},
                                house_prices={"search_candidate": True})
    out = workflow_copy.run("-n", "house_prices", check=False)
    assert out.returncode != 0 and "house_prices.search_candidate: true needs search.preprocessing.large_houses" in out.stdout


@pytest.mark.slow
def test_tiny_search_end_to_end(workflow_copy, monkeypatch):
    workflow_copy.update_config(search=TINY)
    workflow_copy.run("search")
    root = workflow_copy.path / "results" / "search"
    trials = pd.read_csv(root / "trials.csv")
    assert sorted(trials["trial"]) == ["coarse000", "coarse001", "fine000"]
    assert (trials["folds"] == 2).all() and (trials["epochs"] == 2).all()
    plan = json.loads((root / "fine_plan.json").read_text())
    fine = trials[trials["stage"] == "fine"].iloc[0]
    for name, (low, high) in plan["ranges"].items():
        coarse_low, coarse_high = TINY["ranges"][name]
        assert coarse_low <= low <= fine[name] <= high <= coarse_high
    # the fine range is centred on the best coarse trial
    best_coarse = trials[trials["stage"] == "coarse"].sort_values("valid_log_rmse").iloc[0]
    assert plan["best_coarse"][0]["lr"] == pytest.approx(best_coarse["lr"])
    summary = json.loads((root / "summary.json").read_text())
    assert summary["best_trial"] == "fine000" and summary["valid_log_rmse"] == pytest.approx(fine["valid_log_rmse"])
    assert summary["baseline_log_rmse"] == 0.17 and summary["trials"] == {"coarse": 2, "fine": 1}
    assert isinstance(summary["edge_warnings"], list)
    predictions = pd.read_csv(root / "submission.csv")
    assert list(predictions.columns) == ["Id", "SalePrice"] and len(predictions) == 1459
    assert (predictions["SalePrice"] > 0).all()
    fit = json.loads((root / "best_fit.json").read_text())
    assert fit["trial"] == "fine000" and fit["cv_valid_log_rmse"] == summary["valid_log_rmse"] and fit["rows"] == 1459
    # parsing again, under another hash seed, gives the same trials: nothing is out of date
    for hash_seed in ("1", "2"):
        monkeypatch.setenv("PYTHONHASHSEED", hash_seed)
        assert workflow_copy.dry_run_jobs("search") == {}
    # one more coarse trial keeps the first two (cached) and reruns only what depends on the new one
    workflow_copy.update_config(search={**TINY, "coarse": {"trials": 3, "epochs": 2}})
    jobs = workflow_copy.dry_run_jobs("search")
    assert jobs["run_coarse_trial"] == 1 and jobs["plan_fine_trials"] == 1
    # house_prices.search_candidate: `submission: best` chooses between the grid and the search's best
    workflow_copy.update_config(
        search=TINY,
        house_prices={"folds": 2, "epochs": 2, "models": ["linear"], "initializers": ["default"],
                      "search_candidate": True},
    )
    jobs = workflow_copy.dry_run_jobs("house_prices")
    assert "run_coarse_trial" not in jobs and "fit_search_best" not in jobs  # the search is reused as is
    workflow_copy.run("house_prices")
    choice = json.loads((workflow_copy.path / "results" / "house_prices" / "submission.json").read_text())
    house = workflow_copy.path / "results" / "house_prices"
    grid = pd.read_csv(house / "cv_mean_std.csv")
    final = json.loads((house / "final" / "linear" / "default" / "fit.json").read_text())
    # the one-standard-error rule itself (submission.choose, unit-tested) over the grid and the search's best
    search_model = workflow_copy.config["search"]["model"]
    candidate = submission.search_candidate(fit, folds=2, hidden_units=fit["hidden"] if search_model == "mlp" else 0)
    means = pd.concat([grid.assign(final_diverged=final["diverged"], hidden_units=0), pd.DataFrame([candidate])],
                      ignore_index=True)
    expected = submission.choose(means, "best")
    assert candidate["valid_mean"] == summary["valid_log_rmse"] and candidate["valid_std"] == summary["valid_std"]
    assert (choice["model"], choice["initializer"], choice["chosen_by"]) == (expected["model"],
                                                                             expected["initializer"],
                                                                             "one standard error")
    assert choice["cv_valid_log_rmse"] == pytest.approx(expected["valid_mean"])


def test_nested_search_is_opt_in_and_on_the_page_when_asked(workflow_copy):
    workflow_copy.update_config(search=TINY)
    assert "run_nested_search_fold" not in workflow_copy.dry_run_jobs()  # not in `rule all`
    workflow_copy.update_config(search={**TINY, "nested": {"inner_folds": 2, "report": True}})
    jobs = workflow_copy.dry_run_jobs("results/notebooks/search.html")
    assert jobs["run_nested_search_fold"] == 2 and jobs["summarize_nested_search"] == 1  # one job per outer fold


@pytest.mark.slow
def test_tiny_nested_search_scores_each_outer_fold_it_never_saw(workflow_copy):
    # every option on: log1p of skewed features, large houses out of training, linear and mlp averaged
    workflow_copy.update_config(search={
        **TINY, "nested": {"inner_folds": 2, "models": ["linear", "mlp"]},
        "preprocessing": {"skew_threshold": 0.75, "large_houses": "drop_from_training", "max_living_area": 4000}})
    workflow_copy.run("search_nested")
    root = workflow_copy.path / "results" / "search"
    features = json.loads((root / "features.json").read_text())
    assert features["large_houses"] == [524, 692, 1183, 1299] and features["trained_rows"] == 1456
    assert "LotArea" in features["log1p_columns"] and "YrSold" not in features["log1p_columns"]
    table = pd.read_csv(root / "nested" / "summary.csv")
    assert {"fold", "inner_log_rmse", "outer_log_rmse", "inner_minus_outer", "linear_lr", "mlp_hidden",
            "linear_outer_log_rmse", "mlp_outer_log_rmse", "seconds", "cpu_seconds"} <= set(table.columns)
    assert table["fold"].tolist() == [1, 2] and table["outer_valid_rows"].tolist() == [730, 730]
    assert table["outer_untrainable_rows"].tolist() == [2, 2]
    assert table[["inner_log_rmse", "outer_log_rmse"]].map(lambda v: 0 < v < 10).all().all()
    for fold in (1, 2):
        record = json.loads((root / "nested" / f"outer{fold}.json").read_text())
        train, valid = set(record["outer_train_rows"]), set(record["outer_valid_rows"])
        assert not train & valid and train | valid == set(range(1460))  # the inner search saw the train rows only
        assert valid == set(range(730 * (fold - 1), 730 * fold))
        # rows 523, 691 (fold 1) and 1182, 1298 (fold 2) are the large houses: in the training rows, never trained on
        assert record["trained_rows"] == 730 - 2 and record["searches"]["mlp"]["picked"]["trial"] == "fine000"
    summary = json.loads((root / "nested" / "summary.json").read_text())
    assert summary["models"] == ["linear", "mlp"] and summary["folds"] == 2
    assert summary["inner_minus_outer"] == pytest.approx(table["inner_log_rmse"].mean() - table["outer_log_rmse"].mean())
    search = json.loads((root / "summary.json").read_text())  # the plain search ran too, on the same data
    # against the outer score of the searched model (mlp) alone, not the average's
    assert summary["search_minus_outer"] == pytest.approx(search["valid_log_rmse"] - table["mlp_outer_log_rmse"].mean())
