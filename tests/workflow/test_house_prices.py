"""House prices stage end to end in a scratch copy, with a reduced grid (2 folds, 3 epochs)."""

import json
import os
import stat

import pandas as pd
import pytest
from initlab.studies.house_prices import submission

REDUCED = {"folds": 2, "epochs": 3, "lr": 5, "models": ["linear", "mlp"], "initializers": ["default", "zeros"],
           "mlp": {"hidden": [8], "activation": "relu", "dropout": 0.0}, "submission": "best"}
STUDY_JOBS = {"train_fold": 8, "summarize_house_prices": 1, "fit_final": 4, "write_submission": 1, "house_prices": 1}


@pytest.fixture
def house_run(prepared):
    """The reduced house prices study run on the session's prepared data (hard-linked)."""
    workflow_copy = prepared
    workflow_copy.update_config(house_prices=REDUCED)
    workflow_copy.run("house_prices")
    return workflow_copy


def test_reduced_run_writes_tables_and_a_valid_submission(house_run):
    out = house_run.path / "results/house_prices"
    cv = pd.read_csv(out / "cv_summary.csv")
    assert list(cv.columns) == ["model", "initializer", "fold", "train_log_rmse", "valid_log_rmse", "diverged",
                                "seconds", "cpu_seconds", "device"]
    assert len(cv) == 8 and set(cv["fold"]) == {1, 2} and set(cv["device"]) == {"cpu"}
    assert (cv["cpu_seconds"] > 0).all() and (cv["seconds"] > 0).all()
    means = pd.read_csv(out / "cv_mean_std.csv")
    linear = cv[(cv["model"] == "linear") & (cv["initializer"] == "default")]
    row = means[(means["model"] == "linear") & (means["initializer"] == "default")].iloc[0]
    assert row["valid_mean"] == pytest.approx(linear["valid_log_rmse"].mean())
    fold = json.loads((out / "folds/linear/default/fold1.json").read_text())
    assert len(fold["train_curve"]) == 3 and fold["train_rows"] == fold["valid_rows"] == 730
    assert submission.validate(out / "submission.csv") == 1459
    choice = json.loads((out / "submission.json").read_text())
    # `best`: the one-standard-error rule itself (submission.choose, unit-tested), on the table the job read
    finals = [json.loads((out / "final" / m / i / "fit.json").read_text())
              for m, i in zip(means["model"], means["initializer"])]
    best = submission.choose(means.assign(final_diverged=[f["diverged"] for f in finals],
                                          hidden_units=means["model"].map({"linear": 0, "mlp": 8})), "best")
    assert (choice["model"], choice["initializer"], choice["chosen_by"]) == (best["model"], best["initializer"],
                                                                             "one standard error")
    chosen = out / "final" / choice["model"] / choice["initializer"] / "predictions.csv"
    assert (out / "submission.csv").read_bytes() == chosen.read_bytes()
    reference = pd.read_csv(out / "reference.csv")
    assert not reference["seed_settings"].any()  # 2 folds, 3 epochs: not d2l's settings

    # changing only the learning rate reruns this study's training, aggregation and submission jobs
    house_run.update_config(house_prices={"lr": 0.5})
    assert house_run.dry_run_jobs("house_prices") == STUDY_JOBS
    # the MLP's settings reach only the mlp jobs
    house_run.update_config(house_prices={"lr": 5, "mlp": {"hidden": [4], "activation": "relu", "dropout": 0.0}})
    assert house_run.dry_run_jobs("house_prices") == {"train_fold": 4, "summarize_house_prices": 1,
                                                      "fit_final": 2, "write_submission": 1, "house_prices": 1}

    # the opt-in Kaggle target, with a stand-in `kaggle` first on PATH (the real CLI never runs here):
    # a clear failure without credentials, then the official command with them
    house_run.update_config(house_prices={"mlp": REDUCED["mlp"]})
    bin_dir, record = house_run.path.parent / "bin", house_run.path.parent / "argv.txt"
    bin_dir.mkdir()
    exe = bin_dir / "kaggle"
    exe.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {record}\necho submitted\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        mp.setenv("HOME", str(house_run.path.parent))  # no ~/.kaggle/kaggle.json there
        for key in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_CONFIG_DIR"):
            mp.delenv(key, raising=False)
        failed = house_run.run("--cores", "1", "submit_kaggle", check=False)
        log = (house_run.path / "results/logs/submit_kaggle.log").read_text()
        assert failed.returncode != 0 and "no Kaggle credentials" in log and not record.exists()
        mp.setenv("KAGGLE_USERNAME", "me")
        mp.setenv("KAGGLE_KEY", "k")
        house_run.run("--cores", "1", "submit_kaggle")
    argv = record.read_text().splitlines()
    score = f"{choice['cv_valid_log_rmse']:.4f}"
    text = f"{choice['model']} {choice['initializer']} CV {score}"
    assert argv == ["competitions", "submit", "-c", "house-prices-advanced-regression-techniques", "-f",
                    "results/house_prices/submission.csv", "-m", text]


def test_a_submission_choice_outside_the_grid_is_a_parse_time_error(workflow_copy):
    workflow_copy.update_config(house_prices={**REDUCED, "submission": {"model": "linear", "initializer": "ones"}})
    done = workflow_copy.run("-n", "house_prices", check=False)
    assert done.returncode != 0 and "house_prices.submission" in done.stdout and "not in the grid" in done.stdout


def test_an_unknown_initializer_is_rejected_by_the_schema(workflow_copy):
    workflow_copy.update_config(house_prices={**REDUCED, "initializers": ["default", "glorot"]})
    done = workflow_copy.run("-n", "house_prices", check=False)
    assert done.returncode != 0 and "glorot" in done.stdout
