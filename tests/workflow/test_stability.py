"""The stability stage run through snakemake in a scratch copy with a reduced config."""

import json

import numpy as np
import pandas as pd
import pytest

REDUCED = {
    "demos": {"matrices": {"count": 100, "size": 4, "seed": 0}, "points": 41},
    "depth": {"depth": 8, "width": 64, "batch_size": 32, "initializers": ["kaiming_normal", "standard_normal"],
              "activations": ["relu", "tanh"]},
    "diagnostics": {"initializers": ["kaiming_normal"], "log_every": 2, "bins": 10, "images": 4,
                    "hidden": [16, 8], "batch_size": 50, "epochs": 1, "train_samples": 500},
}


pytestmark = pytest.mark.slow  # the data stage plus seven jobs that import torch: about a minute


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    """One reduced run of `stability`, shared by the tests that read its outputs."""
    from conftest import Workflow, copy_workflow

    flow = Workflow(copy_workflow(tmp_path_factory.mktemp("stability") / "wf"))
    flow.update_config(stability=REDUCED)
    flow.run("stability")
    return flow


def test_stage_tables_hold_the_expected_numbers(stage):
    out = stage.path / "results" / "stability"
    demos = pd.read_csv(out / "demos" / "summary.csv").set_index("quantity").value
    assert demos["1.5**100"] == pytest.approx(4.0656e17, rel=1e-4)
    assert demos["first step with max |entry| > 1e15"] <= 100
    assert demos["scaled_sigmoid'(0)"] == pytest.approx(1.0)
    depth = pd.read_csv(out / "depth" / "summary.csv")
    assert len(depth) == 4 and set(depth.depth) == {8}
    explode = depth[(depth.initializer == "standard_normal") & (depth.activation == "relu")].iloc[0]
    assert explode.forward == "exploding" and explode.forward_ratio > (64 / 2) ** 7 / 1e3  # theory (w/2)^(L-1)
    ratios = pd.read_csv(out / "diagnostics" / "kaiming_normal" / "ratios.csv")
    assert sorted(ratios.step.unique()) == list(range(0, 10, 2)) and sorted(ratios.layer.unique()) == [1, 2, 3]
    assert (ratios.update_ratio > 0).all()
    result = json.loads((out / "diagnostics" / "kaiming_normal" / "result.json").read_text())
    assert result["steps"] == 10 and not result["diverged"] and result["device"] == "cpu"
    assert 0.1 < result["valid_accuracy"] <= 1
    first = np.load(out / "diagnostics" / "kaiming_normal" / "first_layer.npz")
    assert first["initial"].shape == (4, 784) and not np.allclose(first["initial"], first["final"])
    summary = pd.read_csv(out / "diagnostics" / "summary.csv")
    assert summary.layer.tolist() == [1, 2, 3]


def test_changing_log_every_reruns_only_the_diagnostics(stage):
    assert stage.dry_run_jobs("stability") == {}
    stage.update_config(stability={**REDUCED, "diagnostics": {**REDUCED["diagnostics"], "log_every": 3}})
    jobs = stage.dry_run_jobs("stability")
    assert jobs == {"diagnose_training": 1, "plot_diagnostics": 1, "stability": 1}
