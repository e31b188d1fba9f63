# Helpers that every stage file uses (the package on the path, code inputs, data paths, report
# entries, the GPU resource); each stage's own input and params functions are in
# functions/<stage>.smk. Included first, before validate.smk: nothing here reads the config at
# include time. Outputs are relative to the working directory (`--directory`); the workflow's own
# files (config, scripts, package, templates, mirror) are found from its folder, WORKFLOW_DIR.

import functools
import inspect
import os
import sys
from urllib.parse import urlparse

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.logging import logger


def checkout_dir():
    """The checkout (Snakefile, config.yaml, workflow/, resources/), found from this file as Snakemake
    documents for modules: `workflow.current_basedir` is the folder of the file being parsed, where
    `workflow.basedir` is the main Snakefile's, the caller's when another workflow uses this one as a
    `module` (docs/operations.md#using-initlab-as-a-module). Jobs import the package from it, so it
    must be a local folder, not a remote `module` snakefile (github(...), a URL)."""
    here = workflow.current_basedir
    if not isinstance(here, os.PathLike):
        raise WorkflowError(
            f"initlab must be used from a local checkout (its jobs import the package from it), not from "
            f"{here.get_path_or_uri(secret_free=True)}: clone it and give `module: snakefile:` its local Snakefile"
        )
    return Path(here).parents[1]  # here: <checkout>/workflow/rules


WORKFLOW_DIR = checkout_dir()


def workflow_file(path):
    """`path`, relative to the workflow folder, as seen from the working directory: unchanged in the
    workflow folder, e.g. ../initlab/workflow/... from a `--directory` beside it. Relative, not absolute,
    so rule inputs keep their names when the checkout and its results move together."""
    return os.path.relpath(WORKFLOW_DIR / path)


# Jobs import the package from this checkout, the same files the code trigger tracks, even where
# an older copy is installed; so does this workflow, here and in every rule file after this one.
# PYTHONPATH reaches script jobs and cluster jobs.
PACKAGE_DIR = workflow_file("workflow/initlab")  # rule inputs
PACKAGE_ROOT = str(WORKFLOW_DIR / "workflow")
sys.path.insert(0, PACKAGE_ROOT)
os.environ.update(PYTHONPATH=os.pathsep.join(filter(None, [PACKAGE_ROOT, os.getenv("PYTHONPATH")])))

from initlab.infra import gpu_slots, gpus, parent_run
from initlab.infra.codedeps import module_files


wildcard_constraints:
    file=r"[A-Za-z0-9._-]+",


def code(script):
    """The package modules that workflow/scripts/<script> imports: rule inputs, so edits rerun the rule."""
    return list(module_files(workflow_file(f"workflow/scripts/{script}"), PACKAGE_DIR))


def data_mirrors():
    """config['data']['mirrors'] with each relative directory taken from the workflow folder (the
    committed resources/mirror), wherever the working directory is; URLs and absolute paths as given."""
    return [
        mirror if urlparse(str(mirror)).scheme or os.path.isabs(mirror) else workflow_file(mirror)
        for mirror in config["data"]["mirrors"]
    ]


def raw(name):
    """Path of a fetched data file (a key of config['data']['files'])."""
    return rules.fetch_file.output[0].format(file=name)


def file_field(field):
    """Params function: `field` of the data file named by the {file} wildcard."""

    def of_file(wildcards):
        return config["data"]["files"][wildcards.file][field]

    return of_file


REPORT_PLACES = yaml.safe_load((WORKFLOW_DIR / "workflow/report/entries.yaml").read_text())


def entry(path, caption):
    """`path` marked for `snakemake --report`: captioned by workflow/report/<caption>.rst and placed by that
    caption's category, subcategory and labels in workflow/report/entries.yaml. For the rule files in
    workflow/rules/: Snakemake reads the caption path relative to the file that defines the rule."""
    return report(path, caption=f"../report/{caption}.rst", **REPORT_PLACES[caption])


def settings(**values):
    """A rule's params, all in ONE named mapping: `params: settings=settings(lr=..., spec=params_function)`.

    Snakemake records a job's params as the *set* of their values' reprs, without their names
    (snakemake/persistence/__init__.py, Persistence._params and params_changed), so a value changed to
    one another param of the job holds, or two params swapping values, would not rerun it
    (docs/development.md#the-rerun-contract). One mapping's repr carries every name. A value may be a
    params function of the wildcards, called per job. Scripts read `snakemake.params.settings[key]`.
    """

    def of_job(wildcards):
        return {key: value(wildcards) if callable(value) else value for key, value in values.items()}

    return of_job


def unrecorded(**values):
    """Params a job needs that cannot change its outputs (network settings: the checksum fixes the bytes).

    A params function that takes `input` is derived from the input files, and Snakemake does not record
    derived params (only job.non_derived_params), so changing these reruns nothing.
    """

    def of_job(wildcards, input):
        return {key: value(wildcards) if callable(value) else value for key, value in values.items()}

    return of_job


def check_recorded_params():
    """Parse-time guard of the rerun contract: the only recorded param of a rule is the mapping
    `settings`; any other param must be derived (a function taking `input`), hence not recorded.
    Only this workflow's rules: used as a module, the caller's own rules are the caller's business."""
    ours = [each for each in workflow.rules if Path(each.snakefile).resolve().is_relative_to(WORKFLOW_DIR.resolve())]
    for each in ours:
        if len(list(each.params.keys())) != len(each.params):
            raise WorkflowError(f"{each.name}: an unnamed param; name it inside settings(...) (common.smk)")
        for name, value in each.params.items():
            if name != "settings" and not (callable(value) and "input" in inspect.signature(value).parameters):
                raise WorkflowError(
                    f"{each.name}: param {name!r} would be recorded without its name; put it in "
                    "params: settings=settings(...) (workflow/rules/common.smk)"
                )


# Rules marked `localrule: True` (jobs that import no torch, or need the network, credentials or git)
# run on the submitting host under a cluster executor (tests/workflow/test_localrules.py). Marked per
# rule: a `localrules:` list keeps its names unprefixed when a project renames the rules of a module.


def checksums(**names):
    """Map input keys to the published checksums of the data files they name."""
    return {key: config["data"]["files"][name]["checksum"] for key, name in names.items()}


def mlp_run(study):
    """The Fashion-MNIST MLP run's settings in a study's config section (classify.train_mlp's keywords)."""
    keys = ("hidden", "activation", "dropout", "batch_size", "epochs")
    return {key: study[key] for key in keys}


def final_outputs():
    """Everything `snakemake --cores 8` builds: the union of the stage targets."""
    return [
        *rules.data.input,
        *rules.initializers.input,
        *rules.stability.input,
        *rules.gradient_check.input,
        *rules.linear_regression.input,
        *rules.house_prices.input,
        *rules.optimizers.input,
        *rules.search.input,
        *rules.notebooks.input,
    ]


@functools.cache
def visible_gpus():
    """GPUs (or MIG slices) CUDA would show this process, counted with nvidia-smi, not torch (parse time
    must stay fast); cached, since every training rule asks."""
    return len(gpus.visible_devices())


def placement(name):
    """The runtime.configure params (device, float32 matmul precision) of the training rule called `name`.

    Only the rules in `gpu_rules` may use a GPU (docs/operations.md#placement); the others run on the
    CPU, in full FP32, so changing `device` or `matmul_precision` reruns only the GPU rules' jobs. Made
    from the config alone, never from this machine's GPUs: a job's params are the same wherever
    Snakemake parses the workflow (a login node, the node that runs the job).
    """
    if config["device"] == "cpu" or name not in config["gpu_rules"]:
        return {"device": "cpu", "matmul_precision": "highest"}
    return {"device": config["device"], "matmul_precision": config["matmul_precision"]}


def gpus_per_job(name):
    """The `gpu` resource of the training rule called `name`, 1 when it will run on CUDA, else 0.

    `auto` takes a token only when the installed torch is a CUDA build and a GPU is visible;
    `cuda` always does (a SLURM login node that parses the workflow usually has no GPU).
    """
    device = placement(name)["device"]
    if device == "auto":
        return int(gpus.torch_cuda_version() is not None and visible_gpus() > 0)
    return int(device == "cuda")


def limit_gpu_jobs():
    """Run at most visible GPUs x jobs_per_gpu GPU jobs at once on this machine, whatever --jobs says.

    Snakemake counts `resources: gpu=1` only against a global limit; without one it would start as
    many GPU jobs as cores allow. An explicit `--resources gpu=N` wins. The executor is not known
    while the workflow is parsed (Snakemake attaches it later, in Workflow.execute), so the limit
    does not ask which it is: it is scoped local (`resource_scopes`), and Snakemake tallies a local
    resource only for jobs that run on this machine, not for jobs it submits to a cluster. It is
    registered only where GPUs are visible, so it is never below a job's token of 1 and never lowers
    it (Snakemake caps each job's resource at the global value): a SLURM login node without GPUs, or
    a GPU node that submits, leaves the cluster's GPU jobs as they are. register_resource and
    resourcescope are the Workflow methods behind `--resources` and `resource_scopes:`, not
    documented as API (tests/workflow/test_gpu_limit.py guards both). Also hands the jobs their
    scheduling settings: jobs_per_gpu, and which run started them (gpu_slots.claim waits while it lives).
    """
    os.environ[gpu_slots.JOBS_PER_GPU_ENV] = str(config["jobs_per_gpu"])
    if not workflow.is_main_process:
        return
    os.environ[parent_run.MARKER_ENV] = parent_run.marker()
    count = visible_gpus() if config["device"] != "cpu" else 0
    if count and "gpu" not in workflow.resource_settings.resources:
        workflow.register_resource("gpu", count * config["jobs_per_gpu"])
        workflow.resourcescope(gpu="local")


def check_gpu_groups():
    """Refuse a run that groups GPU rules (workflow/profiles/slurm-gpu-groups) with `--cores` other than
    jobs_per_gpu. A group job runs `cores` jobs side by side on its one GPU: fewer would leave slots
    idle, more would wait for a slot inside the SLURM job. The profile is read before the config, so it
    holds a copy of the number, checked here when the run starts (the groups are known only then)."""
    named = [getattr(rules, name).rule.name for name in config["gpu_rules"]]  # initlab_<name> in a module
    grouped = sorted(set(named) & set(workflow.group_settings.overwrite_groups))
    cores = workflow.resource_settings.cores
    if grouped and cores != config["jobs_per_gpu"]:
        raise WorkflowError(
            f"the GPU rules {', '.join(grouped)} run in groups, {cores} side by side per GPU (--cores, "
            f"`cores:` of the groups profile), but jobs_per_gpu is {config['jobs_per_gpu']}: give both the same "
            f"value, e.g. --cores {config['jobs_per_gpu']} or --config jobs_per_gpu={cores}"
        )


onstart:
    check_gpu_groups()


LOCKED = """Another snakemake holds locks in this directory (.snakemake/locks), or one died without
releasing them. If this run stops with "Directory cannot be locked", make sure the old run is gone
before `snakemake --unlock`: `ps -ef | grep '[s]nakemake'` on the machine it was started on, and
`squeue --me` for its SLURM jobs (they outlive a killed snakemake). Unlocking while it or its jobs
still run would start the same jobs a second time (docs/operations.md#recovery-after-a-crash)."""


def warn_if_locked():
    """Print LOCKED before Snakemake's own lock error, whose only advice is --unlock."""
    locks = Path(".snakemake/locks")
    if workflow.is_main_process and locks.is_dir() and any(locks.iterdir()):
        logger.warning(LOCKED)


warn_if_locked()
