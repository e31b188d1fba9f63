# Input and params functions of optimizers.smk (kept apart: the linter wants no functions beside rules).


def optimizer_pairs():
    """(optimizer, schedule) pairs of the study: every optimizer with `none`, the scheduled ones with each schedule."""
    study = config["optimizers"]
    pairs = [(name, "none") for name in study["optimizers"]]
    for name in study["scheduled"]:
        pairs += [(name, schedule) for schedule in study["schedules"]]
    return pairs


def optimizer_runs():
    """Result files of every (optimizer, schedule) job, one per seed."""
    return [
        run.format(optimizer=o, schedule=s) for o, s in optimizer_pairs() for run in rules.train_optimizer.output.runs
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
