"""The local GPU job limit (visible GPUs x jobs_per_gpu), the GPU token per training rule, and per-job torch
threads, in real snakemake runs.

GPUs are faked with CUDA_VISIBLE_DEVICES or a fake `nvidia-smi`, and a CUDA build of torch with a fake
torch/version.py (the parse reads only that file): Snakemake only counts the `gpu` token, and the probe
jobs take their slots from the real allocator, so no GPU is needed.
"""

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from conftest import ROOT
from snakemake.iocontainers import ResourceList
from snakemake.resources import GroupResources, Resources
from unit.infra.test_gpu_slots import max_overlap
from unit.infra.test_gpus import GPU1, LISTING, MIG0, MIG1, NVIDIA_SMI, fake_nvidia_smi

PROBES = Path(__file__).parent / "probe.smk"


@pytest.fixture
def probe_workflow(workflow_copy, tmp_path, monkeypatch):
    """The workflow plus probe rules, its own lock directory, and an nvidia-smi that finds no driver."""
    shutil.copy(PROBES, workflow_copy.path / "workflow" / "rules" / "probe.smk")
    with open(workflow_copy.path / "Snakefile", "a") as snakefile:
        snakefile.write('\n\ninclude: "workflow/rules/probe.smk"\n')
    monkeypatch.setenv("INITLAB_GPU_LOCK_DIR", str(tmp_path / "locks"))
    no_driver = fake_nvidia_smi(tmp_path / "bin", "NVIDIA-SMI has failed: no driver\n", status=9)
    monkeypatch.setenv("PATH", f"{no_driver}:{os.environ['PATH']}")
    return workflow_copy


def torch_build(tmp_path, monkeypatch, cuda):
    """Make the parse see a torch built for CUDA `cuda` ('12.8', or None: CPU-only): a torch/version.py
    first on PYTHONPATH. For dry runs only: a job importing torch would get this empty package."""
    package = tmp_path / "fake-torch" / "torch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "version.py").write_text(f"from typing import Optional\ncuda: Optional[str] = {cuda!r}\n")
    monkeypatch.setenv("PYTHONPATH", str(package.parent))


def run_probes(wf, jobs_per_gpu, n, *args):
    """Run n GPU probe jobs; return [(device, start, end)]."""
    wf.update_config(jobs_per_gpu=jobs_per_gpu, device="cuda")
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


def test_mig_slices_from_nvidia_smi_are_devices_of_their_own(probe_workflow, monkeypatch, tmp_path):
    """No CUDA_VISIBLE_DEVICES: nvidia-smi lists 2 MIG slices and 2 whole GPUs, so 4 jobs run at once."""
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setenv("PATH", f"{fake_nvidia_smi(tmp_path / 'gpus', NVIDIA_SMI)}:{os.environ['PATH']}")
    rows = run_probes(probe_workflow, 1, 8)
    assert max_overlap([(s, e) for _, s, e in rows]) == 4
    devices = [device for gpu in LISTING for device in (gpu[1] or [gpu[0]])]
    assert {d for d, _, _ in rows} == set(devices) and {MIG0, MIG1, GPU1} <= set(devices)
    assert all(max_overlap([(s, e) for d, s, e in rows if d == device]) == 1 for device in devices)


def test_explicit_resources_flag_wins(probe_workflow, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    rows = run_probes(probe_workflow, 2, 3, "--resources", "gpu=1")
    assert max_overlap([(s, e) for _, s, e in rows]) == 1


def test_jobs_n_beside_cores_on_a_local_run_keeps_the_gpu_limit(probe_workflow, monkeypatch):
    """`--jobs N` with `--cores` (e.g. a profile's `jobs:`) sets Snakemake's node count; the limit once
    stepped aside then. A job started beyond the slots would fail at once (INITLAB_GPU_WAIT=0)."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    monkeypatch.setenv("INITLAB_GPU_WAIT", "0")
    probe_workflow.update_config(jobs_per_gpu=1, device="cuda")
    targets = [f"results/probe/gpu/{i}.txt" for i in range(4)]
    probe_workflow.run("--cores", "8", "--jobs", "8", *targets)
    rows = [(probe_workflow.path / t).read_text().split() for t in targets]
    assert max_overlap([(float(start), float(end)) for _, start, end, _ in rows]) == 2


def test_the_limit_is_local_in_scope_so_cluster_jobs_are_not_counted(probe_workflow, monkeypatch):
    """The executor is unknown at parse time: the limit is scoped local, which Snakemake tallies for jobs
    run on this machine and not for jobs it submits (its own Job._get_scheduler_resources)."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    with open(probe_workflow.path / "Snakefile", "a") as snakefile:
        snakefile.write('\ngpu = workflow.global_resources.get("gpu")\n'
                        'print("gpu limit:", gpu and gpu.value, workflow.resource_scopes.get("gpu"))\n')
    probe_workflow.update_config(jobs_per_gpu=2, device="cuda")
    assert "gpu limit: 4 local" in probe_workflow.run("-n", "results/probe/gpu/0.txt").stdout
    explicit = probe_workflow.run("-n", "results/probe/gpu/0.txt", "--resources", "gpu=1").stdout
    assert "gpu limit: 1 None" in explicit  # the user's own limit, scoped as Snakemake scopes it (global)
    from snakemake.jobs import Job
    from snakemake.resources import ResourceScopes

    def tallied(local_exec, is_local):
        workflow = SimpleNamespace(local_exec=local_exec, resource_scopes=ResourceScopes(gpu="local"))
        job = SimpleNamespace(_scheduler_resources=None, dag=SimpleNamespace(workflow=workflow), is_local=is_local,
                              resources={"gpu": 1, "_cores": 1})
        return Job._get_scheduler_resources(job)

    assert tallied(local_exec=True, is_local=False)["gpu"] == 1  # a local run: counted against the limit
    assert "gpu" not in tallied(local_exec=False, is_local=False)  # a job submitted to a cluster: not counted


@pytest.mark.parametrize("device, gpus, cuda, gpu_rules, expected", [
    ("auto", "0,1", "12.8", None, 1),
    ("auto", "0,1", None, None, 0),  # a CPU-only torch build: no token, the job runs on the CPU
    ("auto", "", "12.8", None, 0),
    ("cpu", "0,1", "12.8", None, 0),
    ("cuda", "0", None, None, 1),  # asked for: e.g. a SLURM login node parses, the GPU node runs
    ("cuda", "", None, None, 1),  # no GPU here, no limit that would lower the token (a SLURM login node)
    ("cuda", "0", "12.8", ["train_optimizer"], 0),  # the probe is placed like train_initializer
])
def test_gpu_token_per_job(probe_workflow, monkeypatch, tmp_path, device, gpus, cuda, gpu_rules, expected):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", gpus)
    torch_build(tmp_path, monkeypatch, cuda)
    probe_workflow.update_config(device=device, **({"gpu_rules": gpu_rules} if gpu_rules is not None else {}))
    out = probe_workflow.run("-n", "-p", "results/probe/gpu/0.txt").stdout
    assert f"gpu={expected}" in out


def test_default_placement_gives_fashion_runs_a_gpu_and_house_fits_the_cpu(probe_workflow, monkeypatch, tmp_path):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    torch_build(tmp_path, monkeypatch, "12.8")
    out = probe_workflow.run("-n", "results/initializers/runs/default/seed0.json",
                             "results/house_prices/folds/linear/default/fold1.json").stdout
    jobs = {block.split(":")[0]: block for block in out.split("rule ")[1:]}
    assert "gpu=1" in jobs["train_initializer"] and "gpu=0" in jobs["train_fold"]


def test_torch_threads_equal_rule_threads_under_cores_8(probe_workflow):
    """--cores 8 on this machine: every job still uses exactly its rule's 1 thread, not all cores."""
    targets = [f"results/probe/threads/{i}.txt" for i in range(2)]
    probe_workflow.run("--cores", "8", *targets)
    for target in targets:
        threads, device = (probe_workflow.path / target).read_text().split()
        assert (int(threads), device) == (1, "cpu")


@pytest.mark.slow
def test_gpu_settings_rerun_only_the_jobs_they_change(workflow_copy):
    """Precision and placement are params of the GPU rules only; jobs_per_gpu is scheduling and reruns nothing."""
    wf = workflow_copy
    wf.update_config(house_prices={"epochs": 2}, initializers={"train_samples": 500, "epochs": 1, "seeds": [0]})
    targets = ["results/house_prices/folds/linear/default/fold1.json", "results/initializers/runs/default/seed0.json"]
    wf.run(*targets)
    fold = json.loads((wf.path / targets[0]).read_text())
    assert fold["provenance"]["matmul_precision"] == "highest" and fold["provenance"]["device"] == "cpu"
    for change, rerun in [("matmul_precision=high", {"train_initializer": 1}),
                          ("device=cpu", {"train_initializer": 1}),
                          ("gpu_rules=[train_fold]", {"train_fold": 1, "train_initializer": 1}),
                          ("jobs_per_gpu=5", {})]:
        assert wf.dry_run_jobs(*targets, "--config", change) == rerun, change


def slurm_group(job_resources, jobs, cores):
    """What Snakemake asks SLURM for when `jobs` jobs with `job_resources` form one group job under
    `--cores cores`: the group's resources (Snakemake's own layering) and the plugin's GPU flags."""
    set_gres_string = pytest.importorskip(
        "snakemake_executor_plugin_slurm.utils",
        reason="needs the SLURM plugin, the [slurm] extra: pip install -r requirements/slurm.txt -e '.[slurm]'",
    ).set_gres_string
    members = [SimpleNamespace(pipe_group=None, resources=job_resources) for _ in range(jobs)]
    group = GroupResources.basic_layered([members], constraints=Resources.from_mapping({"_cores": cores}),
                                         run_local=False, additive_resources=["runtime"], sortby=["runtime"])
    return group, set_gres_string(SimpleNamespace(resources=ResourceList(fromdict=group))).strip()


def test_the_grouped_slurm_profile_asks_one_gpu_for_a_group_of_training_jobs():
    """workflow/profiles/slurm-gpu-groups over workflow/profiles/slurm: one sbatch --gres=gpu:1 for
    `group-components` jobs, run `cores` (= jobs_per_gpu) at a time. Checked with Snakemake's and the
    SLURM plugin's own code; not run on a SLURM cluster with GPUs."""
    profiles = ROOT / "workflow" / "profiles"
    base = yaml.safe_load((profiles / "slurm" / "config.yaml").read_text())
    grouped = yaml.safe_load((profiles / "slurm-gpu-groups" / "config.yaml").read_text())
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    (name,) = set(grouped["groups"].values())
    assert sorted(grouped["groups"]) == sorted(config["gpu_rules"]) == sorted(grouped["set-resources"])
    assert grouped["cores"] == config["jobs_per_gpu"]
    jobs, cores = grouped["group-components"][name], grouped["cores"]
    for rule, resources in grouped["set-resources"].items():
        job = {**base["default-resources"], "cpus_per_task": 1, "_cores": 1, "_nodes": 1, **resources}
        group, flags = slurm_group(job, jobs, cores)
        assert flags == "--gres=gpu:1", rule
        layers = -(-jobs // cores)  # jobs run `cores` at a time, so the time limit adds up layer by layer
        assert (group["cpus_per_task"], group["runtime"]) == (cores, layers * base["default-resources"]["runtime"])
        # without the profile's override, the rules' own tokens (gpu=1 each) would add up to several GPUs
        assert slurm_group({**job, "gpu": 1, "gres": None}, jobs, cores)[1] == f"--gpus={cores}"
