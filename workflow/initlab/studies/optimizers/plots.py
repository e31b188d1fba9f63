"""Figures of the optimizer study: training-loss curves (mean and min-max band over seeds) and
validation accuracy and learning rate per epoch, one colour per optimizer, one line style per schedule."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

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

    `colour_by`: "optimizer" (registry colours) or "schedule" (to tell the schedules of one optimizer apart). By
    schedule, a second panel below shows each run minus the same optimizer at a constant rate, seed by seed (the
    runs of one seed share initial weights and batch order), where the lines that coincide sit on zero.
    """
    finished, diverged = group_runs(records)
    by_schedule = colour_by == "schedule"
    fig, axes = plt.subplots(2 if by_schedule else 1, 1, figsize=(8.5, 8 if by_schedule else 4.5), squeeze=False,
                             sharex=True, constrained_layout=True)
    ax = axes[0][0]
    for key, runs in finished.items():
        label = _label(key, runs, diverged[key])
        if not runs:
            ax.plot([], [], label=label, **_style(key, colour_by))
            continue
        curves = [smooth(r["batch_losses"], window) for r in runs]
        x = (np.arange(max(len(c) for c in curves)) + 0.5) * window
        _draw(ax, x, curves, key, label, colour_by)
        differences = paired_differences(runs, finished.get((key[0], "none"), []), "batch_losses")
        if by_schedule and differences:
            _draw(axes[1][0], x, [smooth(d, window) for d in differences], key, label, colour_by)
    ax.set_yscale("log")  # losses fall from ln(10) = 2.3 nats by an order of magnitude
    ax.set_title(title)
    ax.set_ylabel(f"training loss, mean of {window} batches (nats)")
    if by_schedule:
        axes[1][0].set_ylabel(f"minus the constant rate's, mean of {window} batches")
        axes[1][0].set_title("each run minus the same optimizer at the constant rate, seed by seed (zero: the lines "
                             "coincide)", fontsize=10)
    axes[-1][0].set_xlabel(f"step (batches of {batch_size} images)")
    _legend(ax)
    return fig


def _epoch_axes(axes, ylabels):
    for ax, ylabel in zip(axes, ylabels):
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def paired_differences(runs, constant, metric):
    """Per seed, run minus the constant-rate run of the same seed (shared initial weights and batch order), for
    the list `metric` of each record (per epoch or per batch), over their common length: one curve per seed that
    both finished."""
    base = {r["seed"]: np.asarray(r[metric], dtype=float) for r in constant}
    return [np.asarray(r[metric], dtype=float)[:len(base[r["seed"]])] - base[r["seed"]][:len(r[metric])]
            for r in runs if r["seed"] in base]


def _constant_row(axes, finished, diverged):
    for key, runs in finished.items():
        label = _label(key, runs, diverged[key])
        if not runs:
            axes[2].plot([], [], label=label, **_style(key, "optimizer"))
            continue
        epochs = np.arange(1, max(len(r["valid_loss"]) for r in runs) + 1)
        _draw(axes[0], epochs, [r["valid_loss"] for r in runs], key, label)
        _draw(axes[1], epochs, [100 * np.asarray(r["valid_accuracy"]) for r in runs], key, label)
        axes[2].plot([], [], label=label, **_style(key, "optimizer"))
    _epoch_axes(axes, ("validation loss (nats)", "validation accuracy (%)"))
    axes[0].set_title("constant rate (each run's rate in its label)", loc="left")
    axes[2].axis("off")
    axes[2].legend(loc="center left", fontsize=8, title="band: min-max over seeds", title_fontsize=8)


def _schedule_row(axes, optimizer, finished, diverged):
    constant = finished.get((optimizer, "none"), [])
    for key, runs in finished.items():
        label = _label(key, runs, diverged[key])
        if not runs:
            axes[2].plot([], [], label=label, **_style(key, "schedule"))
            continue
        epochs = np.arange(1, max(len(r["lrs"]) for r in runs) + 1)
        _draw(axes[2], epochs, [r["lrs"] for r in runs], key, label, "schedule")
        loss, accuracy = (paired_differences(runs, constant, m) for m in ("valid_loss", "valid_accuracy"))
        if loss:  # the constant run itself draws the zero line
            _draw(axes[0], epochs, loss, key, label, "schedule")
            _draw(axes[1], epochs, [100 * d for d in accuracy], key, label, "schedule")
    _epoch_axes(axes, (f"validation loss minus {optimizer}'s (nats)", f"validation accuracy minus {optimizer}'s "
                       "(points)", "learning rate during the epoch"))
    axes[0].set_title(f"{optimizer} under each schedule, minus {optimizer} at the constant rate, seed by seed",
                      loc="left")
    axes[2].set_yscale("log")  # schedules divide the rate by factors
    axes[2].legend(loc="lower left", fontsize=8, title="band: min-max over seeds", title_fontsize=8)


def epochs_figure(records, *, title):
    """Per epoch, one row per comparison so that a panel holds few lines. First the constant-rate runs:
    validation loss and accuracy, coloured by optimizer, the legend beside them. Then one row per optimizer run
    under schedules, coloured by schedule: its validation loss and accuracy minus those of the same optimizer at
    a constant rate, seed by seed (the comparison is paired: the runs of one seed share initial weights and batch
    order), mean and min-max band over the seeds, and the learning rate (log scale)."""
    finished, diverged = group_runs(records)
    scheduled = list(dict.fromkeys(o for o, s in finished if s != "none"))
    fig, grid = plt.subplots(1 + len(scheduled), 3, figsize=(14, 4 * (1 + len(scheduled))), squeeze=False,
                             constrained_layout=True)
    _constant_row(grid[0], {key: runs for key, runs in finished.items() if key[1] == "none"}, diverged)
    for row, optimizer in zip(grid[1:], scheduled):
        _schedule_row(row, optimizer, {key: runs for key, runs in finished.items() if key[0] == optimizer}, diverged)
    fig.suptitle(title)
    return fig
