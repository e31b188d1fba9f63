"""Figures of the stability study: demos, variance against depth, training diagnostics.

Each function takes the tables that initlab.studies.stability.measures / initlab.studies.stability.diagnostics return and gives back a
matplotlib Figure; the caller saves it. Log scales wherever values span decades.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from initlab.core import initializers  # noqa: E402
from initlab.published import CS231N_UPDATE_RATIO, D2L_MATRIX_PRODUCT_RANGE  # noqa: E402

ACTIVATION_COLOURS = {"sigmoid": "#d62728", "tanh": "#1f77b4", "relu": "#2ca02c", "scaled_sigmoid": "#9467bd"}
LEGEND = dict(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small", frameon=False)


def _finite(values):
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)  # log axes: drop 0, inf, nan


def powers_figure(table):
    """base**k against k, one line per base (log y)."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for base, group in table.groupby("base", sort=False):
        label = f"{base:g}^k (k = {group.step.max()}: {group.value.iloc[-1]:.3g})"
        ax.plot(group.step, _finite(group.value), label=label)
    ax.axhline(1.0, color="black", lw=0.6)
    ax.set(yscale="log", xlabel="number of factors k", ylabel="product base^k", title="Products of equal factors")
    ax.legend(**LEGEND)
    return fig


def matrix_figure(table, *, rate, size):
    """Largest |entry| and Frobenius norm of the running matrix product against the step (log y)."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.plot(table.step, _finite(table.max_abs), label="largest |entry|")
    ax.plot(table.step, _finite(table.frobenius), label="Frobenius norm")
    ax.plot(table.step, np.exp(rate * table.step), "k--", lw=0.8, label=f"exp({rate:.3f} k) (theory)")
    ax.axhspan(*D2L_MATRIX_PRODUCT_RANGE, color="0.85", label="published, 100 steps")
    ax.set(yscale="log", xlabel="matrices multiplied k", ylabel="magnitude",
           title=f"Product of {size}x{size} N(0, 1) matrices")
    ax.legend(**LEGEND)
    return fig


def activations_figure(table):
    """Each activation (left) and its autograd derivative (right) on the sampled interval."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True)
    for name, group in table.groupby("activation", sort=False):
        colour = ACTIVATION_COLOURS.get(name)
        left.plot(group.x, group.value, color=colour, label=name)
        right.plot(group.x, group.gradient, color=colour, label=name)
    left.set(xlabel="x", ylabel="f(x)", title="Activation")
    right.set(xlabel="x", ylabel="f'(x) (autograd)", title="Derivative: 1 at 0 for tanh, relu, 4 sigmoid - 2")
    for ax in (left, right):
        ax.axhline(0, color="black", lw=0.5)
        ax.axvline(0, color="black", lw=0.5)
    right.legend(**LEGEND)
    return fig


def depth_figure(table, *, column, label, log=True):
    """`column` against layer: one panel per activation, one line per initializer (registry colours)."""
    activations = list(dict.fromkeys(table.activation))
    fig, axes = plt.subplots(1, len(activations), figsize=(3.6 * len(activations), 3.8), squeeze=False)
    for ax, act in zip(axes[0], activations):
        for init, group in table[table.activation == act].groupby("initializer", sort=False):
            values = _finite(group[column]) if log else group[column]
            ax.plot(group.layer, values, color=initializers.colour(init), label=init, lw=1.2)
        ax.set(title=act, xlabel="hidden layer", yscale="log" if log else "linear")
    axes[0][0].set_ylabel(label)
    axes[0][-1].legend(**LEGEND)
    fig.suptitle(f"{label} against depth (one batch, at initialization)")
    fig.tight_layout()
    return fig


def update_ratio_figure(table, *, guide=CS231N_UPDATE_RATIO):
    """||dW|| / ||W|| per layer against the step, one panel per initializer, with the guide line."""
    inits = list(dict.fromkeys(table.initializer))
    fig, axes = plt.subplots(1, len(inits), figsize=(3.8 * len(inits), 3.6), squeeze=False, sharey=True)
    for ax, init in zip(axes[0], inits):
        part = table[table.initializer == init]
        layers = sorted(part.layer.unique())
        shades = plt.cm.viridis(np.linspace(0, 0.9, len(layers)))
        for layer, shade in zip(layers, shades):
            rows = part[part.layer == layer]
            ax.plot(rows.step, _finite(rows.update_ratio), color=shade, label=f"layer {layer}")
        ax.axhline(guide, color="black", ls="--", lw=0.8, label=f"{guide:g} (CS231n)")
        ax.set(title=init, xlabel="optimizer step", yscale="log")
        ax.title.set_color(initializers.colour(init))
    axes[0][0].set_ylabel("update / weight norm ratio")
    axes[0][-1].legend(**LEGEND)
    fig.tight_layout()
    return fig


def histogram_figure(histograms, *, title):
    """Activation (top) and gradient (bottom) histograms per layer at the logged steps.

    `histograms` is diagnostics.Histograms as a dict of arrays: steps (s,), act_edges/act_counts and
    grad_edges/grad_counts of shape (s, layers, bins + 1) and (s, layers, bins).
    """
    steps, layers = histograms["act_counts"].shape[:2]
    fig, axes = plt.subplots(2, layers, figsize=(3.2 * layers, 5.2), squeeze=False)
    shades = plt.cm.plasma(np.linspace(0, 0.8, steps))
    for row, kind in enumerate(("act", "grad")):
        for layer in range(layers):
            ax = axes[row][layer]
            for s in range(steps):
                edges = histograms[f"{kind}_edges"][s, layer]
                counts = histograms[f"{kind}_counts"][s, layer]
                density = counts / max(counts.sum(), 1)
                ax.stairs(density, edges, color=shades[s], label=f"step {histograms['steps'][s]}")
            ax.set(yscale="log", title=f"layer {layer + 1}",
                   xlabel="activation" if kind == "act" else "gradient dloss/dh")
        axes[row][0].set_ylabel("fraction of entries")
    axes[0][-1].legend(**LEGEND)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def weight_images_figure(panels, *, title, columns=8):
    """Side-by-side grids of (units, 784) first-layer weight matrices, each row drawn as a 28x28 image
    scaled to its own range. `panels`: {panel title: array}."""
    units = max(len(w) for w in panels.values())
    rows = int(np.ceil(units / columns))
    fig = plt.figure(figsize=(len(panels) * columns * 0.9, rows * 0.9 + 0.8))
    for sub, (name, weights) in zip(fig.subfigures(1, len(panels), squeeze=False)[0], panels.items()):
        axes = sub.subplots(rows, columns, squeeze=False)
        for index, ax in enumerate(axes.flat):
            ax.axis("off")
            if index < len(weights):
                ax.imshow(weights[index].reshape(28, 28), cmap="gray", interpolation="nearest")
        sub.suptitle(name)
    fig.suptitle(title, y=1.03)
    return fig
