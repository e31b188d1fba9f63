"""The initializer study end to end on a reduced run, its config checks and its incremental scheduling."""

import json

import pandas as pd
import pytest
import yaml
from conftest import ROOT
from initlab.core.initializers import NAMES

REDUCED = {"initializers": ["zeros", "ones", "uniform", "centered", "general_rule"], "seeds": [0, 1], "epochs": 1,
           "train_samples": 6000, "plot_batches": 30}


def test_schema_and_config_name_every_registered_initializer():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert schema["$defs"]["initializer"]["enum"] == list(NAMES)
    section = schema["properties"]["initializers"]["properties"]
    # the schema's default is config.yaml's list (one source of defaults), in the lesson's order
    assert section["initializers"]["default"] == config["initializers"]["initializers"]
    assert sorted(config["initializers"]["initializers"]) == sorted(NAMES)
    assert config["initializers"]["comparisons"] == section["comparisons"]["default"]


def test_unknown_initializer_is_rejected_at_parse_time(workflow_copy):
    workflow_copy.update_config(initializers={"initializers": ["zeroes"]})
    out = workflow_copy.run("-n", "initializers", check=False)
    assert out.returncode != 0
    assert "zeroes" in out.stdout and "is not one of" in out.stdout


@pytest.mark.slow
def test_reduced_run_meets_the_expected_outcome_and_adding_one_initializer_reruns_only_it(workflow_copy):
    wf = workflow_copy
    wf.update_config(initializers=REDUCED)
    wf.run("initializers")
    out = wf.path / "results/initializers"
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns[:8]) == ["initializer", "seed", "valid_accuracy", "test_accuracy", "final_loss",
                                         "diverged", "seconds", "device"]
    assert len(summary) == 10 and not summary["diverged"].any() and set(summary["device"]) == {"cpu"}
    acc = summary.groupby("initializer")["valid_accuracy"]
    # expected outcome, reduced: 60 Adam steps on 6000 images
    assert acc.max()["zeros"] <= 0.11 and acc.max()["ones"] <= 0.11  # constants stay at chance
    assert acc.max()["uniform"] + 0.3 < acc.min()["centered"]  # uniform [0, 1) far below centered
    assert acc.min()["general_rule"] >= 0.6
    run = json.loads((out / "runs/general_rule/seed0.json").read_text())
    other = json.loads((out / "runs/general_rule/seed1.json").read_text())
    assert len(run["batch_losses"]) == 60 and run["train_samples"] == 6000
    assert run["batch_losses"] != other["batch_losses"]  # seeds are independent repeats
    assert [layer["shape"] for layer in run["initial_weights"]] == [[256, 784], [128, 256], [10, 128]]
    table = pd.read_csv(out / "table.csv").set_index("initializer")
    assert table.loc["zeros", "reference_valid"] == 9.675
    assert table.loc["general_rule", "valid_mean"] == pytest.approx(100 * acc.mean()["general_rule"])
    text = (out / "comparison.md").read_text()
    assert "- holds: zeros at chance" in text and "- holds: uniform far below centered" in text
    # two seeds are too few repeats for a verdict (tables.MIN_REPEATS = 3): the rule says so
    assert "uniform vs centered: cannot tell" in text and "uniform vs centered: differ" not in text
    # groups keep only configured initializers; nothing is left over for an "others" figure
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures == ["accuracy.png", "initial_weights.png", "losses_centered_vs_general_rule.png",
                       "losses_general_rule_vs_normal.png", "losses_uniform.png", "losses_zeros_vs_ones.png"]

    wf.update_config(initializers={**REDUCED, "initializers": [*REDUCED["initializers"], "normal"]})
    assert wf.dry_run_jobs("initializers") == {
        "train_initializer": 1,  # normal's job (its two seeds), nothing else retrains
        "summarize_initializers": 1,
        "plot_initializer_losses": 1,  # general_rule_vs_normal gains normal; other figures stay
        "plot_initializer_accuracy": 1,
        "plot_initial_weights": 1,
        "initializers": 1,
    }
