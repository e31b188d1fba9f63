"""initlab used as a Snakemake module from another project (docs/operations.md#using-initlab-as-a-module).

A scratch project writes the few lines the docs show (`module initlab: snakefile: ...`, `config: config`,
`use rule * from initlab as initlab_*`), runs the quick configuration with `snakemake --cores 2` in its own
folder and gets every study page and table there; the checkout gets nothing.
"""

import re
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from conftest import ROOT

PAGES = {  # page: a heading of its template, which the rendered page must show
    "overview": None, "data": "Data: what every experiment trains on",
    "house_prices": "Kaggle House Prices: k-fold cross-validation and a submission",
    "initializers": "Weight initialization on Fashion-MNIST", "stability": None,
    "gradient_check": "Gradient check and sanity checks", "linear_regression": "Linear regression from scratch",
    "optimizers": "Optimizers and learning-rate schedules on Fashion-MNIST", "search": None,
}

CALLER = """\
configfile: "{checkout}/config.yaml"
configfile: "{checkout}/quick.yaml"
configfile: "offline.yaml"


module initlab:
    snakefile:
        "{checkout}/Snakefile"
    config:
        config


use rule * from initlab as initlab_*


onstart:
    initlab.check_gpu_groups()  # a module's own onstart: is not run
"""


def project(tmp_path, checkout):
    """A fresh project folder beside the checkout; every data file from the checkout's mirror or nowhere
    (a URL on 127.0.0.1:1, closed)."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "Snakefile").write_text(CALLER.format(checkout=checkout))
    files = yaml.safe_load((checkout / "config.yaml").read_text())["data"]["files"]
    offline = {"data": {"retries": 0, "files": {name: {"url": f"http://127.0.0.1:1/{name}"} for name in files}}}
    (folder / "offline.yaml").write_text(yaml.safe_dump(offline))
    return folder


def snakemake(*args, cwd, timeout=1500, check=True):
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=cwd, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    assert done.returncode == 0 or not check, done.stdout[-6000:]
    return done.stdout


def test_the_module_parses_from_a_fresh_folder(workflow_copy, tmp_path):
    """Cheap half of the slow test below: the parse that used to fail on <caller>/workflow/report/entries.yaml."""
    checkout = workflow_copy.path
    (checkout / "quick.yaml").write_text((ROOT / "quick.yaml").read_text())
    out = snakemake("-n", "--quiet", "rules", cwd=project(tmp_path, checkout))
    assert re.search(r"^initlab_render_notebook\s+9$", out, re.M), out[-3000:]
    assert "localrules directive specifies rules that are not present" not in out  # names follow the module's
    # the project's onstart runs the module's check of grouped GPU rules, under the names they have there
    grouped = snakemake("results/data/raw/train-labels-idx1-ubyte.gz", "--cores", "3", "--groups",
                        "initlab_train_initializer=gpu", cwd=tmp_path / "project", check=False)
    assert "the GPU rules initlab_train_initializer run in groups, 3 side by side per GPU" in grouped, grouped[-3000:]
    assert not (tmp_path / "project" / "results" / "data" / "raw").exists()  # refused before any job


@pytest.mark.slow  # the whole quick configuration, about 60 jobs
def test_a_project_using_initlab_as_a_module_runs_the_quick_configuration(workflow_copy, tmp_path):
    checkout = workflow_copy.path
    (checkout / "quick.yaml").write_text((ROOT / "quick.yaml").read_text())
    folder = project(tmp_path, checkout)
    out = snakemake(cwd=folder)  # the default target: the module's `all`
    assert "initlab_all" in out and "initlab_train_fold" in out

    results = folder / "results"
    for page, heading in PAGES.items():
        html = (results / "notebooks" / f"{page}.html").read_text()
        assert heading is None or heading in html, page
        assert "Traceback" not in html, page
    quick = yaml.safe_load((ROOT / "quick.yaml").read_text())["house_prices"]
    cv = pd.read_csv(results / "house_prices" / "cv_summary.csv")
    # quick.yaml's grid (1 model x 2 initializers x 2 folds), not config.yaml's
    assert len(cv) == len(quick["models"]) * len(quick["initializers"]) * quick["folds"]
    assert set(cv["fold"]) == set(range(1, quick["folds"] + 1)) and set(cv["initializer"]) == set(quick["initializers"])
    assert cv["valid_log_rmse"].between(0, 20).all()
    regression = pd.read_csv(results / "linear_regression" / "summary.csv").set_index("method")
    closed = regression.loc["closed_form"]
    assert closed["b_hat"] == pytest.approx(yaml.safe_load((checkout / "config.yaml").read_text())
                                            ["linear_regression"]["b"], abs=0.05)
    # the data came from the checkout's committed mirror, found from the project folder
    log = (results / "logs" / "fetch_file" / "kaggle_house_pred_train.csv.log").read_text()
    assert "verified" in log and "from ../wf/resources/mirror/kaggle_house_pred_train.csv" in log
    # everything the run wrote is the project's: the checkout holds no results or Snakemake records
    assert not (checkout / "results").exists() and not (checkout / ".snakemake").exists()
    # and a second run has nothing to do (the code inputs, relative to the project, are stable)
    assert "Nothing to be done" in snakemake("-n", cwd=folder)
