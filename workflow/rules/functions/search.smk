# Input and params functions of search.smk (kept apart: the linter wants no functions beside rules).

import functools
import json


def search_ranges():
    """The searched ranges of config search.ranges; `hidden` only when the model is the MLP."""
    from initlab.studies.search import sampling

    ranges = dict(config["search"]["ranges"])
    if config["search"]["model"] != "mlp":
        ranges.pop("hidden", None)
    elif "hidden" not in ranges:
        raise ValueError("config search.ranges: the mlp model needs a `hidden` range")
    sampling.check_ranges(ranges)
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
    from initlab.studies.search import sampling

    study = config["search"]
    trials = sampling.sample_trials(search_ranges(), study["coarse"]["trials"], study["seed"], "coarse")
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
    return [rules.run_fine_trial.output.result.format(trial=t["trial"]) for t in fine_plan()["trials"]]
