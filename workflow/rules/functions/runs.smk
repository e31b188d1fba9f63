# Input functions of the run-keeping rules (runs.smk). They read results/ and the snapshot folders at
# parse time, so a missing or foreign snapshot stops the run before any job starts, with nothing under
# results/ touched.

from initlab.runs import snapshot as snapshots

SNAPSHOTS = "resources/snapshots"  # where keep_run keeps a run, beside results/


def current_run_files(wildcards):
    """The current run's files a snapshot keeps: its summary tables and per-job results, as far as they exist."""
    files = snapshots.run_files("results")
    return [*files["tables"], *(path for paths in files["runs"].values() for path in paths)]


def snapshot_files(path):
    """Every file of the snapshot at `path`, after reading all of it as untrusted input (snapshot.read): a
    crafted or broken snapshot is a SnapshotError here, at parse time, before any job runs."""
    snapshots.read(path)
    return list(snapshots.files(path).values())


def baseline_files(wildcards):
    if not config["baseline"]:
        raise snapshots.SnapshotError(
            "compare_runs needs a baseline: --config baseline=resources/snapshots/NAME (a folder keep_run wrote)"
        )
    return snapshot_files(config["baseline"])


def compared_files(wildcards):
    """The run compared with the baseline: the snapshot `current` when given, else results/."""
    return snapshot_files(config["current"]) if config["current"] else current_run_files(wildcards)
