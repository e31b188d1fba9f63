"""Runs side by side: `snakemake -s WORKFLOW/Snakefile --directory DIR` finds the workflow's config,
scripts, package, templates and data mirror from the workflow folder and writes only under DIR."""

import subprocess
import sys

import pandas as pd
import pytest
import yaml

TARGETS = ["results/linear_regression/summary.csv", "results/data/house_prices/summary.json"]


def snakemake(*args, cwd):
    """Start snakemake in `cwd` (stdout and stderr merged); the caller waits."""
    return subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process, timeout=300):
    out, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, out[-6000:]
    return out


@pytest.mark.slow
def test_two_configurations_run_at_once_in_two_directories(workflow_copy, tmp_path):
    wf = workflow_copy.path
    snakefile = str(wf / "Snakefile")
    runs = {"a": dict(b=4.2, epochs=3), "b": dict(b=-1.0, epochs=2)}
    # the mirror or nothing: a URL on 127.0.0.1:1 (closed) if the mirror were not found
    offline = {name: dict(url=f"http://127.0.0.1:1/{name}") for name in workflow_copy.config["data"]["files"]}
    for name, settings in runs.items():
        (tmp_path / name).mkdir()
        # only the keys that differ: --configfile is merged over the workflow's config.yaml
        overrides = dict(linear_regression=dict(examples=200, **settings), data=dict(retries=0, files=offline))
        (tmp_path / name / "config.yaml").write_text(yaml.safe_dump(overrides))
    # run a: --directory and --configfile relative to where snakemake starts; run b: absolute paths
    started = [
        snakemake(*TARGETS, "-s", snakefile, "--directory", "a", "--configfile", "a/config.yaml", cwd=tmp_path),
        snakemake(*TARGETS, "-s", snakefile, "--directory", str(tmp_path / "b"), "--configfile",
                  str(tmp_path / "b" / "config.yaml"), cwd=wf.parent),
    ]
    for process in started:
        finish(process)

    for name, settings in runs.items():
        results = tmp_path / name / "results"
        table = pd.read_csv(results / "linear_regression" / "summary.csv").set_index("method")
        # each directory's own settings: its bias recovered in closed form, its number of epochs
        assert abs(table.loc["closed_form", "b_hat"] - settings["b"]) < 0.01
        assert sum(c.startswith("loss_epoch_") for c in table.columns) == settings["epochs"]
        # the data files came from the workflow's committed mirror, found from DIR
        log = (results / "logs" / "fetch_file" / "kaggle_house_pred_train.csv.log").read_text()
        assert "verified" in log and "from ../wf/resources/mirror/kaggle_house_pred_train.csv" in log
        assert (results / "data" / "house_prices" / "features.npz").is_file()
    assert not (wf / "results").exists() and not (wf / ".snakemake").exists()

    # the report lands in DIR and carries the workflow's captions (found beside the rule files)
    finish(snakemake(TARGETS[0], "-s", snakefile, "--directory", "a", "--configfile", "a/config.yaml",
                     "--report", "results/report.html", cwd=tmp_path))
    assert "fitted three ways" in (tmp_path / "a" / "results" / "report.html").read_text()

    # the study pages' templates (and the package modules they import) are found from DIR too
    pages = finish(snakemake("notebooks", "-n", "-s", snakefile, "--directory", "b", "--quiet", "rules", cwd=tmp_path))
    assert "render_notebook" in pages

    # the code trigger holds from DIR too: nothing to do, until a package module the fit imports changes
    dry = [*TARGETS, "-n", "-s", snakefile, "--directory", "a", "--configfile", "a/config.yaml"]
    assert "Nothing to be done" in finish(snakemake(*dry, cwd=tmp_path))
    module = wf / "workflow" / "initlab" / "studies" / "linear_regression" / "fit.py"
    module.write_text(module.read_text() + "\n# edited\n")
    out = finish(snakemake(*dry, "--quiet", "rules", cwd=tmp_path))
    assert "fit_linear_regression" in out and "prepare_house_prices" not in out


def test_a_dry_run_in_the_workflow_folder_is_unchanged(workflow_copy):
    # the workflow's own config.yaml, relative code inputs and mirror: the usual plain run
    assert workflow_copy.dry_run_jobs("linear_regression", "data") == {
        "fetch_file": 6, "prepare_house_prices": 1, "prepare_fashion_mnist": 1, "data": 1,
        "fit_linear_regression": 1, "linear_regression": 1,
    }
