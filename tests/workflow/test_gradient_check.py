"""End to end: `snakemake gradient_check linear_regression` in a scratch copy, with a reduced config."""

import pandas as pd
import pytest

REDUCED = dict(
    gradient_check=dict(entries=3, batch_size=8, warmup_steps=2, sanity_checks=dict(examples=50, overfit_steps=100)),
)  # linear regression keeps d2l's settings: it takes about a second


@pytest.mark.slow
def test_checks_write_the_expected_verdicts_and_fail_on_a_real_model_flagged_wrong(workflow_copy):
    workflow_copy.update_config(**REDUCED)
    workflow_copy.run("gradient_check", "linear_regression")
    results = workflow_copy.path / "results"

    summary = pd.read_csv(results / "gradient_check" / "summary.csv")
    assert set(summary["model"]) == {"house_linear", "house_mlp", "fashion_mlp", "planted_wrong_tanh"}
    own = summary[~summary["planted"]]
    assert (own["verdict"] != "wrong").all() and (own["max_rel_error"] < 1e-4).all()
    planted = summary[summary["planted"]].set_index(["term", "parameter"])["verdict"]
    assert planted["data", "hidden.weight"] == planted["data", "hidden.bias"] == "wrong"
    assert planted["data", "out.weight"] == "correct"  # downstream of the bug
    assert (summary["entries"] <= 3).all() and (summary["term"] == "weight_decay").sum() == len(summary) / 2

    sanity = pd.read_csv(results / "gradient_check" / "sanity_checks" / "summary.csv").set_index("check")
    assert sanity.loc["initial_loss", "passed"] and abs(sanity.loc["initial_loss", "value"] - 2.302585) < 0.01
    assert sanity.loc["regularization_raises_loss", "passed"]

    linear = pd.read_csv(results / "linear_regression" / "summary.csv").set_index("method")
    assert list(linear.index) == ["scratch", "concise", "closed_form"]
    assert (linear[["w_error", "b_error"]] < 1e-3).all().all()
    assert linear.loc["scratch", "loss_epoch_1"] > linear.loc["scratch", "loss_epoch_2"]

    # Declaring the planted model one of ours makes the stage fail, naming the model and the tensor;
    # `planted` is read only by the summary, so the checks themselves are not rerun.
    models = workflow_copy.config["gradient_check"]["models"]
    models["planted_wrong_tanh"]["planted"] = False
    workflow_copy.update_config(gradient_check=dict(models=models))
    dry = workflow_copy.run("-n", "gradient_check").stdout  # (conftest's dry_run_jobs passes targets after -q)
    table = [line.split() for line in dry.splitlines()]
    jobs = {row[0]: int(row[1]) for row in table if len(row) == 2 and row[1].isdigit() and row[0].isidentifier()}
    assert jobs == {"summarize_gradient_check": 1, "gradient_check": 1, "total": 2}
    failed = workflow_copy.run("gradient_check", check=False)
    assert failed.returncode != 0
    assert "gradient check failed" in failed.stdout
    assert "planted_wrong_tanh: gradient of data wrt hidden.weight is wrong" in failed.stdout
    assert not (results / "gradient_check" / "summary.csv").exists()
