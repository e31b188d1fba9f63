"""The search's trials table and its summary (pandas only: the summary job imports no torch)."""

import pandas as pd

from initlab.studies.search import sampling

# per-trial details that stay in the trial's JSON: the provenance dict; the per-fold list becomes columns
DETAILS = ("fold_valid_log_rmse", "provenance")


def fold_columns(table):
    """The per-fold validation score columns of a trials table, fold 1 first."""
    return [c for c in table.columns if c.startswith("fold") and c.endswith("_valid_log_rmse")]


def tabulate(records, ranges, tolerance):
    """The trials table: one row per trial, with its stage, rank within the stage (1 = lowest mean
    validation log-RMSE; diverged trials unranked), its edge warnings against `ranges` and its per-fold
    validation scores (fold1_valid_log_rmse, ...: the folds every trial shares, for paired comparisons)."""
    table = pd.DataFrame([{k: v for k, v in r.items() if k not in DETAILS}
                          | {f"fold{i}_valid_log_rmse": v for i, v in enumerate(r.get("fold_valid_log_rmse") or [], 1)}
                          for r in records])
    table.insert(1, "stage", table["trial"].str.rstrip("0123456789"))
    table["rank"] = table.groupby("stage")["valid_log_rmse"].rank(method="first").astype("Int64")
    table["edge_warning"] = ["; ".join(sampling.edge_warnings(r, ranges, tolerance)) for r in records]
    return table.sort_values(["stage", "rank"], ascending=[True, True], na_position="last", ignore_index=True)


def summarize(table, *, ranges, tolerance, stage, baseline, goal):
    """The best trial of `stage` (the fine stage, trained for full epochs), its score beside the d2l
    baseline and the goal, and the edge warnings of its hyperparameters against the search ranges."""
    finished = table[(table["stage"] == stage) & table["valid_log_rmse"].notna()]
    if finished.empty:
        raise ValueError(f"search: no {stage} trial finished without diverging; nothing to choose")
    best = finished.loc[finished["valid_log_rmse"].idxmin()]
    params = {name: best[name].item() for name in ranges}
    score = float(best["valid_log_rmse"])
    return {
        "best_trial": best["trial"], "params": params, "epochs": int(best["epochs"]),
        "valid_log_rmse": score, "valid_std": float(best["valid_std"]), "baseline_log_rmse": baseline,
        "goal_log_rmse": goal, "meets_goal": bool(score <= goal),
        "improvement": baseline - score, "edge_warnings": sampling.edge_warnings(params, ranges, tolerance),
        "trials": {s: int((table["stage"] == s).sum()) for s in table["stage"].unique()},
        "diverged": int(table["diverged"].sum()),
    }


def nested_table(records):
    """One row per outer fold: its inner (search) score, outer score (also without the untrainable rows),
    inner minus outer, each model's pick and outer score alone, timing. Sorted by fold."""
    rows = []
    for r in sorted(records, key=lambda r: r["fold"]):
        row = {"fold": r["fold"], "inner_log_rmse": r["inner_log_rmse"], "outer_log_rmse": r["outer_log_rmse"],
               "inner_minus_outer": r["inner_log_rmse"] - r["outer_log_rmse"],
               "outer_log_rmse_trainable_rows": r["outer_log_rmse_trainable_rows"],
               "outer_valid_rows": len(r["outer_valid_rows"]), "outer_untrainable_rows": r["outer_untrainable_rows"],
               "trained_rows": r["trained_rows"]}
        for name, search in r["searches"].items():
            row |= {f"{name}_{key}": value for key, value in search["picked"].items()}
            row[f"{name}_inner_log_rmse"] = search["inner_log_rmse"]
            row[f"{name}_outer_log_rmse"] = r["model_outer_log_rmse"][name]
        rows.append(row | {"seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"]})
    return pd.DataFrame(rows)


def nested_summary(table, *, models, search_log_rmse, search_model):
    """Means over the outer folds and the optimism, inner minus outer: negative when the search's own
    (inner) score was lower, i.e. optimistic.

    Inner models train on (k-1)/k of the outer-training rows, so inner minus outer also holds the cost of
    training on fewer rows (it makes inner scores higher). search_log_rmse, the plain search's best score,
    comes from the same outer folds and training sizes as the outer scores: search minus outer (the mean
    outer score of `search_model`'s picks alone, the model the plain search searched) is the selection
    bias of that reported number alone (negative: it was optimistic); None when that model is not nested.
    """
    inner, outer = float(table["inner_log_rmse"].mean()), float(table["outer_log_rmse"].mean())
    return {
        "models": list(models), "folds": len(table), "inner_log_rmse": inner, "outer_log_rmse": outer,
        "outer_std": float(table["outer_log_rmse"].std(ddof=1)) if len(table) > 1 else float("nan"),
        "inner_minus_outer": inner - outer,
        "search_model": search_model, "search_log_rmse": search_log_rmse,
        "search_minus_outer": search_log_rmse - float(table[f"{search_model}_outer_log_rmse"].mean())
        if search_model in models else None,
        # scored without the rows no model trained on (the large houses under drop_from_training)
        "outer_log_rmse_trainable_rows": float(table["outer_log_rmse_trainable_rows"].mean()),
        "cpu_seconds": float(table["cpu_seconds"].sum()), "seconds": float(table["seconds"].sum()),
    }
