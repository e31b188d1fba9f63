"""Tampered results: files edited by hand after a run.

What the pipeline does, asserted:
- a verified raw file edited on disk: the preparing rule reruns (its input changed) and refuses the file,
  re-hashing it against the published checksum; the message says how to refetch, and doing so restores
  the very same prepared arrays;
- a file touched without a content change: nothing reruns (Snakemake compares small files by checksum);
- a finished output edited by hand: Snakemake does not notice the output itself (no rule input changed);
  jobs that read it rerun on the edited content; `--forcerun <rule>` rebuilds it bit-identically.
"""

import json
import os

import numpy as np
import pandas as pd

from faults.conftest import HOUSE, reduced_initializers

RAW = "results/data/raw/kaggle_house_pred_train.csv"
SUMMARY = "results/data/house_prices/summary.json"


def arrays(wf):
    with np.load(wf.path / HOUSE) as data:
        return {key: data[key] for key in data.files}


def test_an_edited_raw_file_is_refused_and_refetching_restores_the_data(workflow_copy):
    workflow_copy.run(HOUSE)
    before = arrays(workflow_copy)
    raw = workflow_copy.path / RAW
    raw.write_text(raw.read_text().replace("208500", "208501", 1))  # one price, one digit
    assert workflow_copy.dry_run_jobs(HOUSE) == {"prepare_house_prices": 1}  # mtime and checksum changed
    done = workflow_copy.run(HOUSE, check=False)
    assert done.returncode != 0
    log = (workflow_copy.path / "results/logs/prepare_house_prices.log").read_text()
    assert f"ChecksumMismatch: {RAW}: sha1 is" in log
    assert "The file was edited or corrupted after it was verified" in log
    assert "`snakemake --cores 8 --forcerun fetch_file`" in log
    assert not (workflow_copy.path / HOUSE).exists()  # the failed job's outputs are removed
    # the advice, followed: the raw files are fetched again, and the same arrays come out
    workflow_copy.run(HOUSE, "--forcerun", "fetch_file")
    after = arrays(workflow_copy)
    assert after.keys() == before.keys()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


def test_a_touched_but_unchanged_file_reruns_nothing(workflow_copy):
    workflow_copy.run(HOUSE)
    raw = workflow_copy.path / RAW
    stat = raw.stat()
    os.utime(raw, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**10))  # 10 s newer, same bytes
    assert workflow_copy.dry_run_jobs(HOUSE) == {}


def test_an_edited_output_is_not_rebuilt_until_forced(workflow_copy):
    workflow_copy.run(HOUSE)
    summary = workflow_copy.path / SUMMARY
    original = summary.read_text()
    summary.write_text(original.replace("331", "332"))
    # no input, code or params of its job changed: Snakemake considers it up to date
    assert workflow_copy.dry_run_jobs(HOUSE, SUMMARY) == {}
    workflow_copy.run(SUMMARY, "--forcerun", "prepare_house_prices")
    assert summary.read_text() == original


def test_an_edited_metrics_file_propagates_until_its_job_is_forced(prepared):
    """A run record edited by hand: the summary reruns on the edited number (its input changed); forcing
    the training job restores the measured number exactly (per-job seeds make it bit-reproducible on CPU)."""
    reduced_initializers(prepared)
    prepared.run("results/initializers/summary.csv")
    run = prepared.path / "results/initializers/runs/normal/seed0.json"
    record = json.loads(run.read_text())
    measured = record["valid_accuracy"]
    run.write_text(json.dumps({**record, "valid_accuracy": 0.999}))
    jobs = prepared.dry_run_jobs("results/initializers/summary.csv")
    assert jobs == {"summarize_initializers": 1}  # the edited file itself is not rebuilt
    prepared.run("results/initializers/summary.csv")
    summary = pd.read_csv(prepared.path / "results/initializers/summary.csv").set_index("initializer")
    assert summary.loc["normal", "valid_accuracy"] == 0.999  # the edit reached the table
    prepared.run("results/initializers/summary.csv", "--forcerun", str(run.relative_to(prepared.path)))
    assert json.loads(run.read_text())["valid_accuracy"] == measured
    summary = pd.read_csv(prepared.path / "results/initializers/summary.csv").set_index("initializer")
    assert summary.loc["normal", "valid_accuracy"] == measured
