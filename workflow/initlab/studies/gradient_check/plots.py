"""Figure of the gradient check: every checked entry's relative error against CS231n's thresholds."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from initlab.published import CS231N_CORRECT, CS231N_SUSPECT, CS231N_WRONG  # noqa: E402

FLOOR = 1e-18  # where exact agreement (relative error 0) is drawn on the log axis
TERM_COLOURS = {"data": "#1f77b4", "weight_decay": "#ff7f0e"}


def relative_errors(entries, planted):
    """One panel per model: every checked entry's relative error by parameter, with the thresholds.

    entries: DataFrame with model, term, parameter, rel_error, kink (and label: the parameter in words, drawn
    at its tick when present); planted: {model: bool}.
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
        for level, style in ((CS231N_WRONG, "-"), (CS231N_SUSPECT, "--"), (CS231N_CORRECT, ":")):
            ax.axhline(level, color="#d62728", linestyle=style, linewidth=0.8)
        ax.set_yscale("log")
        words = dict(zip(rows["parameter"], rows["label"])) if "label" in rows else {}
        ax.set_xticks(range(len(names)), [words.get(n, n) for n in names], rotation=60, ha="right", fontsize=7)
        ax.set_title(f"{model}{' (planted bug)' if planted.get(model) else ''}", fontsize=9)
    axes[0][0].set_ylabel(f"relative error |a-n|/max(|a|,|n|) (0 drawn at {FLOOR:g})")
    by_label = {}  # every term (and kink marker) seen in any panel, once, in the order first drawn
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            by_label.setdefault(label, handle)
    fig.legend(by_label.values(), by_label.keys(), loc="upper left", bbox_to_anchor=(1.0, 0.9), title="term")
    fig.suptitle("Gradient check: analytic vs centered difference (red: 1e-2 wrong, 1e-4, 1e-7 correct)")
    fig.tight_layout()
    return fig
