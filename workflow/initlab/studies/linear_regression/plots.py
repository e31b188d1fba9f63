"""Figure of the linear-regression study: loss per epoch per method, and the fitted plane over the data."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

METHOD_COLOURS = {"scratch": "#1f77b4", "concise": "#ff7f0e", "closed_form": "#2ca02c"}


def fits_figure(x, y, fits, reference):
    """Left: loss per epoch (log) per method, closed form as a line, d2l's numbers as crosses.
    Right: the data (y against x1, coloured by x2) and slices of the plane fitted from scratch.

    x (n, 2), y (n, 1) tensors; fits: rows of fit.fit_all; reference: d2l's epoch losses.
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
