"""Figures of the checking stages: gradient-check relative errors, linear-regression fits."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from initlab.studies.gradient_check.checker import ACCEPTABLE, SUSPECT, WRONG  # noqa: E402

FLOOR = 1e-18  # where exact agreement (relative error 0) is drawn on the log axis
TERM_COLOURS = {"data": "#1f77b4", "weight_decay": "#ff7f0e"}
METHOD_COLOURS = {"scratch": "#1f77b4", "concise": "#ff7f0e", "closed_form": "#2ca02c"}


def relative_errors(entries, planted):
    """One panel per model: every checked entry's relative error by parameter, with the thresholds.

    entries: DataFrame with model, term, parameter, rel_error, kink; planted: {model: bool}.
    """
    models = list(dict.fromkeys(entries["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 4.2), sharey=True, squeeze=False)
    for ax, model in zip(axes[0], models):
        rows = entries[entries["model"] == model]
        names = list(dict.fromkeys(rows["parameter"]))
        for (term, kink), group in rows.groupby(["term", "kink"], sort=False):
            x = np.array([names.index(p) for p in group["parameter"]]) + (0.15 if term != "data" else -0.15)
            ax.scatter(x, np.maximum(group["rel_error"], FLOOR), s=14, marker="x" if kink else "o",
                       color=TERM_COLOURS.get(term, "#7f7f7f"), label=f"{term}{' (kink)' if kink else ''}")
        for level, style in ((WRONG, "-"), (SUSPECT, "--"), (ACCEPTABLE, ":")):
            ax.axhline(level, color="#d62728", linestyle=style, linewidth=0.8)
        ax.set_yscale("log")
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
        ax.set_title(f"{model}{' (planted bug)' if planted.get(model) else ''}", fontsize=9)
    axes[0][0].set_ylabel(f"relative error |a-n|/max(|a|,|n|) (0 drawn at {FLOOR:g})")
    handles, labels = axes[0][0].get_legend_handles_labels()
    by_label = dict(zip(labels, handles))
    fig.legend(by_label.values(), by_label.keys(), loc="upper left", bbox_to_anchor=(1.0, 0.9), title="term")
    fig.suptitle("Gradient check: analytic vs centered difference (red: 1e-2 wrong, 1e-4, 1e-7 correct)")
    fig.tight_layout()
    return fig


def linear_regression(x, y, fits, reference):
    """Left: loss per epoch (log) per method, closed form as a line, d2l's numbers as crosses.
    Right: the data (y against x1, coloured by x2) and slices of the plane fitted from scratch.

    x (n, 2), y (n, 1) tensors; fits: rows of linreg.fit_all; reference: d2l's epoch losses.
    """
    fig = plt.figure(figsize=(11, 4.3))
    ax = fig.add_subplot(1, 2, 1)
    for fit in fits:
        colour = METHOD_COLOURS.get(fit["method"], "#7f7f7f")
        if fit["losses"]:
            epochs = range(1, len(fit["losses"]) + 1)
            ax.plot(epochs, fit["losses"], marker="o", color=colour, label=fit["method"])
        else:
            ax.axhline(fit["final_loss"], color=colour, linestyle="--", label=fit["method"])
    ax.plot(range(1, len(reference) + 1), reference, "kx", markersize=8, label="d2l (published)")
    ax.set(yscale="log", xlabel="epoch", ylabel="mean (y_hat - y)^2 / 2 over all examples",
           title="Loss after each epoch")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax2 = fig.add_subplot(1, 2, 2)
    x_np, y_np = x.numpy(), y.numpy().reshape(-1)
    limit = float(np.abs(x_np[:, 1]).max())
    points = ax2.scatter(x_np[:, 0], y_np, c=x_np[:, 1], cmap="coolwarm", vmin=-limit, vmax=limit, s=4)
    fig.colorbar(points, ax=ax2, label="x2")
    scratch = next(f for f in fits if f["method"] == "scratch")
    x1 = np.linspace(x_np[:, 0].min(), x_np[:, 0].max(), 2)
    for x2 in (-2.0, 0.0, 2.0):  # slices of the fitted plane at fixed x2, coloured like the data there
        y_fit = scratch["w_hat"][0] * x1 + scratch["w_hat"][1] * x2 + scratch["b_hat"]
        ax2.plot(x1, y_fit, color=points.cmap(points.norm(x2)), linewidth=2, label=f"fitted plane at x2 = {x2:g}")
    ax2.set(xlabel="x1", ylabel="y", title="Data and the plane fitted from scratch")
    ax2.legend(loc="upper left", bbox_to_anchor=(1.25, 1.0))
    fig.tight_layout()
    return fig
