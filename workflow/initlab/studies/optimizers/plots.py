"""Figures of the optimizer study: training-loss curves (mean and min-max band over seeds) and
validation accuracy and learning rate per epoch, one colour per optimizer, one line style per schedule."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from initlab.core.optimizers import SCHEDULE_COLOURS, SCHEDULE_STYLES, colour  # noqa: E402


def smooth(values, window):
    """Means of consecutive windows of `window` values (the last, shorter window included)."""
    values = np.asarray(values, dtype=float)
    return np.array([values[i:i + window].mean() for i in range(0, len(values), window)])


def band(curves):
    """(mean, min, max) over equal-length prefixes of `curves` (one list per finished seed)."""
    length = min(len(c) for c in curves)
    stack = np.array([c[:length] for c in curves], dtype=float)  # (seeds, points)
    return stack.mean(0), stack.min(0), stack.max(0)


def group_runs(records):
    """{(optimizer, schedule): [finished records]} in first-seen order, and {(optimizer, schedule): diverged count}."""
    finished, diverged = {}, {}
    for r in records:
        key = (r["optimizer"], r["schedule"])
        finished.setdefault(key, [])
        diverged[key] = diverged.get(key, 0) + bool(r["diverged"])
        if not r["diverged"]:
            finished[key].append(r)
    return finished, diverged


def _label(key, runs, diverged):
    optimizer, schedule = key
    name = optimizer if schedule == "none" else f"{optimizer} + {schedule}"
    lr = runs[0]["settings"]["lr"] if runs else None
    note = f", {diverged} diverged" if diverged else ""
    return f"{name} (lr {lr:g}, {len(runs)} seeds{note})" if runs else f"{name} (all runs diverged)"


def _style(key, colour_by):
    """Colour by optimizer (or by schedule, to compare schedules of one optimizer); line style by schedule."""
    tint = SCHEDULE_COLOURS.get(key[1], "black") if colour_by == "schedule" else colour(key[0])
    return dict(color=tint, linestyle=SCHEDULE_STYLES.get(key[1], "-"))


def _draw(ax, x, curves, key, label, colour_by="optimizer"):
    mean, low, high = band(curves)
    style = _style(key, colour_by)
    ax.plot(x[: len(mean)], mean, label=label, **style)
    ax.fill_between(x[: len(mean)], low, high, color=style["color"], alpha=0.2, linewidth=0)


def _legend(ax):
    ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", borderaxespad=0, fontsize=8,
              title="band: min-max over seeds", title_fontsize=8)


def losses_figure(records, *, window, title, batch_size, colour_by="optimizer"):
    """Training loss per `window` batches (mean of the window), one line per (optimizer, schedule).

    `colour_by`: "optimizer" (registry colours) or "schedule" (to tell the schedules of one optimizer apart).
    """
    finished, diverged = group_runs(records)
    fig, ax = plt.subplots(figsize=(8.5, 4.5))
    for key, runs in finished.items():
        if not runs:
            ax.plot([], [], label=_label(key, runs, diverged[key]), **_style(key, colour_by))
            continue
        curves = [smooth(r["batch_losses"], window) for r in runs]
        x = (np.arange(max(len(c) for c in curves)) + 0.5) * window
        _draw(ax, x, curves, key, _label(key, runs, diverged[key]), colour_by)
    ax.set_yscale("log")  # losses fall from ln(10) = 2.3 nats by an order of magnitude
    ax.set_title(title)
    ax.set_xlabel(f"step (batches of {batch_size} images)")
    ax.set_ylabel(f"training loss, mean of {window} batches (nats)")
    _legend(ax)
    return fig


def epochs_figure(records, *, title):
    """Three panels per epoch: learning rate (log scale), validation loss, validation accuracy (%)."""
    finished, diverged = group_runs(records)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), constrained_layout=True)
    for key, runs in finished.items():
        label = _label(key, runs, diverged[key])
        if not runs:
            axes[2].plot([], [], color=colour(key[0]), label=label)
            continue
        epochs = np.arange(1, max(len(r["lrs"]) for r in runs) + 1)
        _draw(axes[0], epochs, [r["lrs"] for r in runs], key, label)
        _draw(axes[1], epochs, [r["valid_loss"] for r in runs], key, label)
        _draw(axes[2], epochs, [100 * np.asarray(r["valid_accuracy"]) for r in runs], key, label)
    for ax, ylabel in zip(axes, ("learning rate during the epoch", "validation loss (nats)",
                                 "validation accuracy (%)")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
    axes[0].set_yscale("log")  # rates differ by decades between optimizers
    fig.suptitle(title)
    _legend(axes[2])
    return fig
