"""The stability study's summary tables: verdicts on depth statistics and the update-ratio summary.

pandas and numpy only, so the plotting jobs that call these import no torch.
"""

import numpy as np
import pandas as pd

FLAT_FACTOR = 10.0  # a last/first variance ratio within this factor either way counts as flat


def update_ratios(ratios, results):
    """One row per (initializer, layer): median, first and last logged update ratio, with the run's
    valid_accuracy, diverged and seconds. `ratios`: ratios() tables with an initializer column;
    `results`: diagnostics.diagnose() result dicts."""
    runs = pd.DataFrame(results)[["initializer", "valid_accuracy", "diverged", "seconds"]]
    per_layer = ratios.groupby(["initializer", "layer"], sort=False).update_ratio
    table = pd.DataFrame(
        {"median_update_ratio": per_layer.median(), "first_update_ratio": per_layer.first(),
         "last_update_ratio": per_layer.last()}
    ).reset_index()
    return table.merge(runs, on="initializer", how="left")


def verdict(ratio):
    """'flat' within FLAT_FACTOR either way, else 'exploding' or 'vanishing'; 'non-finite' for inf/nan."""
    if not np.isfinite(ratio):
        return "non-finite"
    if ratio > FLAT_FACTOR:
        return "exploding"
    if ratio < 1 / FLAT_FACTOR:
        return "vanishing"
    return "flat"


def depth_summary(table):
    """One row per (initializer, activation) of a table of layer_statistics rows with those two columns.

    forward_ratio = activation variance at the last hidden layer / at the first; backward_ratio =
    gradient variance at the first hidden layer / at the last (the backward pass runs last to first).
    """
    rows = []
    for (init, act), group in table.groupby(["initializer", "activation"], sort=False):
        group = group.sort_values("layer")
        first, last = group.iloc[0], group.iloc[-1]
        forward = last.activation_variance / first.activation_variance
        backward = first.gradient_variance / last.gradient_variance
        rows.append(
            {
                "initializer": init,
                "activation": act,
                "depth": int(last.layer),
                "first_activation_variance": first.activation_variance,
                "last_activation_variance": last.activation_variance,
                "forward_ratio": forward,
                "forward": verdict(forward),
                "backward_ratio": backward,
                "backward": verdict(backward),
                "last_saturated_fraction": last.saturated_fraction,
                "last_dead_fraction": last.dead_fraction,
                # a square width x width layer's (layer 2): equal values mean the same scaling of the signal
                **{f"hidden_{name}": group[name].iloc[min(1, len(group) - 1)] if name in group else float("nan")
                   for name in ("weight_variance", "bias_variance")},
            }
        )
    return pd.DataFrame(rows)
