# Helpers shared by the rule files. Paths are relative to the repository root.

import functools
import json
import os
import shlex
import sys

# Jobs import the package from this checkout, the same files the code trigger tracks,
# even where an older copy is installed. PYTHONPATH reaches script jobs and cluster jobs.
PACKAGE_ROOT = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_ROOT)
os.environ.update(
    PYTHONPATH=os.pathsep.join(filter(None, [PACKAGE_ROOT, os.getenv("PYTHONPATH")]))
)

from initlab import gpu_slots
from initlab.codedeps import module_files


wildcard_constraints:
    file=r"[A-Za-z0-9._-]+",


def code(script):
    """The package modules that workflow/scripts/<script> imports: rule inputs, so edits rerun the rule."""
    return list(module_files(f"workflow/scripts/{script}", "workflow/initlab"))


def raw(name):
    """Path of a fetched data file (a key of config['data']['files'])."""
    return rules.fetch_file.output[0].format(file=name)


def file_field(field):
    """Params function: `field` of the data file named by the {file} wildcard."""

    def of_file(wildcards):
        return config["data"]["files"][wildcards.file][field]

    return of_file


def checksums(**names):
    """Map input keys to the published checksums of the data files they name."""
    return {
        key: config["data"]["files"][name]["checksum"] for key, name in names.items()
    }


def final_outputs():
    """Everything `snakemake --cores 8` builds: the union of the stage targets."""
    return [
        *rules.data.input,
        *rules.initializers.input,
        *rules.stability.input,
        *rules.gradient_check.input,
        *rules.linear_regression.input,
        *rules.house_prices.input,
        *rules.notebooks.input,
    ]


# Initializer study: its jobs and figure groups.


def initializer_runs(names):
    """Result files of every configured seed of the initializers `names`."""
    return expand(
        rules.train_initializer.output.run,
        initializer=names,
        seed=config["initializers"]["seeds"],
    )


def comparison_groups():
    """Loss-figure groups restricted to the configured initializers, plus 'others' for the rest."""
    chosen = config["initializers"]["initializers"]
    groups = {}
    for name, members in config["initializers"]["comparisons"].items():
        kept = [m for m in members if m in chosen]
        if kept:
            groups[name] = kept
    grouped = {m for members in groups.values() for m in members}
    rest = [m for m in chosen if m not in grouped]
    if rest:
        groups["others"] = rest
    return groups


def comparison_members(wildcards):
    """Params function: the initializers drawn in the figure of {comparison}."""
    return comparison_groups()[wildcards.comparison]


def comparison_runs(wildcards):
    """Input function: the runs drawn in the figure of {comparison}."""
    return initializer_runs(comparison_members(wildcards))


def histogram_runs(wildcards):
    """Input function: the first configured seed's run of every initializer (for the histograms)."""
    return expand(
        rules.train_initializer.output.run,
        initializer=config["initializers"]["initializers"],
        seed=config["initializers"]["seeds"][0],
    )


# Report stage: the study pages' inputs and papermill parameters (tables in report.smk).


def notebook_inputs(wildcards):
    """The template, the package modules it imports, the nbconvert template and its data inputs."""
    template = NOTEBOOK_TEMPLATE.format(notebook=wildcards.notebook)
    return dict(
        template=template,
        code=list(module_files(template, "workflow/initlab")),
        page=NBCONVERT_TEMPLATE,
        **NOTEBOOK_INPUTS[wildcards.notebook],
    )


def papermill_parameters(wildcards, input):
    """The notebook's parameters: `-p name path` per data file; lists of files and the setup
    (config sections) as one YAML mapping (`-y`), since `-p` passes only scalars."""
    options, mapping = [], {}
    for name in NOTEBOOK_INPUTS[wildcards.notebook]:
        value = input[name]
        if isinstance(value, str):
            options.append(f"-p {name} {shlex.quote(value)}")
        else:
            mapping[name] = list(value)
    mapping["setup"] = {key: config[key] for key in NOTEBOOK_SETUP[wildcards.notebook]}
    options.append(f"-y {shlex.quote(json.dumps(mapping))}")
    return " ".join(options)


def visible_gpus():
    """NVIDIA GPUs this machine shows, counted without importing torch (parse time must stay fast)."""
    return len(gpu_slots.visible_devices())


def gpus_per_job():
    """The `gpu` resource of a training job: 1 when it will run on CUDA, else 0."""
    if config["device"] == "cuda":
        return 1
    return int(config["device"] == "auto" and visible_gpus() > 0)


# Gradient check stage (gradient_check.smk): the checked models and their data.

GRADIENT_CHECK = config["gradient_check"]
CHECKED_MODELS = list(GRADIENT_CHECK["models"])


def checked_spec(wildcards):
    """Params function: the config spec of the {model} wildcard, less `planted` (read only by the
    summary, so flipping it does not rerun the check)."""
    spec = GRADIENT_CHECK["models"][wildcards.model]
    return {key: value for key, value in spec.items() if key != "planted"}


def checked_data(wildcards):
    """Input function: the prepared data file the model's spec names."""
    data = GRADIENT_CHECK["models"][wildcards.model]["data"]
    if data == "house_prices":
        return rules.prepare_house_prices.output.features
    return rules.prepare_fashion_mnist.output.train


def planted_models():
    """{model: True if it carries a planted bug the check must flag}."""
    return {
        name: spec.get("planted", False)
        for name, spec in GRADIENT_CHECK["models"].items()
    }


def sanity_spec():
    """The gradient_check.models spec that sanity_checks.model names."""
    name = config["sanity_checks"]["model"]
    if name not in GRADIENT_CHECK["models"]:
        raise ValueError(
            f"config sanity_checks.model: {name!r} is not a key of gradient_check.models "
            f"({', '.join(CHECKED_MODELS)})"
        )
    return GRADIENT_CHECK["models"][name]


def limit_gpu_jobs():
    """Run at most visible GPUs x jobs_per_gpu GPU jobs at once when jobs run on this machine.

    Snakemake counts `resources: gpu=1` only against a global limit; without one it would start
    as many GPU jobs as cores allow. An explicit `--resources gpu=N` wins. Cluster runs are left
    alone (the cluster hands out GPUs): they set `--jobs`, i.e. workflow.nodes, and the executor
    is not known yet at parse time. With no GPU the limit is 0, and Snakemake caps the jobs' gpu
    resource at 0 too. jobs_per_gpu also reaches the jobs' slot allocator.
    """
    os.environ[gpu_slots.JOBS_PER_GPU_ENV] = str(config["jobs_per_gpu"])
    if (
        workflow.is_main_process
        and workflow.nodes is None
        and "gpu" not in workflow.global_resources
    ):
        workflow.global_resources["gpu"] = visible_gpus() * config["jobs_per_gpu"]


limit_gpu_jobs()


# House prices (workflow/rules/house_prices.smk)


def house_mlp(wildcards):
    """Params function: the MLP settings for mlp jobs, {} for linear (editing them leaves linear jobs alone)."""
    return config["house_prices"]["mlp"] if wildcards.model == "mlp" else {}


def house_candidates(path):
    """`path` expanded over every (model, initializer) pair of the grid."""
    house = config["house_prices"]
    return expand(path, model=house["models"], initializer=house["initializers"])


def house_submission_choice():
    """config house_prices.submission, checked against the grid at parse time."""
    house = config["house_prices"]
    choice = house["submission"]
    if choice != "best" and (
        choice["model"] not in house["models"]
        or choice["initializer"] not in house["initializers"]
    ):
        raise ValueError(
            f"config house_prices.submission: {choice} is not in the grid "
            f"(models {house['models']}, initializers {house['initializers']}); use `best` or a trained pair"
        )
    return choice


def house_search_candidate(wildcards):
    """Input function (unpack) of write_submission: with house_prices.search_candidate, the search's
    best configuration (its final fit and submission) competes under `submission: best`.
    """
    if not config["house_prices"]["search_candidate"]:
        return {}
    return {
        "search_fit": rules.fit_search_best.output.fit,
        "search_submission": rules.fit_search_best.output.submission,
    }


# Optimizer study (optimizers.smk)


def optimizer_pairs():
    """(optimizer, schedule) pairs of the study: every optimizer with `none`, the scheduled ones with each schedule."""
    study = config["optimizers"]
    pairs = [(name, "none") for name in study["optimizers"]]
    for name in study["scheduled"]:
        pairs += [(name, schedule) for schedule in study["schedules"]]
    return pairs


def optimizer_runs():
    """Result files of every (optimizer, schedule, seed) job."""
    return [
        rules.train_optimizer.output.run.format(optimizer=o, schedule=s, seed=seed)
        for o, s in optimizer_pairs()
        for seed in config["optimizers"]["seeds"]
    ]


def optimizer_settings(wildcards):
    """Params function: the torch keyword arguments (lr, momentum, ...) of the job's optimizer."""
    return config["optimizers"]["optimizers"][wildcards.optimizer]


def schedule_settings(wildcards):
    """Params function: the keyword arguments of the job's schedule ({} for none)."""
    return config["optimizers"]["schedules"].get(wildcards.schedule, {})


def scheduled_optimizers():
    """config optimizers.scheduled, checked at parse time to name configured optimizers only."""
    study = config["optimizers"]
    unknown = [name for name in study["scheduled"] if name not in study["optimizers"]]
    if unknown:
        raise ValueError(
            f"config optimizers.scheduled: {unknown} not in optimizers.optimizers "
            f"({', '.join(study['optimizers'])})"
        )
    return study["scheduled"]


# Random search (search.smk)


def search_ranges():
    """The searched ranges of config search.ranges; `hidden` only when the model is the MLP."""
    from initlab import search

    ranges = dict(config["search"]["ranges"])
    if config["search"]["model"] != "mlp":
        ranges.pop("hidden", None)
    elif "hidden" not in ranges:
        raise ValueError("config search.ranges: the mlp model needs a `hidden` range")
    search.check_ranges(ranges)
    return ranges


def search_settings(stage):
    """The fixed settings of a trial of `stage` (coarse or fine): everything but the sampled values."""
    keys = ("folds", "model", "activation", "dropout", "initializer", "target")
    keys += ("batch_size", "optimizer", "schedule", "clip", "start_at_mean")
    study = config["search"]
    return {key: study[key] for key in keys} | {"epochs": study[stage]["epochs"]}


@functools.cache
def coarse_trials():
    """The coarse trials {id: {trial, lr, ...}}, sampled from the config seed: the same on every parse."""
    from initlab import search

    study = config["search"]
    trials = search.sample_trials(
        search_ranges(), study["coarse"]["trials"], study["seed"], "coarse"
    )
    return {trial["trial"]: trial for trial in trials}


def coarse_trial(wildcards):
    """Params function: the sampled hyperparameters of a coarse trial."""
    return coarse_trials()[wildcards.trial]


def fine_plan():
    """The fine stage plan written by the checkpoint (read once the coarse stage has run)."""
    with open(checkpoints.plan_fine_trials.get().output.plan) as handle:
        return json.load(handle)


def fine_trial(wildcards):
    """Params function: the sampled hyperparameters of a fine trial, from the checkpoint's plan."""
    return {t["trial"]: t for t in fine_plan()["trials"]}[wildcards.trial]


def fine_results(wildcards):
    """Input function: the result files of the fine trials the checkpoint's plan lists."""
    return [
        rules.run_fine_trial.output.result.format(trial=t["trial"])
        for t in fine_plan()["trials"]
    ]
