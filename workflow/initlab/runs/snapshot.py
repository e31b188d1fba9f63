"""A kept run (a snapshot): the resolved config, the code version, the summary tables and the per-epoch curves.

Layout of a snapshot folder (LAYOUT 1):

    snapshot.json   {"layout": 1, "name", "code": {"commit", "dirty"} or null, "tables": [...], "curves": [...]}
    config.yaml     the resolved config, without the run commands' own keys (RUN_KEYS)
    tables/<path>   byte copies of the summary tables, at their path under results/
    curves/<study>.json   per-run extracts of the per-job results: keys, headline values, per-epoch curves

No models, data or figures: a snapshot is small enough to commit.
"""

import csv
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

from initlab.runs import untrusted
from initlab.runs.untrusted import SnapshotError

LAYOUT = 1  # bump when a snapshot's files or their meaning change; older snapshots are then refused
MARKER = "snapshot.json"
RUN_KEYS = ("snapshot", "baseline", "current")  # the commands' arguments, not experiment parameters

# The summary tables the studies write, by path under results/; a run keeps those it has.
TABLES = (
    "house_prices/cv_summary.csv", "house_prices/cv_mean_std.csv", "house_prices/reference.csv",
    "initializers/summary.csv", "initializers/table.csv",
    "optimizers/summary.csv",
    "search/trials.csv", "search/summary.json",
    "gradient_check/summary.csv", "gradient_check/sanity_checks/summary.csv",
    "linear_regression/summary.csv",
    "stability/demos/summary.csv", "stability/depth/summary.csv", "stability/diagnostics/summary.csv",
)

# Per-job results whose per-epoch curves the pages plot: study -> (the summary table that lists the runs, the
# path of one run under results/ from that table's columns, the fields kept). Only runs the summary lists
# are kept: results/ may still hold the files of grid points since removed from the config.
RUNS = {
    "house_prices": ("house_prices/cv_summary.csv", "house_prices/folds/{model}/{initializer}/fold{fold}.json",
                     ("model", "initializer", "fold", "diverged", "train_log_rmse", "valid_log_rmse",
                      "train_curve", "valid_curve")),
    "initializers": ("initializers/summary.csv", "initializers/runs/{initializer}/seed{seed}.json",
                     ("initializer", "seed", "diverged", "valid_accuracy", "test_accuracy", "epoch_losses")),
    "optimizers": ("optimizers/summary.csv", "optimizers/runs/{optimizer}/{schedule}/seed*.json",  # no seeds listed
                   ("optimizer", "schedule", "seed", "diverged", "final_valid_accuracy", "epoch_losses",
                    "valid_loss", "valid_accuracy")),
}


def run_files(results):
    """Paths of the current run's files that a snapshot keeps, as {"tables": [...], "runs": {study: [...]}}
    (existing ones only; csv, not pandas: the workflow calls this at parse time)."""
    results = Path(results)
    tables = [results / path for path in TABLES if (results / path).is_file()]
    runs = {}
    for study, (table, pattern, _) in RUNS.items():
        if (results / table).is_file():
            with open(results / table, newline="") as f:
                rows = list(csv.DictReader(f))
            found = dict.fromkeys(p for row in rows for p in sorted(results.glob(pattern.format(**row))))
            runs[study] = [path for path in found if path.is_file()]
    return {"tables": tables, "runs": runs}


def curves(results):
    """{study: [per-run extract]} from the per-job results under `results` that the summary tables list."""
    extracts = {}
    for study, paths in run_files(results)["runs"].items():
        fields = RUNS[study][2]
        records = [json.loads(path.read_text()) for path in paths]
        if records:
            extracts[study] = [{field: record.get(field) for field in fields} for record in records]
    return extracts


def code_version(root):
    """{"commit", "dirty"} of the git checkout at `root` (dirty: uncommitted changes to tracked files other than
    config.yaml), or None when it is not a git checkout (or git is missing)."""
    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        # tracked files only (results/ is ignored); config.yaml is left out, its keys are compared one by one
        dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)config.yaml").strip())
    except (OSError, subprocess.CalledProcessError):
        return None
    return {"commit": commit, "dirty": dirty}


def experiment_config(config):
    """The config without the run commands' own keys."""
    return {key: value for key, value in config.items() if key not in RUN_KEYS}


def keep(*, results, config, code, name, destination):
    """Write the run under `results` as snapshot `destination`/`name`; return its folder.

    The folder appears complete or not at all (written beside it, then renamed). An existing snapshot
    is never overwritten.
    """
    results, folder = Path(results), Path(destination) / name
    if folder.exists():
        raise SnapshotError(f"snapshot {folder} already exists: choose another name, or delete it first")
    files = run_files(results)
    if not files["tables"]:
        raise SnapshotError(f"{results} holds none of the summary tables {list(TABLES)}: run the workflow first")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=folder.parent))
    try:
        for path in files["tables"]:
            target = tmp / "tables" / path.relative_to(results)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        extracts = curves(results)
        for study, records in extracts.items():
            (tmp / "curves").mkdir(exist_ok=True)
            (tmp / "curves" / f"{study}.json").write_text(json.dumps(records, allow_nan=True) + "\n")
        (tmp / "config.yaml").write_text(yaml.safe_dump(experiment_config(config), sort_keys=False))
        marker = {"layout": LAYOUT, "name": name, "code": code,
                  "tables": [str(path.relative_to(results)) for path in files["tables"]], "curves": sorted(extracts)}
        (tmp / MARKER).write_text(json.dumps(marker, indent=1) + "\n")
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        os.rename(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def check(path):
    """The snapshot.json of the snapshot at `path`, or SnapshotError naming the path and what was expected."""
    path = Path(path)
    if not path.exists():
        raise SnapshotError(f"snapshot {path} does not exist: expected a folder kept by "
                            "`snakemake --cores 1 keep_run --config snapshot=NAME` (resources/snapshots/NAME)")
    marker = untrusted.locate(path, MARKER)
    if marker is None:
        raise SnapshotError(f"{path} is not a snapshot: expected {path / MARKER}, which keep_run writes")
    info = untrusted.load_json(marker, untrusted.MAX_BYTES[MARKER], {}, "a snapshot marker")
    if not isinstance(info, dict) or info.get("layout") != LAYOUT:
        found = info.get("layout") if isinstance(info, dict) else info
        raise SnapshotError(f"{path} has snapshot layout {repr(found)[:40]}; this checkout reads layout {LAYOUT} "
                            "only: keep the run again with a matching checkout")
    expected = f"the fields keep_run writes (tables among {list(TABLES)}, curves among {list(RUNS)})"
    return untrusted.load_json(marker, untrusted.MAX_BYTES[MARKER], untrusted.marker_schema(LAYOUT, TABLES, RUNS),
                               expected)


def files(path):
    """{relative name: path} of every file of the snapshot at `path`, each checked to be a regular file inside it
    (no symlink, no '..'); SnapshotError naming the missing ones when it is incomplete."""
    info, path = check(path), Path(path)
    names = [MARKER, "config.yaml", *(f"tables/{t}" for t in info["tables"]),
             *(f"curves/{s}.json" for s in info["curves"])]
    found = {name: untrusted.locate(path, name) for name in names}
    missing = [name for name, file in found.items() if file is None]
    if missing:
        raise SnapshotError(f"snapshot {path} is incomplete: {MARKER} lists {missing}, which are missing")
    return found


def read(path):
    """The snapshot at `path` as a run: {"config", "code", "tables": {path under results/: file}, "curves"}.

    Read as untrusted input (untrusted.py): every file inside the folder, through no symlink, under its size
    cap; the config without YAML aliases; the tables the comparison reads and the curves with their expected
    columns and types. Any failure is a SnapshotError naming the file and what was expected.
    """
    info, found = check(path), files(path)
    tables = {table: found[f"tables/{table}"] for table in info["tables"]}
    for table, file in tables.items():
        untrusted.check_table(file, table)
    curves = {study: untrusted.load_json(found[f"curves/{study}.json"], untrusted.MAX_BYTES["curves"],
                                         untrusted.curves_schema(study), f"a list of {study} runs with fields "
                                         f"{list(untrusted.CURVE_FIELDS[study])}") for study in info["curves"]}
    return {"config": untrusted.load_config(found["config.yaml"]), "code": info["code"], "tables": tables,
            "curves": curves}


def current(*, results, config, code):
    """The current run under `results` in the same form as `read` returns."""
    results = Path(results)
    return {"config": experiment_config(config), "code": code,
            "tables": {str(path.relative_to(results)): path for path in run_files(results)["tables"]},
            "curves": curves(results)}
