"""The local GPU job limit (visible GPUs x jobs_per_gpu) and per-job torch threads, in real snakemake runs.

GPUs are faked with CUDA_VISIBLE_DEVICES: Snakemake only counts the `gpu` token, and the probe
jobs take their slots from the real allocator, so no GPU is needed.
"""

import shutil
from pathlib import Path

import pytest
from unit.infra.test_gpu_slots import max_overlap

PROBES = Path(__file__).parent / "probe.smk"


@pytest.fixture
def probe_workflow(workflow_copy, tmp_path, monkeypatch):
    shutil.copy(PROBES, workflow_copy.path / "workflow" / "rules" / "probe.smk")
    with open(workflow_copy.path / "Snakefile", "a") as snakefile:
        snakefile.write('\n\ninclude: "workflow/rules/probe.smk"\n')
    monkeypatch.setenv("INITLAB_GPU_LOCK_DIR", str(tmp_path / "locks"))
    return workflow_copy


def run_probes(wf, jobs_per_gpu, n, *args):
    """Run n GPU probe jobs; return [(device, start, end)]."""
    wf.update_config(jobs_per_gpu=jobs_per_gpu)
    targets = [f"results/probe/gpu/{i}.txt" for i in range(n)]
    wf.run("--cores", "8", *targets, *args)  # --resources takes several values: last
    rows = [(wf.path / t).read_text().split() for t in targets]
    return [(device, float(start), float(end)) for device, start, end, _ in rows]


@pytest.mark.parametrize("gpus, jobs_per_gpu", [("0,1", 1), ("0,1", 2), ("3", 2)])
def test_cores_8_runs_at_most_gpus_times_jobs_per_gpu(probe_workflow, monkeypatch, gpus, jobs_per_gpu):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", gpus)
    devices = gpus.split(",")
    limit = len(devices) * jobs_per_gpu
    rows = run_probes(probe_workflow, jobs_per_gpu, 2 * limit)
    assert max_overlap([(s, e) for _, s, e in rows]) == limit  # 8 cores, yet only `limit` at once
    for device in devices:
        on_device = [(s, e) for d, s, e in rows if d == device]
        assert on_device and max_overlap(on_device) <= jobs_per_gpu


def test_explicit_resources_flag_wins(probe_workflow, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    rows = run_probes(probe_workflow, 2, 3, "--resources", "gpu=1")
    assert max_overlap([(s, e) for _, s, e in rows]) == 1


@pytest.mark.parametrize("device, gpus, expected", [
    ("auto", "0,1", 1), ("auto", "", 0), ("cpu", "0,1", 0), ("cuda", "0", 1),
])
def test_gpu_token_per_job(probe_workflow, monkeypatch, device, gpus, expected):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", gpus)
    probe_workflow.update_config(device=device)
    out = probe_workflow.run("-n", "-p", "results/probe/gpu/0.txt").stdout
    assert f"gpu={expected}" in out


def test_torch_threads_equal_rule_threads_under_cores_8(probe_workflow):
    """--cores 8 on this machine: every job still uses exactly its rule's 1 thread, not all cores."""
    targets = [f"results/probe/threads/{i}.txt" for i in range(2)]
    probe_workflow.run("--cores", "8", *targets)
    for target in targets:
        threads, device = (probe_workflow.path / target).read_text().split()
        assert (int(threads), device) == (1, "cpu")
