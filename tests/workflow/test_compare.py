"""Keep a run, change house_prices.lr, compare: end to end in a scratch copy with a tiny house prices grid
(one model x initializer, 3 folds: the fewest the verdict rule judges, 3 epochs), a tiny initializer study and linear regression, whose jobs
the change does not rerun."""

import pandas as pd
import pytest
from conftest import ROOT, Workflow, copy_workflow

from workflow.browser import Browser, find_chromium

REDUCED = {"folds": 3, "epochs": 3, "lr": 5, "models": ["linear"], "initializers": ["default"]}
INITIALIZERS = {"initializers": ["normal", "default"], "seeds": [0, 1], "epochs": 1, "train_samples": 1000,
                "comparisons": {"pair": ["normal", "default"]}}
TARGETS = ("summarize_house_prices", "summarize_initializers", "linear_regression")
CHROMIUM = find_chromium()


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """A scratch copy that ran TARGETS, kept the run as `before`, set house_prices.lr 5 -> 3 and compared."""
    wf = Workflow(copy_workflow(tmp_path_factory.mktemp("compare") / "wf"))
    wf.update_config(house_prices=REDUCED, initializers=INITIALIZERS)
    wf.run(*TARGETS)
    wf.run("keep_run", "--config", "snapshot=before")
    wf.update_config(house_prices={"lr": 3})
    wf.compare_output = wf.run("compare", "--config", "baseline=resources/snapshots/before").stdout
    return wf


@pytest.mark.slow
def test_a_kept_run_is_small_and_never_rewritten(compared):
    kept = compared.path / "resources/snapshots/before"
    assert (kept / "snapshot.json").is_file() and (kept / "tables/house_prices/cv_summary.csv").is_file()
    assert not list(kept.rglob("*.png")) and not list(kept.rglob("*.npz"))
    again = compared.run("keep_run", "--config", "snapshot=before", check=False)
    assert again.returncode != 0 and "already exists" in again.stdout


@pytest.mark.slow
def test_compare_lists_the_changed_key_and_judges_each_study(compared):
    wf = compared
    # the stale folds rerun first; the studies the change does not touch do not
    assert "train_fold" in wf.compare_output
    assert "fit_linear_regression" not in wf.compare_output and "train_initializer" not in wf.compare_output
    params = pd.read_csv(wf.path / "results/compare/params.csv", dtype=str)
    assert params.to_dict("records") == [{"key": "house_prices.lr", "baseline": "5", "current": "3"}]
    metrics = pd.read_csv(wf.path / "results/compare/metrics.csv")
    house = metrics[metrics["study"] == "house_prices"]
    assert list(house["quantity"]) == ["CV valid log-RMSE: linear / default"]
    assert (house["difference"] != 0).all() and set(house["verdict"]) <= {"differs", "within spread"}
    initializers = metrics[metrics["study"] == "initializers"]  # 2 seeds each: too few to tell, and no change
    assert sorted(initializers["quantity"]) == sorted(f"{what} accuracy %: {name}" for what in ("valid", "test")
                                                      for name in ("normal", "default"))
    assert (initializers["difference"] == 0).all() and set(initializers["verdict"]) == {"cannot tell"}
    linear = metrics[metrics["study"] == "linear_regression"]
    assert len(linear) == 9 and (linear["difference"] == 0).all() and set(linear["verdict"]) == {"cannot tell"}
    for figure in ("house_prices.png", "initializers.png"):
        assert (wf.path / "results/compare" / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (wf.path / "results/notebooks/compare.html").read_text()  # the `compare` target builds the page
    assert "Comparison of two runs" in page and "house_prices.lr" in page and "Conclusion." in page
    assert "within spread" in page or "differs" in page or "cannot tell" in page
    log = (wf.path / "results/logs/compare_runs.log").read_text()
    assert "house_prices.lr" in log and "CV valid log-RMSE: linear / default" in log


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                    "(Debian: apt-get install -y --no-install-recommends chromium)")
def test_the_comparison_page_renders_in_a_browser(compared):
    with Browser(CHROMIUM) as browser:
        page = browser.open((compared.path / "results/notebooks/compare.html").as_uri())
        artifacts = ROOT / "test-artifacts" / "report"
        artifacts.mkdir(parents=True, exist_ok=True)
        page.screenshot(artifacts / "compare.png")
        assert page.errors == [] and page.remote_requests() == []
        images = page.images()
        assert images["broken"] == [] and images["total"] == 2  # the two overlaid figures


@pytest.mark.slow
def test_bad_snapshots_stop_before_any_job_and_keep_the_last_comparison(compared):
    wf = compared
    before = (wf.path / "results/compare/metrics.csv").read_bytes()
    (wf.path / "resources/snapshots/old").mkdir()
    (wf.path / "resources/snapshots/old/snapshot.json").write_text('{"layout": 0}')
    for baseline, message in (("resources/snapshots/nowhere", "resources/snapshots/nowhere does not exist"),
                              ("results/house_prices", "results/house_prices is not a snapshot"),
                              ("resources/snapshots/old", "resources/snapshots/old has snapshot layout 0")):
        failed = wf.run("compare", "--config", f"baseline={baseline}", check=False)
        assert failed.returncode != 0 and message in failed.stdout, failed.stdout[-3000:]
    assert (wf.path / "results/compare/metrics.csv").read_bytes() == before
