"""Keep the current run as snapshot resources/snapshots/<name>/ (initlab.runs.snapshot)."""

from initlab.infra.joblog import job_log
from initlab.runs import snapshot

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    if not p["name"]:
        raise snapshot.SnapshotError("keep_run needs a name: --config snapshot=NAME (letters, digits, . _ -)")
    folder = snapshot.keep(results="results", config=p["config"], code=snapshot.code_version(p["checkout"]),
                           name=p["name"], destination=p["destination"])
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    log.info("kept the run as %s (%d files, %.1f KiB)", folder, sum(1 for f in folder.rglob("*") if f.is_file()),
             size / 1024)
