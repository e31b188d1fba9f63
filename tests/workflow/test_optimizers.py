"""The optimizers target end to end with a reduced study (2 optimizers, 1 schedule, 1 seed, 2 short epochs)."""

import json

import pandas as pd
import pytest

REDUCED = {
    "seeds": [0],
    "epochs": 2,
    "train_samples": 600,
    "batch_size": 50,
    "hidden": [32],
    "optimizers": {"sgd": {"lr": 0.1}, "adam": {"lr": 0.001}},
    "schedules": {"step": {"step_size": 1, "gamma": 0.5}},
    "scheduled": ["sgd"],
}


def test_dry_run_counts_one_job_per_optimizer_and_schedule(workflow_copy):
    workflow_copy.update_config(optimizers={**REDUCED, "seeds": [0, 1, 2]})
    jobs = workflow_copy.dry_run_jobs("optimizers")
    assert jobs["train_optimizer"] == 3  # (sgd, none), (adam, none), (sgd, step), each with its 3 seeds


def test_unknown_scheduled_optimizer_is_named(workflow_copy):
    workflow_copy.update_config(optimizers={**REDUCED, "scheduled": ["nesterov"]})
    out = workflow_copy.run("-n", "optimizers", check=False)
    assert out.returncode != 0 and "optimizers.scheduled: ['nesterov'] not in optimizers.optimizers" in out.stdout


@pytest.mark.slow
def test_reduced_study_end_to_end(workflow_copy):
    workflow_copy.update_config(optimizers=REDUCED)
    workflow_copy.run("optimizers")
    root = workflow_copy.path / "results" / "optimizers"
    step = json.loads((root / "runs" / "sgd" / "step" / "seed0.json").read_text())
    plain = json.loads((root / "runs" / "sgd" / "none" / "seed0.json").read_text())
    assert step["lrs"] == [0.1, 0.05] and plain["lrs"] == [0.1, 0.1]
    assert step["steps"] == 2 * 600 // 50 and len(step["valid_accuracy"]) == 2
    # runs of one seed share initial weights and batches: with the same lr in epoch 1, sgd with and
    # without the schedule take identical steps until the schedule first lowers the rate
    assert step["batch_losses"][:12] == plain["batch_losses"][:12]
    assert step["batch_losses"][12:] != plain["batch_losses"][12:]
    summary = pd.read_csv(root / "summary.csv")
    assert set(zip(summary["optimizer"], summary["schedule"])) == {("sgd", "none"), ("adam", "none"), ("sgd", "step")}
    assert (summary["seeds"] == 1).all() and (summary["diverged"] == 0).all()
    assert (summary["valid_accuracy_mean"] > 0.4).all()  # well above chance (0.1) after 24 steps
    adam = summary[summary["optimizer"] == "adam"].iloc[0]
    run = json.loads((root / "runs" / "adam" / "none" / "seed0.json").read_text())
    assert adam["valid_accuracy_mean"] == pytest.approx(run["valid_accuracy"][-1])
    assert workflow_copy.dry_run_jobs("optimizers") == {}
    # the training jobs never import torch._dynamo (core.nodynamo), as their cost lines say
    logs = (workflow_copy.path / "results" / "logs" / "train_optimizer").rglob("*.log")
    costs = [log.read_text().splitlines()[-1] for log in logs]
    assert len(costs) == 3 and all(line.endswith(" dynamo=0") for line in costs), costs
