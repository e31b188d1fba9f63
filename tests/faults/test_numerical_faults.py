"""Numerical faults in training: the job finishes and records `diverged`, the aggregation, tables and
figures downstream still complete, and the house prices submission never uses a diverged candidate.

Two faults, both injected without touching the code under test:
- a learning rate so large (Adam, lr 1e30) that the weights overflow: a plain config value;
- NaN reaching the forward pass. A NaN-producing initializer would do this, but adding one to the
  registry would put it in front of users (config values, legends); and a job is its own process,
  so no monkeypatching reaches it. Instead one training image of the prepared data is replaced by NaN,
  which enters the network at the same point, the first forward pass over that image, as a NaN
  weight would. The prepared file is replaced after the data stage, so Snakemake reruns every job
  downstream of it (its mtime changed), exactly as after a real bad preprocessing run.
"""

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT
from initlab.infra.atomic import save_npz

from faults.conftest import reduced_initializers

STUDY = "results/initializers"


def runs(wf):
    """Every run record, keyed by (initializer, seed)."""
    records = {}
    for path in sorted((wf.path / STUDY / "runs").glob("*/seed*.json")):
        record = json.loads(path.read_text())
        records[record["initializer"], record["seed"]] = record
    return records


def assert_study_completes_with_diverged_runs(wf):
    wf.run("initializers")
    records = runs(wf)
    assert set(records) == {("normal", 0), ("default", 0)}
    for record in records.values():
        assert record["diverged"] is True and record["final_loss"] is None
        assert record["batch_losses"][-1] is None  # the record stops at the first non-finite loss
        assert all(np.isfinite(loss) for loss in record["batch_losses"][:-1])
    summary = pd.read_csv(wf.path / STUDY / "summary.csv")
    assert summary["diverged"].all() and summary["final_loss"].isna().all()
    table = (wf.path / STUDY / "table.md").read_text()
    assert "| normal | 1 | 1 | n/a" in table and "| default | 1 | 1 | n/a" in table
    for figure in ("accuracy.png", "losses_pair.png", "initial_weights.png"):
        assert (wf.path / STUDY / "figures" / figure).stat().st_size > 1000
    return records


def test_a_huge_learning_rate_diverges_and_is_recorded(prepared):
    reduced_initializers(prepared, lr=1e30)
    records = assert_study_completes_with_diverged_runs(prepared)
    # Adam's first step moves each weight by about lr: the loss is finite at step 0, not after
    assert all(np.isfinite(r["batch_losses"][0]) for r in records.values())
    # and Snakemake's HTML report over the study still builds
    done = prepared.run("initializers", "--report", "report.html")
    assert "Report created." in done.stdout
    assert "Initializers" in (prepared.path / "report.html").read_text()


def test_nan_in_the_data_diverges_at_its_batch_and_is_recorded(prepared):
    reduced_initializers(prepared)
    path = prepared.path / "results/data/fashion_mnist/train.npz"
    with np.load(path) as data:
        x, y = data["x"].copy(), data["y"]
    x[5, 400] = np.nan  # one pixel of one image among the first 1000 (train_samples)
    path.unlink()  # the session's file is hard-linked here: replace it, never write into it
    save_npz(path, x=x, y=y)
    assert prepared.dry_run_jobs("initializers")["train_initializer"] == 2  # normal and default
    records = assert_study_completes_with_diverged_runs(prepared)
    # the same batch order for both initializers at one seed: they diverge at the same step
    assert len(records["normal", 0]["batch_losses"]) == len(records["default", 0]["batch_losses"])


# ---- house prices: diverged candidates never reach the submission ------------------------------------------

HOUSE_STUDY = "results/house_prices"
needs_house = pytest.mark.skipif("house_prices" not in yaml.safe_load((ROOT / "config.yaml").read_text()),
                                 reason="the house prices study is not in this checkout")


def reduced_house(wf, **changes):
    study = dict(folds=2, epochs=2, models=["linear"], initializers=["default"], lr=1e30, target="price",
                 submission="best")
    study.update(changes)
    wf.update_config(house_prices=study)


@needs_house
def test_house_prices_all_diverged_gives_no_submission(prepared):
    reduced_house(prepared)
    prepared.run(f"{HOUSE_STUDY}/cv_mean_std.csv")  # the tables and figures complete
    means = pd.read_csv(prepared.path / HOUSE_STUDY / "cv_mean_std.csv")
    assert means["diverged"].all() and (means["diverged_folds"] == 2).all() and means["valid_mean"].isna().all()
    done = prepared.run(f"{HOUSE_STUDY}/submission.csv", check=False)
    assert done.returncode != 0
    log = (prepared.path / "results/logs/write_submission.log").read_text()
    assert "submission: best: every candidate diverged; nothing to submit" in log
    assert not (prepared.path / HOUSE_STUDY / "submission.csv").exists()
    # naming the diverged candidate explicitly is refused too
    reduced_house(prepared, submission={"model": "linear", "initializer": "default"})
    done = prepared.run(f"{HOUSE_STUDY}/submission.csv", check=False)
    assert done.returncode != 0
    assert "submission: linear default diverged; choose another candidate, `best` or `lowest`" in (
        prepared.path / "results/logs/write_submission.log").read_text()
    assert not (prepared.path / HOUSE_STUDY / "submission.csv").exists()


@needs_house
def test_house_prices_submission_skips_a_diverged_candidate(prepared):
    """lr 5 is d2l's for raw prices and far too large for log prices: with this seed one final fit
    (linear, default) diverges and the other (linear, normal) does not, as measured."""
    reduced_house(prepared, epochs=10, lr=5, target="log_price", initializers=["default", "normal"])
    prepared.run(f"{HOUSE_STUDY}/submission.csv")
    fits = {i: json.loads((prepared.path / HOUSE_STUDY / "final/linear" / i / "fit.json").read_text())
            for i in ("default", "normal")}
    assert fits["default"]["diverged"] and not fits["normal"]["diverged"]  # the premise, from the runs
    choice = json.loads((prepared.path / HOUSE_STUDY / "submission.json").read_text())
    assert (choice["model"], choice["initializer"]) == ("linear", "normal")
    submitted = pd.read_csv(prepared.path / HOUSE_STUDY / "submission.csv")
    chosen = pd.read_csv(prepared.path / HOUSE_STUDY / "final/linear/normal/predictions.csv")
    pd.testing.assert_frame_equal(submitted, chosen)
    assert np.isfinite(submitted["SalePrice"]).all()
