"""Overlaid figures of two runs (see snapshot.read and snapshot.current): baseline dashed, current solid."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from initlab.core.initializers import REGISTRY  # noqa: E402
from initlab.runs.compare import headline  # noqa: E402

STYLES = {"baseline": "--", "current": "-"}


def colour(name):
    """The registry colour of an initializer; grey for a name this checkout no longer has (an old snapshot)."""
    return REGISTRY[name].colour if name in REGISTRY else "grey"


def _spread(ax, runs, study, prefix, ylabel):
    """Mean (marker) and min-max range (bar) of each `prefix` quantity of `study`, the two runs side by side."""
    values = {name: {q.split(": ", 1)[1]: v for (s, q), v in headline(run).items()
                     if s == study and q.startswith(prefix) and v} for name, run in runs.items()}
    labels = list(dict.fromkeys(label for found in values.values() for label in found))
    for offset, (name, found) in zip((-0.15, 0.15), values.items()):
        for i, label in enumerate(labels):
            if label in found:
                v = np.asarray(found[label])
                ax.errorbar(i + offset, v.mean(), yerr=[[v.mean() - v.min()], [v.max() - v.mean()]], capsize=3,
                            fmt="o" if name == "current" else "s", mfc="none" if name == "baseline" else None,
                            color=colour(label.split(" / ")[-1]), ls="none")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title("mean and min-max range (baseline open squares, current dots)", fontsize=9)


def _absent(ax, study):
    ax.text(0.5, 0.5, f"{study}: in neither run", ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def house_prices_figure(*, baseline, current):
    """Fold 1 validation curves per candidate, and CV validation log-RMSE per candidate, of both runs."""
    runs = {"baseline": baseline, "current": current}
    fig, (curves, cv) = plt.subplots(1, 2, figsize=(12, 4.5))
    records = {name: run["curves"].get("house_prices", []) for name, run in runs.items()}
    if not any(records.values()):
        _absent(curves, "house_prices"), _absent(cv, "house_prices")
        return fig
    for name, found in records.items():
        for r in found:
            if r["fold"] == 1 and r["valid_curve"]:
                curves.plot(np.arange(1, len(r["valid_curve"]) + 1), r["valid_curve"], STYLES[name],
                            color=colour(r["initializer"]), lw=1.2, label=f"{name}: {r['model']} / {r['initializer']}")
    curves.set(yscale="log", xlabel="epoch", ylabel="validation log-RMSE", title="fold 1")
    curves.legend(fontsize=7)
    _spread(cv, runs, "house_prices", "CV valid log-RMSE", "CV validation log-RMSE over folds")
    fig.tight_layout()
    return fig


def initializers_figure(*, baseline, current):
    """Epoch loss over seeds (mean line, min-max band) per initializer, and validation accuracy, of both runs."""
    runs = {"baseline": baseline, "current": current}
    fig, (losses, accuracy) = plt.subplots(1, 2, figsize=(12, 4.5))
    records = {name: run["curves"].get("initializers", []) for name, run in runs.items()}
    if not any(records.values()):
        _absent(losses, "initializers"), _absent(accuracy, "initializers")
        return fig
    for name, found in records.items():
        for initializer in dict.fromkeys(r["initializer"] for r in found):
            curves = [r["epoch_losses"] for r in found if r["initializer"] == initializer and not r["diverged"]]
            length = min((len(c) for c in curves), default=0)
            if not length:
                continue
            stack, epochs = np.array([c[:length] for c in curves], dtype=float), np.arange(1, length + 1)
            losses.plot(epochs, stack.mean(0), STYLES[name], color=colour(initializer), label=f"{name}: {initializer}")
            losses.fill_between(epochs, stack.min(0), stack.max(0), color=colour(initializer), alpha=0.12)
    losses.set(yscale="log", xlabel="epoch", ylabel="training loss (epoch mean)", title="mean and min-max over seeds")
    losses.legend(fontsize=7)
    _spread(accuracy, runs, "initializers", "valid accuracy %", "validation accuracy %")
    fig.tight_layout()
    return fig
