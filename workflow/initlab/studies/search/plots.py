"""Figure of the random search: mean validation log-RMSE against each hyperparameter, by stage."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FormatStrFormatter, NullFormatter  # noqa: E402

STAGES = {"coarse": dict(marker="o", facecolors="none", edgecolors="#1f77b4"),
          "fine": dict(marker="o", color="#d62728")}
LABELS = {"lr": "learning rate (Adam step size)", "weight_decay": "weight decay (L2 coefficient, weights only)",
          "hidden": "hidden layer width (units)"}


def scores_figure(table, *, ranges, fine_ranges, baseline, goal, best):
    """One panel per hyperparameter (log x): score of every finished trial, coarse hollow and fine filled.

    Dotted verticals: the search range; shaded: the fine range; horizontal lines: d2l's baseline
    and the goal; a star: the best fine trial. Diverged trials (NaN score) are counted in the legend only.
    Coarse trials trained fewer epochs, so their scores are higher than fine ones at equal settings.
    """
    names = list(ranges)
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names) + 2.5, 4), sharey=True, squeeze=False)
    axes = axes[0]
    for ax, name in zip(axes, names):
        for stage, style in STAGES.items():
            rows = table[table["stage"] == stage]
            done = rows[rows["valid_log_rmse"].notna()]
            failed = len(rows) - len(done)
            note = f", {failed} diverged" if failed else ""
            epochs = f"{int(rows['epochs'].iloc[0])} epochs" if len(rows) else ""
            ax.scatter(done[name], done["valid_log_rmse"], label=f"{stage} ({epochs}, {len(rows)} trials{note})",
                       **style)
        top = table[table["trial"] == best]
        ax.scatter(top[name], top["valid_log_rmse"], marker="*", s=220, color="gold", edgecolors="black",
                   zorder=3, label=f"best: {best}")
        for edge in ranges[name]:
            ax.axvline(edge, color="grey", linestyle=":", linewidth=1)
        ax.axvspan(*fine_ranges[name], color="#d62728", alpha=0.08, label="fine range")
        ax.axhline(baseline, color="black", linestyle="--", linewidth=1, label=f"seed baseline {baseline:g}")
        ax.axhline(goal, color="green", linestyle="-.", linewidth=1, label=f"goal {goal:g}")
        ax.set_xscale("log")  # sampled log-uniformly: equal widths per decade
        ax.set_xlabel(LABELS.get(name, name))
        if name == "hidden":  # integers: plain labels at powers of two
            low, high = ranges[name]
            ax.set_xticks([2**k for k in range(int(low).bit_length() - 1, int(high).bit_length()) if low <= 2**k <= high])
            ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))
            ax.xaxis.set_minor_formatter(NullFormatter())
    axes[0].set_yscale("log")  # diverging or untrained trials score far above the good ones
    axes[0].yaxis.set_major_formatter(FormatStrFormatter("%.2f"))
    axes[0].yaxis.set_minor_formatter(FormatStrFormatter("%.2f"))
    axes[0].set_ylabel("mean validation log-RMSE over folds")
    fig.suptitle("Random search: cross-validated score against each hyperparameter")
    axes[-1].legend(bbox_to_anchor=(1.02, 1), loc="upper left", borderaxespad=0, fontsize=8)
    return fig
