"""A reduced workflow through a real SLURM controller gives the same results as a local run.

Opt-in: needs INITLAB_SLURM=1 and a running single-node SLURM with two (fake) GPUs.
`.ci/slurm.sh` (as root) sets one up, runs this file and stops the daemons.
"""

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

PROBES = Path(__file__).parent / "probe.smk"
# The reduced configuration: the data stage (local rules under SLURM) and two torch jobs that configure
# their threads (SLURM jobs).
# Point TARGETS at small training targets (and CONFIG at a reduced study config) as they land.
TARGETS = ["data", "results/probe/threads/0.txt", "results/probe/threads/1.txt"]
CONFIG = {}
# The plugin's flags for a cluster without an accounting database (sacct has no data there).
# Status polls start after 1 s and back off by 10 s while nothing finishes: our jobs take seconds,
# so a short first wait saves a poll per wave of jobs (the default is 40 s).
SLURM_FLAGS = ["--profile", "workflow/profiles/slurm", "--slurm-status-command", "squeue",
               "--slurm-no-account", "--slurm-init-seconds-before-status-checks", "1"]
IGNORED_KEYS = {"seconds"}  # wall times differ run to run


def slurm_state():
    try:
        return subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


pytestmark = [
    pytest.mark.skipif(os.environ.get("INITLAB_SLURM") != "1",
                       reason="opt-in: set INITLAB_SLURM=1 with a running SLURM (.ci/slurm.sh does both, as root)"),
    pytest.mark.skipif(importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
                       reason="the SLURM plugin is not installed, the [slurm] extra: "
                              "pip install -r requirements/slurm.txt -e '.[slurm]'"),
    pytest.mark.skipif(os.environ.get("INITLAB_SLURM") == "1" and slurm_state() not in ("idle", "mix"),
                       reason="INITLAB_SLURM=1 but no idle SLURM node (sinfo -h -o %t); start the daemons"),
    pytest.mark.slow,
]


def jobs_by_place(out):
    """{"local": rules, "slurm": rules} of the jobs in a run's output: Snakemake announces a job that runs
    on the submitting host (`localrule: True`, or a rule without a job to run) as `localrule <name>:`."""
    places = {"local": set(), "slurm": set()}
    for local, name in re.findall(r"^(local)?rule (\w+):$", out, re.M):
        places["local" if local else "slurm"].add(name)
    return places


def digest(path):
    """Content digest that ignores what may legitimately differ: zip timestamps, wall times."""
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as arrays:
            parts = {name: hashlib.sha256(arrays[name].tobytes() + str(arrays[name].dtype).encode()
                                          + str(arrays[name].shape).encode()).hexdigest() for name in arrays}
        return json.dumps(parts, sort_keys=True)
    if path.suffix == ".json":
        return json.dumps(_strip(json.loads(path.read_text())), sort_keys=True)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in IGNORED_KEYS}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def result_digests(root):
    results = root / "results"
    return {str(p.relative_to(results)): digest(p) for p in sorted(results.rglob("*"))
            if p.is_file() and p.relative_to(results).parts[0] != "logs"}


@pytest.fixture
def probe_workflow(workflow_copy, tmp_path, monkeypatch):
    shutil.copy(PROBES, workflow_copy.path / "workflow" / "rules" / "probe.smk")
    with open(workflow_copy.path / "Snakefile", "a") as snakefile:
        snakefile.write('\n\ninclude: "workflow/rules/probe.smk"\n')
    workflow_copy.update_config(**CONFIG)
    monkeypatch.setenv("INITLAB_GPU_LOCK_DIR", str(tmp_path / "locks"))
    return workflow_copy


def test_slurm_run_matches_local_run(probe_workflow):
    wf = probe_workflow
    wf.run(*TARGETS)
    local = result_digests(wf.path)
    assert "data/fashion_mnist/train.npz" in local and "probe/threads/0.txt" in local

    shutil.rmtree(wf.path / "results")
    shutil.rmtree(wf.path / ".snakemake")
    out = wf.run(*SLURM_FLAGS, *TARGETS, timeout=600).stdout
    assert result_digests(wf.path) == local
    # the fetches and the torch-free preparations run on the submitting host; only torch jobs are sbatch jobs
    assert jobs_by_place(out) == {"local": {"fetch_file", "prepare_house_prices", "prepare_fashion_mnist", "data"},
                                  "slurm": {"probe_threads"}}
    assert out.count("has been submitted with SLURM jobid") == 2


def test_gpu_job_gets_a_slurm_gpu(probe_workflow):
    """`resources: gpu=1` becomes `sbatch --gpus=1`; the job sees the GPU SLURM gave it."""
    target = "results/probe/gpu/0.txt"
    out = probe_workflow.run(*SLURM_FLAGS, "--config", "device=cuda", "--", target, timeout=300).stdout
    assert "has been submitted with SLURM jobid" in out
    device, _, _, visible = (probe_workflow.path / target).read_text().split()
    assert (device, visible) == ("0", "0")  # SLURM's GPU 0 of this job, and the slot on it
