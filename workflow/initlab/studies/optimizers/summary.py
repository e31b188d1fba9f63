"""The optimizer study's summary table (pandas only: the summary job imports no torch)."""

import numpy as np
import pandas as pd


def summarize(records):
    """One row per (optimizer, schedule): lr, seeds, diverged runs, final validation accuracy and
    training loss over the finished seeds (mean, min, max), mean wall and CPU seconds. Sorted best first."""
    frame = pd.DataFrame([
        {"optimizer": r["optimizer"], "schedule": r["schedule"], "lr": r["settings"]["lr"], "seed": r["seed"],
         "diverged": r["diverged"], "valid_accuracy": r["final_valid_accuracy"],
         "last_epoch_loss": r["epoch_losses"][-1] if r["epoch_losses"] and not r["diverged"] else np.nan,
         "seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"], "device": r["device"]}
        for r in records
    ])
    groups = frame.groupby(["optimizer", "schedule"], sort=False)
    table = groups.agg(
        lr=("lr", "first"), seeds=("seed", "count"), diverged=("diverged", "sum"),
        valid_accuracy_mean=("valid_accuracy", "mean"), valid_accuracy_min=("valid_accuracy", "min"),
        valid_accuracy_max=("valid_accuracy", "max"), last_epoch_loss_mean=("last_epoch_loss", "mean"),
        seconds_mean=("seconds", "mean"), cpu_seconds_mean=("cpu_seconds", "mean"), device=("device", "first"),
    ).reset_index()
    return table.sort_values("valid_accuracy_mean", ascending=False, na_position="last", ignore_index=True)
