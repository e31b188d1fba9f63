"""Figures of the initializer study: loss curves over seeds, accuracy bars, initial-weight histograms."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from initlab.core.initializers import colour  # noqa: E402


def loss_band(runs, n_batches):
    """(steps, mean, low, high) over the finished runs' first `n_batches` batch losses.

    runs: lists of per-batch losses; diverged runs must be left out by the caller. The band is
    the min-max range over seeds; curves are cut to the shortest run.
    """
    length = min([n_batches, *(len(r) for r in runs)])
    stack = np.array([r[:length] for r in runs], dtype=float)  # (seeds, batches)
    return np.arange(1, length + 1), stack.mean(0), stack.min(0), stack.max(0)


def losses_figure(curves, *, n_batches, title):
    """curves: {initializer: [per-batch loss lists of its finished runs]} -> figure (log-scale loss)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for name, runs in curves.items():
        if not runs:
            ax.plot([], [], color=colour(name), label=f"{name} (all runs diverged)")
            continue
        steps, mean, low, high = loss_band(runs, n_batches)
        ax.plot(steps, mean, color=colour(name), label=f"{name} (mean of {len(runs)})")
        ax.fill_between(steps, low, high, color=colour(name), alpha=0.25, linewidth=0)
    ax.set_yscale("log")  # the constant and [0, 1) schemes start orders of magnitude above ln(10)
    ax.set_title(title)
    ax.set_xlabel("batch (100 images each)")
    ax.set_ylabel("training loss (cross-entropy, nats)")
    ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", borderaxespad=0, title="band: min-max over seeds")
    return fig


def accuracy_figure(table):
    """Bars of mean validation and test accuracy (%) per initializer (dropout off), error bars = std over seeds;
    the published validation accuracy (dropout on) as a black dash beside our own dropout-on mean (diamond)."""
    names = list(table["initializer"])
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(names) + 2), 4.5))
    colours = [colour(n) for n in names]
    ax.bar(x - 0.2, table["valid_mean"], 0.4, yerr=table["valid_std"].fillna(0), color=colours, capsize=3,
           label="validation (mean ± std)")
    ax.bar(x + 0.2, table["test_mean"], 0.4, yerr=table["test_std"].fillna(0), color=colours, alpha=0.5,
           hatch="//", capsize=3, label="test (mean ± std)")
    ref = table["reference_valid"].to_numpy(dtype=float)
    known = ~np.isnan(ref)
    ax.scatter(x[known] - 0.2, ref[known], marker="_", s=300, color="black", zorder=3,
               label="published validation (dropout on)")
    if "lesson_valid_mean" in table:  # the like-for-like partner of the published mark: ours, dropout on
        ax.scatter(x - 0.2, table["lesson_valid_mean"], marker="D", s=18, facecolor="white", edgecolor="black",
                   zorder=4, label="ours, validation with dropout on (mean)")
    ax.axhline(10, color="grey", linestyle=":", linewidth=1, label="chance (10 classes)")
    ax.set_xticks(x, names, rotation=45, ha="right")
    ax.set_ylim(0, 100)
    ax.set_title("Accuracy after training, by initializer (dropout off)")
    ax.set_xlabel("initializer")
    ax.set_ylabel("accuracy (%)")
    ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", borderaxespad=0)
    return fig


def histograms_figure(histograms, *, seed):
    """histograms: {initializer: weight_histograms(...) list}; one row per initializer, one column per layer."""
    names = list(histograms)
    layers = max((len(h) for h in histograms.values()), default=1)
    fig, axes = plt.subplots(len(names), layers, figsize=(3.2 * layers, 1.7 * len(names)), squeeze=False)
    for row, name in enumerate(names):
        for col in range(layers):
            ax = axes[row][col]
            if col >= len(histograms[name]):
                ax.axis("off")
                continue
            layer = histograms[name][col]
            edges, counts = np.array(layer["edges"]), np.array(layer["counts"])
            ax.stairs(counts, edges, fill=True, color=colour(name))
            ax.set_title(f"{name}: {layer['layer']} {layer['shape'][1]}->{layer['shape'][0]}, "
                         f"std {layer['std']:.3g}", fontsize=8)
            ax.tick_params(labelsize=7)
            if row == len(names) - 1:
                ax.set_xlabel("initial weight value", fontsize=8)
            if col == 0:
                ax.set_ylabel("weights per bin", fontsize=8)
    fig.suptitle(f"Initial weight values per layer (seed {seed}; bins span each layer's [min, max])")
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))  # leave room for the suptitle
    return fig


def title_of(comparison, members, n_batches):
    """Figure title of a comparison group: its members when few, else the group's name."""
    what = " vs ".join(members) if len(members) <= 3 else comparison.replace("_", " ")
    return f"Training loss, first {n_batches} batches: {what}"
