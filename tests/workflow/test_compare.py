"""Keep a run, change house_prices.lr, compare: end to end in a scratch copy with a tiny house prices grid
(one model x initializer, 2 folds, 3 epochs) and linear regression, whose jobs the change does not rerun."""

import pandas as pd
import pytest

REDUCED = {"folds": 2, "epochs": 3, "lr": 5, "models": ["linear"], "initializers": ["default"]}
TARGETS = ("summarize_house_prices", "linear_regression")


@pytest.mark.slow
def test_keep_change_lr_compare_and_bad_snapshots(workflow_copy):
    wf = workflow_copy
    wf.update_config(house_prices=REDUCED)
    wf.run(*TARGETS)
    wf.run("keep_run", "--config", "snapshot=before")
    kept = wf.path / "resources/snapshots/before"
    assert (kept / "snapshot.json").is_file() and (kept / "tables/house_prices/cv_summary.csv").is_file()
    assert not list(kept.rglob("*.png")) and not list(kept.rglob("*.npz"))
    again = wf.run("keep_run", "--config", "snapshot=before", check=False)
    assert again.returncode != 0 and "already exists" in again.stdout

    wf.update_config(house_prices={"lr": 3})
    done = wf.run("compare", "--config", "baseline=resources/snapshots/before")  # reruns the stale folds first
    assert "train_fold" in done.stdout and "fit_linear_regression" not in done.stdout
    params = pd.read_csv(wf.path / "results/compare/params.csv", dtype=str)
    assert params.to_dict("records") == [{"key": "house_prices.lr", "baseline": "5", "current": "3"}]
    metrics = pd.read_csv(wf.path / "results/compare/metrics.csv")
    house = metrics[metrics["study"] == "house_prices"]
    assert list(house["quantity"]) == ["CV valid log-RMSE: linear / default"]
    assert (house["difference"] != 0).all() and set(house["verdict"]) <= {"differs", "within spread"}
    linear = metrics[metrics["study"] == "linear_regression"]
    assert len(linear) == 9 and (linear["difference"] == 0).all() and set(linear["verdict"]) == {"no spread"}
    for figure in ("house_prices.png", "initializers.png"):  # initializers: in neither run, and says so
        assert (wf.path / "results/compare" / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (wf.path / "results/notebooks/compare.html").read_text()  # the `compare` target builds the page
    assert "Comparison of two runs" in page and "house_prices.lr" in page and "Conclusion." in page
    assert "within spread" in page or "differs" in page
    log = (wf.path / "results/logs/compare_runs.log").read_text()
    assert "house_prices.lr" in log and "CV valid log-RMSE: linear / default" in log

    # bad snapshots stop before any job, naming the path; the last comparison stays as it was
    before = (wf.path / "results/compare/metrics.csv").read_bytes()
    (wf.path / "resources/snapshots/old").mkdir()
    (wf.path / "resources/snapshots/old/snapshot.json").write_text('{"layout": 0}')
    for baseline, message in (("resources/snapshots/nowhere", "resources/snapshots/nowhere does not exist"),
                              ("results/house_prices", "results/house_prices is not a snapshot"),
                              ("resources/snapshots/old", "resources/snapshots/old has snapshot layout 0")):
        failed = wf.run("compare", "--config", f"baseline={baseline}", check=False)
        assert failed.returncode != 0 and message in failed.stdout, failed.stdout[-3000:]
    assert (wf.path / "results/compare/metrics.csv").read_bytes() == before
