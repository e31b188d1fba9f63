# Input and params functions of search.smk (kept apart: the linter wants no functions beside rules).

import functools
import json


def search_ranges(model=None):
    """The searched ranges of config search.ranges; `hidden` only when the model (default search.model)
    is the MLP."""
    from initlab.studies.search import sampling

    ranges = dict(config["search"]["ranges"])
    if (model or config["search"]["model"]) != "mlp":
        ranges.pop("hidden", None)
    elif "hidden" not in ranges:
        raise ValueError("config search.ranges: the mlp model needs a `hidden` range")
    sampling.check_ranges(ranges)
    return ranges


def search_settings(stage, **changes):
    """The fixed settings of a trial of `stage` (coarse or fine): everything but the sampled values;
    `changes` replace settings (the nested search's model and inner folds)."""
    keys = ("folds", "model", "activation", "dropout", "initializer", "target")
    keys += ("batch_size", "optimizer", "schedule", "clip", "start_at_mean")
    study = config["search"]
    return {key: study[key] for key in keys} | {"epochs": study[stage]["epochs"]} | changes


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


def nested_models():
    """The models the nested search runs in each outer fold: search.nested.models, or [search.model]."""
    return config["search"]["nested"]["models"] or [config["search"]["model"]]


def nested_searches():
    """Params of run_nested_search_fold: per model its ranges, coarse trial list (sampled as the search
    samples it) and the settings of both stages on the inner folds."""
    from initlab.studies.search import sampling

    study = config["search"]
    searches = {}
    for model in nested_models():
        ranges = search_ranges(model)
        inner = dict(model=model, folds=study["nested"]["inner_folds"])
        searches[model] = {
            "ranges": ranges,
            "coarse_trials": sampling.sample_trials(ranges, study["coarse"]["trials"], study["seed"], "coarse"),
            "stages": {stage: search_settings(stage, **inner) for stage in ("coarse", "fine")},
        }
    return searches


def outer_folds():
    """The outer folds of the nested search (1-based): the search's own folds."""
    return list(range(1, config["search"]["folds"] + 1))


def search_nested_page():
    """The nested results the search page shows (search.nested.report), else nothing."""
    if not config["search"]["nested"]["report"]:
        return {}
    return {
        "nested_table": rules.summarize_nested_search.output.table,
        "nested_summary": rules.summarize_nested_search.output.summary,
    }
