"""House prices aggregation: cross-validation tables, the d2l reference check and the figures.

Inputs are the dicts that `house_training.run_fold` returns (one per model x initializer x fold).
Diverged folds keep their row (metrics NaN, diverged True); means and plots leave them out.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from initlab import tables  # noqa: E402
from initlab.core.initializers import colour  # noqa: E402
from initlab.published import (  # noqa: E402
    D2L_HOUSE_CANDIDATE,
    D2L_HOUSE_FOLD_VALID_LOG_RMSE,
    D2L_HOUSE_MEAN_LOG_RMSE,
    D2L_HOUSE_SETTINGS,
)

COLUMNS = ["model", "initializer", "fold", "train_log_rmse", "valid_log_rmse", "diverged", "seconds", "cpu_seconds",
           "device"]
# The published d2l numbers by the quantity names of reference.csv, in its row order
D2L = {**{f"mean_{part}_log_rmse": value for part, value in D2L_HOUSE_MEAN_LOG_RMSE.items()},
       **{f"fold{i}_valid_log_rmse": value for i, value in enumerate(D2L_HOUSE_FOLD_VALID_LOG_RMSE, 1)}}
TOLERANCE = 0.005  # on the two means


def cv_summary(results):
    """One row per (model, initializer, fold), sorted; columns COLUMNS."""
    frame = pd.DataFrame([{key: r[key] for key in COLUMNS} for r in results], columns=COLUMNS)
    frame["diverged"] = frame["diverged"].astype(bool)
    return frame.sort_values(["model", "initializer", "fold"], ignore_index=True)


def mean_std(cv):
    """Per (model, initializer), sorted: the folds, the diverged folds, mean/std (ddof 1) of final train and
    valid log-RMSE over the folds that did not diverge (theirs are NaN), the mean wall and CPU seconds of
    all folds, and `diverged` when any fold did."""
    columns = {"train": ("train_log_rmse", tables.SPREAD), "valid": ("valid_log_rmse", tables.SPREAD),
               "seconds": ("seconds", ["mean"]), "cpu_seconds": ("cpu_seconds", ["mean"])}
    table = tables.mean_std(cv, ["model", "initializer"], columns, folds=("fold", "size"),
                            diverged_folds=("diverged", "sum"))
    table["diverged"] = table["diverged_folds"] > 0
    return table


def reference(cv, settings):
    """Our numbers for d2l's candidate (linear, default) beside the published d2l ones. The column
    `seed_settings` (an output name, kept) is True when `settings` are d2l's."""
    model, initializer = D2L_HOUSE_CANDIDATE
    rows = cv[(cv["model"] == model) & (cv["initializer"] == initializer)]
    ours = {"mean_train_log_rmse": rows["train_log_rmse"].mean(), "mean_valid_log_rmse": rows["valid_log_rmse"].mean()}
    ours.update({f"fold{f}_valid_log_rmse": v for f, v in zip(rows["fold"], rows["valid_log_rmse"])})
    same = all(settings.get(key) == value for key, value in D2L_HOUSE_SETTINGS.items())
    table = pd.DataFrame({"quantity": list(D2L), "d2l": list(D2L.values())})
    table["ours"] = [ours.get(q, np.nan) for q in D2L]
    table["difference"] = table["ours"] - table["d2l"]
    table["tolerance"] = [TOLERANCE if q.startswith("mean") else np.nan for q in D2L]
    within = (table["difference"].abs() <= table["tolerance"]).astype("boolean")
    table["within_tolerance"] = within.where(table["tolerance"].notna())  # empty where no tolerance applies
    table["seed_settings"] = same
    return table


def plot_fold_curves(results, fold=1):
    """d2l's plot, per model: train (dashed) and valid (solid) log-RMSE of `fold` per epoch."""
    chosen = [r for r in results if r["fold"] == fold and not r["diverged"]]
    model_names = sorted({r["model"] for r in results})
    fig, axes = plt.subplots(1, len(model_names), figsize=(5.5 * len(model_names), 4), squeeze=False)
    for ax, model in zip(axes[0], model_names):
        for r in sorted((r for r in chosen if r["model"] == model), key=lambda r: r["initializer"]):
            epochs = np.arange(1, len(r["train_curve"]) + 1)
            ax.plot(epochs, r["train_curve"], "--", color=colour(r["initializer"]), lw=1)
            ax.plot(epochs, r["valid_curve"], "-", color=colour(r["initializer"]), lw=1.5, label=r["initializer"])
        ax.set(yscale="log", xlabel="epoch", ylabel="log-RMSE (log scale)", title=f"{model}: fold {fold}")
        skipped = sorted(r["initializer"] for r in results
                         if r["fold"] == fold and r["model"] == model and r["diverged"])
        if skipped:
            ax.text(0.02, 0.02, "diverged (not shown): " + ", ".join(skipped), transform=ax.transAxes, fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles += [plt.Line2D([], [], color="k", ls="--"), plt.Line2D([], [], color="k")]
    fig.legend(handles, labels + ["train", "valid"], loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(f"House prices: train and validation log-RMSE per epoch, fold {fold}")
    fig.tight_layout()
    return fig


def plot_initializers(means):
    """Mean +- std validation (filled) and train (hollow) log-RMSE per initializer, one panel per model."""
    model_names = sorted(means["model"].unique())
    height = 0.4 * means["initializer"].nunique() + 2
    fig, axes = plt.subplots(1, len(model_names), figsize=(5.5 * len(model_names), height), squeeze=False, sharex=True)
    for ax, model in zip(axes[0], model_names):
        rows = means[means["model"] == model].reset_index(drop=True)
        for y, row in rows.iterrows():
            c = colour(row["initializer"])
            if row["diverged"] and not np.isfinite(row["valid_mean"]):
                ax.annotate("diverged", (0.5, y), xycoords=("axes fraction", "data"), ha="center", va="center", color=c)
                continue
            for split, face in (("valid", c), ("train", "none")):
                ax.errorbar(row[f"{split}_mean"], y, xerr=np.nan_to_num(row[f"{split}_std"]), fmt="o", color=c,
                            mfc=face, capsize=3)
        ax.set_yticks(range(len(rows)), [f"{i}{' (diverged folds)' if d else ''}" for i, d in
                                         zip(rows["initializer"], rows["diverged"])])
        ax.set(xscale="log", xlabel="log-RMSE over folds (log scale)", title=model)
        ax.grid(axis="x", which="both", alpha=0.3)
    handles = [plt.Line2D([], [], marker="o", ls="", color="k", mfc=face) for face in ("k", "none")]
    fig.legend(handles, ["validation mean ± std", "train mean ± std"], loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=2)
    fig.suptitle("House prices: cross-validated log-RMSE by initializer")
    fig.tight_layout()
    return fig
