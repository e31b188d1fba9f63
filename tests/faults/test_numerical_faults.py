"""Numerical faults in training: the job finishes and records `diverged`, and the aggregation, tables and
figures downstream still complete.

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
from faults.conftest import reduced_initializers

from initlab.atomic import save_npz

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


def test_nan_in_the_data_diverges_at_its_batch_and_is_recorded(prepared):
    reduced_initializers(prepared)
    path = prepared.path / "results/data/fashion_mnist/train.npz"
    with np.load(path) as data:
        x, y = data["x"].copy(), data["y"]
    x[5, 400] = np.nan  # one pixel of one image among the first 1000 (train_samples)
    path.unlink()  # the session's file is hard-linked here: replace it, never write into it
    save_npz(path, x=x, y=y)
    assert prepared.dry_run_jobs("initializers")["train_initializer"] == 2
    records = assert_study_completes_with_diverged_runs(prepared)
    # the same batch order for both initializers at one seed: they diverge at the same step
    assert len(records["normal", 0]["batch_losses"]) == len(records["default", 0]["batch_losses"])
