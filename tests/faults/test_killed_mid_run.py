"""Killed mid-run: SIGKILL a job, or the snakemake process, in the middle of a run.

The data stage is used here with a download held by the local server, so the kill lands while a job is
provably running and another has provably finished. Finished outputs must keep their bytes and mtimes,
and the recovery must rerun only the unfinished work.
"""

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from initlab.data.fetch import verify_file

from faults.conftest import HOUSE, hold_download, reduced_initializers

HELD, OTHER = "kaggle_house_pred_test.csv", "kaggle_house_pred_train.csv"


def start(wf, *args, cores=2):
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores), *args]
    return subprocess.Popen(cmd, cwd=wf.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def job_processes(proc, script):
    """The running job processes (python, running workflow/scripts/<script>) under snakemake `proc`."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    jobs = []
    for child in children:
        try:
            if child.name().startswith("python") and any(arg.endswith(f".{script}") for arg in child.cmdline()):
                jobs.append(child)
        except psutil.NoSuchProcess:
            pass
    return jobs


def wait_for(condition, what, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def fingerprint(wf, paths):
    """sha256 and mtime of each path: a finished output must keep both."""
    return {p: (hashlib.sha256((wf.path / p).read_bytes()).hexdigest(), os.stat(wf.path / p).st_mtime_ns)
            for p in paths}


def incomplete(wf):
    """Outputs Snakemake has marked incomplete (it clears the mark when it records a job as finished)."""
    marks = wf.path / ".snakemake" / "incomplete"
    return {base64.b64decode(m.name).decode() for m in marks.iterdir()} if marks.exists() else set()


def recorded(wf, output):
    """Snakemake has recorded the job of `output` as finished: the file exists and is no longer marked
    incomplete. Its script's process ending is not enough: Snakemake then touches the output (a new
    mtime) before it records the job."""
    return (wf.path / output).exists() and output not in incomplete(wf)


def run_until_one_job_held(wf, server):
    """Start snakemake for HOUSE; return it once OTHER's fetch is recorded as finished and HELD's is waiting."""
    proc = start(wf, HOUSE)
    assert server.held.wait(120), "the held download never started"
    wait_for(lambda: recorded(wf, f"results/data/raw/{OTHER}"), "the other fetch job to be recorded as finished")
    assert len(job_processes(proc, "fetch_file.py")) == 1  # the held one
    return proc


def test_a_killed_job_fails_the_run_and_only_it_reruns(offline, http_server):
    hold_download(offline, http_server, HELD, timeout=120)
    proc = run_until_one_job_held(offline, http_server)
    finished = fingerprint(offline, [f"results/data/raw/{OTHER}"])
    (job,) = job_processes(proc, "fetch_file.py")
    job.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "Error in rule fetch_file" in out and f"wildcards: file={HELD}" in out
    assert "died with <Signals.SIGKILL: 9>" in out
    assert not (offline.path / "results/data/raw" / HELD).exists()
    # the plain next run plans only the killed job and what depends on it, and finishes
    assert offline.dry_run_jobs(HOUSE) == {"fetch_file": 1, "prepare_house_prices": 1}
    offline.run(HOUSE)
    assert fingerprint(offline, finished) == finished
    verify_file(offline.path / "results/data/raw" / HELD, offline.config["data"]["files"][HELD]["checksum"])


def test_a_killed_snakemake_recovers_with_the_plain_command_after_unlock(offline, http_server):
    hold_download(offline, http_server, HELD, timeout=120)
    proc = run_until_one_job_held(offline, http_server)
    (orphan,) = job_processes(proc, "fetch_file.py")
    os.kill(proc.pid, signal.SIGKILL)  # snakemake only, as `kill -9 <pid>` or the OOM killer would
    proc.wait(60)
    proc.stdout.close()  # the orphan still holds the pipe's other end: do not read to EOF
    assert orphan.is_running()
    # the orphaned job outlives snakemake: it finishes its download and renames a verified file into place
    http_server.release.set()
    orphan.wait(120)
    held = offline.path / "results/data/raw" / HELD
    verify_file(held, offline.config["data"]["files"][HELD]["checksum"])

    # 1. the plain rerun meets the dead run's lock, which names --unlock
    done = offline.run(HOUSE, check=False)
    assert done.returncode != 0 and "Error: Directory cannot be locked." in done.stdout
    assert "It can be removed with the --unlock argument." in done.stdout
    # 2. unlock, then the plain command: the default profile reruns the incomplete jobs and the run finishes
    offline.run("--unlock")
    done = offline.run(HOUSE)
    assert "rule fetch_file" in done.stdout and f"wildcards: file={HELD}" in done.stdout  # the job that was running
    assert offline.dry_run_jobs(HOUSE) == {}
    verify_file(held, offline.config["data"]["files"][HELD]["checksum"])


def test_a_second_run_while_the_dead_runs_job_still_runs_starts_nothing(offline, http_server):
    """Recovery cannot double-run: while a killed snakemake's job still runs, a second run is refused
    with the advice to check for the old run, so no job runs twice at once; once the orphan is done,
    --unlock and the plain command finish the run and nothing finished is lost."""
    hold_download(offline, http_server, HELD, timeout=120)
    proc = run_until_one_job_held(offline, http_server)
    finished = fingerprint(offline, [f"results/data/raw/{OTHER}"])
    (orphan,) = job_processes(proc, "fetch_file.py")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(60)
    proc.stdout.close()
    assert orphan.is_running()

    second = offline.run(HOUSE, check=False)  # the orphan still holds its download
    assert second.returncode != 0 and "Error: Directory cannot be locked." in second.stdout
    assert "make sure the old run is gone" in second.stdout and "squeue --me" in second.stdout
    assert orphan.is_running() and http_server.requests.count(HELD) == 1  # no second fetch started

    http_server.release.set()  # the orphan finishes its atomic write
    orphan.wait(120)
    offline.run("--unlock")
    offline.run(HOUSE)
    assert fingerprint(offline, finished) == finished
    verify_file(offline.path / "results/data/raw" / HELD, offline.config["data"]["files"][HELD]["checksum"])
    assert offline.dry_run_jobs(HOUSE) == {}


# ---- training: the initializer study, 2 initializers x 2 seeds, one job per initializer, one at a time ----

RUNS = [f"results/initializers/runs/{i}/seed{s}.json" for i in ("normal", "default") for s in (0, 1)]


def start_training(wf):
    """One core: the first initializer's job finishes (both seeds) before the second one starts."""
    reduced_initializers(wf, seeds=[0, 1], epochs=3, train_samples=10000)
    return start(wf, *RUNS, cores=1)


def jobs_for(runs):
    """How many train_initializer jobs make `runs`: one per initializer."""
    return len({Path(run).parent.name for run in runs})


def training_job_mid_run(wf, proc):
    """Wait until Snakemake has recorded one run as finished and a training job is past its imports
    (2 s of CPU); return that job."""

    def busy():
        for job in job_processes(proc, "train_initializer.py"):
            try:
                if sum(job.cpu_times()[:2]) > 2.0:
                    return job
            except psutil.NoSuchProcess:
                pass
        return None

    wait_for(lambda: any(recorded(wf, run) for run in RUNS) and busy(), "a finished run and a busy job", 300)
    return busy()


def test_a_killed_training_job_reruns_alone(prepared):
    proc = start_training(prepared)
    while True:  # a job may finish between being seen busy and the signal: then take the next one
        try:
            training_job_mid_run(prepared, proc).send_signal(signal.SIGKILL)
            break
        except psutil.NoSuchProcess:
            pass
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode != 0 and "Error in rule train_initializer" in out
    assert "died with <Signals.SIGKILL: 9>" in out
    finished = [run for run in RUNS if (prepared.path / run).exists()]
    assert len(finished) == 2 and jobs_for(finished) == 1  # the first job's two seeds; the killed job left none
    before = fingerprint(prepared, finished)
    # the plain next run: only the killed job
    assert prepared.dry_run_jobs(*RUNS) == {"train_initializer": 1}
    prepared.run(*RUNS)
    assert fingerprint(prepared, finished) == before
    for run in RUNS:
        assert json.loads((prepared.path / run).read_text())["diverged"] is False


def test_a_killed_snakemake_during_training_recovers(prepared):
    proc = start_training(prepared)
    training_job_mid_run(prepared, proc)
    orphans = job_processes(proc, "train_initializer.py")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(60)
    proc.stdout.close()
    marked = incomplete(prepared)
    finished = [run for run in RUNS if (prepared.path / run).exists() and run not in marked]
    assert finished and marked, (finished, marked)
    before = fingerprint(prepared, finished)
    for orphan in orphans:  # running jobs outlive snakemake and finish their (atomic) writes
        try:
            orphan.wait(300)
        except psutil.NoSuchProcess:
            pass
    prepared.run("--unlock")
    expected = jobs_for(run for run in RUNS if run not in finished)  # the job that was running
    assert prepared.dry_run_jobs(*RUNS) == {"train_initializer": expected}  # the plain command reruns it
    prepared.run(*RUNS)
    assert fingerprint(prepared, finished) == before
    assert prepared.dry_run_jobs(*RUNS) == {}
