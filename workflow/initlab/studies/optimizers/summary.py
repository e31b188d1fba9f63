"""The optimizer study's summary table (pandas only: the summary job imports no torch)."""

import numpy as np
import pandas as pd

# Per-seed columns, `seed{seed}_{name}`: the paired comparisons of studies.optimizers.claims read them (the runs
# of one seed share their initial weights and batch order).
PER_SEED = ("train_loss", "last_epoch_loss", "valid_accuracy")


def summarize(records):
    """One row per (optimizer, schedule): lr, seeds, diverged runs, final validation accuracy and
    training loss over the finished seeds (mean, min, max), mean wall and CPU seconds, then per seed
    (`seed{s}_train_loss`: the mean of the epoch training losses, i.e. the area under the loss curve, lower
    when the loss falls faster; `seed{s}_last_epoch_loss`; `seed{s}_valid_accuracy`), NaN for a diverged
    seed. Sorted best first by mean validation accuracy."""
    frame = pd.DataFrame([
        {"optimizer": r["optimizer"], "schedule": r["schedule"], "lr": r["settings"]["lr"], "seed": r["seed"],
         "diverged": r["diverged"], "valid_accuracy": r["final_valid_accuracy"],
         "train_loss": np.mean(r["epoch_losses"]) if r["epoch_losses"] and not r["diverged"] else np.nan,
         "last_epoch_loss": r["epoch_losses"][-1] if r["epoch_losses"] and not r["diverged"] else np.nan,
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
    wide = frame.pivot_table(index=["optimizer", "schedule"], columns="seed", values=list(PER_SEED), dropna=False)
    wide.columns = [f"seed{seed}_{name}" for name, seed in wide.columns]
    table = table.merge(wide.reset_index(), on=["optimizer", "schedule"], how="left")
    return table.sort_values("valid_accuracy_mean", ascending=False, na_position="last", ignore_index=True)


def per_seed(row, name):
    """{seed: value} of one summary row's per-seed column `name` (one of PER_SEED)."""
    suffix = f"_{name}"
    return {int(column[4:-len(suffix)]): row[column] for column in row.index
            if column.startswith("seed") and column.endswith(suffix) and column[4:-len(suffix)].isdigit()}
