"""The optimizer study's summary table (pandas only: the summary job imports no torch)."""

import math

import numpy as np
import pandas as pd

# Per-seed columns, `seed{seed}_{name}`: the paired comparisons of studies.optimizers.claims read them (the runs
# of one seed share their initial weights and batch order).
PER_SEED = ("train_loss", "last_epoch_loss", "previous_epoch_loss", "valid_accuracy")


def _epoch_loss(record, back):
    """The training loss `back` epochs from the end (1: the last epoch), NaN for a diverged or shorter run."""
    losses = record["epoch_losses"]
    return losses[-back] if len(losses) >= back and not record["diverged"] else np.nan


def first_difference(a, b):
    """1-based index of the first position at which sequences a and b differ (over their common length),
    or None when they agree there."""
    return next((i + 1 for i, (x, y) in enumerate(zip(a, b)) if x != y), None)


def departures(records):
    """{(optimizer, schedule): columns} for every scheduled run, set against the same optimizer at a constant rate
    (the run that shares its initial weights, batch order and first learning rate, seed by seed):

    departs_lr_epoch: the first epoch whose learning rate differs from the constant run's (NaN: never);
    departs_loss_step: the first step (1-based batch) at which the batch loss differs from the constant run's
        on any seed both finished (NaN: identical on every such seed, or none finished);
    departs_pairs: how many seeds both runs finished; steps_per_epoch: of the constant run.
    """
    finished = {}
    for r in records:
        if not r["diverged"]:
            finished.setdefault((r["optimizer"], r["schedule"]), {})[r["seed"]] = r
    found = {}
    for (optimizer, schedule), runs in finished.items():
        constant = finished.get((optimizer, "none"))
        if schedule == "none" or not constant:
            continue
        seeds = sorted(runs.keys() & constant.keys())
        lr = first_difference(*[[round(v, 12) for v in next(iter(s.values()))["lrs"]] for s in (runs, constant)])
        steps = [first_difference(runs[s]["batch_losses"], constant[s]["batch_losses"]) for s in seeds]
        steps = [s for s in steps if s is not None]
        base = next(iter(constant.values()))
        found[(optimizer, schedule)] = {
            "departs_lr_epoch": lr or np.nan, "departs_loss_step": min(steps) if steps else np.nan,
            "departs_pairs": len(seeds),
            "steps_per_epoch": len(base["batch_losses"]) / max(1, len(base["epoch_losses"]))}
    return found


def summarize(records):
    """One row per (optimizer, schedule): lr, seeds, diverged runs, final validation accuracy and
    training loss over the finished seeds (mean, min, max), mean wall and CPU seconds, the `departures`
    columns of a scheduled run (NaN for the others), then per seed (`seed{s}_train_loss`: the mean of the
    epoch training losses, i.e. the area under the loss curve, lower when the loss falls faster;
    `seed{s}_last_epoch_loss`, `seed{s}_previous_epoch_loss` (the epoch before the last);
    `seed{s}_valid_accuracy`), NaN for a diverged seed. Sorted best first by mean validation accuracy."""
    frame = pd.DataFrame([
        {"optimizer": r["optimizer"], "schedule": r["schedule"], "lr": r["settings"]["lr"], "seed": r["seed"],
         "diverged": r["diverged"], "valid_accuracy": r["final_valid_accuracy"],
         "train_loss": np.mean(r["epoch_losses"]) if r["epoch_losses"] and not r["diverged"] else np.nan,
         "last_epoch_loss": _epoch_loss(r, 1), "previous_epoch_loss": _epoch_loss(r, 2),
         "seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"], "device": r["device"]}
        for r in records
    ])
    groups = frame.groupby(["optimizer", "schedule"], sort=False)
    table = groups.agg(
        lr=("lr", "first"), seeds=("seed", "count"), diverged=("diverged", "sum"),
        valid_accuracy_mean=("valid_accuracy", "mean"), valid_accuracy_min=("valid_accuracy", "min"),
        valid_accuracy_max=("valid_accuracy", "max"), last_epoch_loss_mean=("last_epoch_loss", "mean"),
        train_loss_mean=("train_loss", "mean"),
        seconds_mean=("seconds", "mean"), cpu_seconds_mean=("cpu_seconds", "mean"), device=("device", "first"),
    ).reset_index()
    moved = departures(records)
    for column in ("departs_lr_epoch", "departs_loss_step", "departs_pairs", "steps_per_epoch"):
        table[column] = [moved.get(key, {}).get(column, math.nan) for key in zip(table.optimizer, table.schedule)]
    wide = frame.pivot_table(index=["optimizer", "schedule"], columns="seed", values=list(PER_SEED), dropna=False)
    wide.columns = [f"seed{seed}_{name}" for name, seed in wide.columns]
    table = table.merge(wide.reset_index(), on=["optimizer", "schedule"], how="left")
    return table.sort_values("valid_accuracy_mean", ascending=False, na_position="last", ignore_index=True)


def per_seed(row, name):
    """{seed: value} of one summary row's per-seed column `name` (one of PER_SEED)."""
    suffix = f"_{name}"
    return {int(column[4:-len(suffix)]): row[column] for column in row.index
            if column.startswith("seed") and column.endswith(suffix) and column[4:-len(suffix)].isdigit()}
