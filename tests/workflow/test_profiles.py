"""The settings Snakemake resolves from this checkout's profiles, read through Snakemake's own argument
parsing (snakemake.cli.parse_args, run in the checkout so that it finds profiles/default by itself), and
what the software-environment setting means for a conda job."""

import importlib.util
import sys

import pytest
import yaml
from conftest import ROOT
from snakemake import cli
from snakemake.deployment import conda
from snakemake.shell import shell
from snakemake_interface_executor_plugins.registry import ExecutorPluginRegistry

SLURM = ["--profile", "workflow/profiles/slurm"]
GROUPED = [*SLURM, "--workflow-profile", "workflow/profiles/slurm-gpu-groups"]
RUNS = {"plain": ["--cores", "8"], "slurm": SLURM, "grouped": GROUPED}


def resolved(monkeypatch, argv):
    """The arguments Snakemake would run with for `snakemake ARGV` started in the checkout."""
    monkeypatch.chdir(ROOT)
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        # Without the [slurm] extra argparse refuses `executor: slurm`; name the local plugin "slurm"
        # so that the profiles still go through Snakemake's own merging (no --slurm-* flag is used).
        plugins = ExecutorPluginRegistry().plugins
        monkeypatch.setitem(plugins, "slurm", plugins["local"])
    return cli.parse_args(list(argv))[1]


@pytest.mark.parametrize("run", RUNS)
def test_every_run_keeps_the_default_profile(monkeypatch, run):
    """Recovery and the conda search path hold in every documented run, also where a workflow profile
    replaces profiles/default."""
    args = resolved(monkeypatch, RUNS[run])
    default = yaml.safe_load((ROOT / "profiles" / "default" / "config.yaml").read_text())
    assert default == {"rerun-incomplete": True, "conda-not-block-search-path-envvars": True}
    assert args.rerun_incomplete is True
    assert args.conda_not_block_search_path_envvars is True


class ActivatedEnv:
    """Stands in for snakemake.deployment.conda.Conda (conda's channels are out of reach here): the
    command runs as it is, in this Python, as if the env were active; the rest is Snakemake's shell."""

    def __init__(self, *args, **kwargs):
        pass

    def shellcmd(self, env_path, cmd):
        return cmd


@pytest.mark.parametrize("blocked", [False, True], ids=["as-resolved", "snakemake-default"])
def test_a_conda_job_imports_initlab_from_the_checkout(monkeypatch, tmp_path, blocked):
    """A conda job's Python (here one without site-packages, -S, as a conda env has no initlab) imports
    the package through PYTHONPATH, which Snakemake's shell deletes unless the setting is on.
    Script jobs also get it from the script preamble (sys.path of the parsing process), but a process
    a job starts, such as the study pages' notebook kernels, has only PYTHONPATH."""
    args = resolved(monkeypatch, RUNS["plain"])
    block = not args.conda_not_block_search_path_envvars or blocked  # what Workflow.execute sets
    monkeypatch.setattr(shell, "conda_block_conflicting_envvars", block)
    monkeypatch.setattr(conda, "Conda", ActivatedEnv)
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "workflow"))  # as common.smk sets it
    monkeypatch.chdir(tmp_path)
    job = f"{sys.executable} -S -c 'import initlab; print(initlab.__file__)' > found 2> error"
    if blocked:
        with pytest.raises(Exception, match="returned non-zero exit status 1"):
            shell(job, conda_env=str(tmp_path / "env"))
        assert "ModuleNotFoundError: No module named 'initlab'" in (tmp_path / "error").read_text()
    else:
        shell(job, conda_env=str(tmp_path / "env"))
        assert (tmp_path / "found").read_text().strip() == str(ROOT / "workflow" / "initlab" / "__init__.py")


def profile(name):
    return yaml.safe_load((ROOT / "workflow" / "profiles" / name / "config.yaml").read_text())


def test_the_grouped_gpu_run_keeps_the_slurm_profiles_partitions(monkeypatch):
    """A workflow profile replaces each top-level key of --profile: set-resources as a whole. The grouped
    run still sends every job to the SLURM profile's partitions (default-resources passes through; the
    GPU rules' set-resources entries are repeated) and runs jobs_per_gpu jobs per group job."""
    args = resolved(monkeypatch, GROUPED)
    slurm = profile("slurm")
    assert args.executor == "slurm" and int(args.jobs) == slurm["jobs"] and int(args.retries) == slurm["retries"]
    assert f"slurm_partition={slurm['default-resources']['slurm_partition']}" in args.default_resources.args
    per_rule = {rule: {key: str(value.raw) for key, value in values.items()} for rule, values in args.set_resources.items()}
    for rule, values in slurm["set-resources"].items():
        for key, value in values.items():
            assert per_rule[rule][key] == str(value), (rule, key)
    assert per_rule["train_initializer"] == {"slurm_partition": "main", "gpu": "0", "gres": "gpu:1"}
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert args.groups == {rule: "fashion_gpu" for rule in config["gpu_rules"]}
    assert int(args.cores) == config["jobs_per_gpu"]


@pytest.mark.slow
def test_a_grouped_run_with_cores_other_than_jobs_per_gpu_stops_before_any_job(workflow_copy):
    """The groups profile's `cores` is a copy of jobs_per_gpu: the workflow refuses a run where they differ."""
    out = workflow_copy.run("--groups", "train_initializer=fashion_gpu", "--cores", "3", "--config",
                            "jobs_per_gpu=2", "--", "data", check=False).stdout
    assert "run in groups, 3 side by side per GPU" in out and "jobs_per_gpu is 2" in out
    assert "--cores 2 or --config jobs_per_gpu=3" in out
    assert not (workflow_copy.path / "results").exists()
    fine = workflow_copy.run("--groups", "train_initializer=fashion_gpu", "--cores", "2", "-n", "data")
    assert fine.returncode == 0
