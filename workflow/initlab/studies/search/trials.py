"""Random-search jobs on house prices: one trial scored by k-fold cross-validation, the trials table,
the search summary and the final fit of the best configuration.

A trial is a dict of sampled hyperparameters (lr, weight_decay, optionally hidden) plus its id; the
fixed settings (model, target, epochs, folds, ...) come from the caller. Training reuses the house
prices study's pieces (the same folds from regression.kfold_indices, training.build_model,
regression.fit and its log-RMSE) with an optimizer from initlab.core.optimizers.
"""

import time

import numpy as np
import pandas as pd
import torch

from initlab.core import regression
from initlab.core.optimizers import optimizer_factory, schedule_factory
from initlab.infra.runtime import derive_seed
from initlab.studies.house_prices import training
from initlab.studies.search import sampling


def clip_features(features, clip):
    """Standardized features clipped to [-clip, clip] (None: unchanged).

    Uses no labels, so it is the same transform whichever rows validate: it bounds how far a
    linear model extrapolates for houses far outside the bulk (e.g. living area 8 std above the mean).
    """
    return features if clip is None else np.clip(features, -clip, clip)


def _optimizer(trial, optimizer):
    return optimizer_factory(optimizer, lr=trial["lr"], weight_decay=trial.get("weight_decay", 0.0),
                             decay_biases=False)


def _train(*, trial, settings, x, y, seed, device, valid_x=None, valid_y=None):
    """Build, initialize and fit the trial's model on x (n, d), y (n, 1) prices; return (net, FitResult)."""
    s = settings
    torch.manual_seed(seed)
    mlp = {}
    if s["model"] == "mlp":
        mlp = {"hidden": [int(trial["hidden"])], "activation": s["activation"], "dropout": s["dropout"]}
    net = training.build_model(model=s["model"], initializer=s["initializer"], in_features=x.shape[1],
                                     mlp=mlp).to(device)
    if s["start_at_mean"]:
        start_at_mean(net, regression.encode_target(y, s["target"]))
    result = regression.fit(net, train_x=x, train_y=y, valid_x=valid_x, valid_y=valid_y, epochs=s["epochs"],
                            batch_size=s["batch_size"], optimizer=_optimizer(trial, s["optimizer"]),
                            schedule=schedule_factory(**s["schedule"]), target=s["target"], generator=torch.Generator().manual_seed(seed))
    return net, result


@torch.no_grad()
def start_at_mean(net, targets):
    """Set the output layer's bias to the mean training target (n, 1).

    With log prices (about 12) and one-hot features the intercept otherwise has to be learned
    through weights that weight decay pulls to 0. Uses the training rows only.
    """
    last = [m for m in net.modules() if isinstance(m, torch.nn.Linear)][-1]
    last.bias.copy_(targets.mean(0))


def _tensor(array, device):
    return torch.as_tensor(np.asarray(array, dtype=np.float32), device=device)


def run_trial(*, trial, features, labels, settings, device):
    """Cross-validate one trial; return its record with per-fold and mean validation log-RMSE.

    features (n, d), labels (n, 1) raw prices; `settings`: folds, epochs, model, activation, dropout,
    initializer, target, batch_size, optimizer, schedule ({name, **settings}), clip, start_at_mean. Folds are the house study's
    (regression.kfold_indices); fold f's weights and batch order are seeded by ("search", f), so
    trials differ only in their hyperparameters. A trial with a diverged fold scores NaN.
    """
    start = time.perf_counter()
    x = _tensor(clip_features(features, settings["clip"]), device)
    y = _tensor(labels, device)
    valid, train_scores, diverged = [], [], False
    for fold in range(settings["folds"]):
        rows_train, rows_valid = (i.to(device) for i in regression.kfold_indices(len(x), settings["folds"], fold))
        _, result = _train(trial=trial, settings=settings, x=x[rows_train], y=y[rows_train], seed=derive_seed(
            "search", fold + 1), device=device, valid_x=x[rows_valid], valid_y=y[rows_valid])
        diverged |= result.diverged
        valid.append(float("nan") if result.diverged else result.valid[-1])
        train_scores.append(float("nan") if result.diverged else result.train[-1])
    nan = float("nan")
    return {
        **trial, "epochs": settings["epochs"], "folds": settings["folds"],
        "valid_log_rmse": nan if diverged else float(np.mean(valid)),
        "valid_std": nan if diverged else float(np.std(valid, ddof=1)),
        "train_log_rmse": nan if diverged else float(np.mean(train_scores)),
        "fold_valid_log_rmse": valid, "diverged": diverged,
        "seconds": time.perf_counter() - start, "device": str(device),
    }


def fit_best(*, trial, features, labels, test_features, settings, device, seed):
    """Train the trial's configuration on all rows; return (fit summary, test prices (m,) float64, >= 1)."""
    start = time.perf_counter()
    x, y = _tensor(clip_features(features, settings["clip"]), device), _tensor(labels, device)
    net, result = _train(trial=trial, settings=settings, x=x, y=y, seed=seed, device=device)
    outputs = regression.predict(net, _tensor(clip_features(test_features, settings["clip"]), device))
    prices = regression.to_prices(outputs, settings["target"]).squeeze(1).double().cpu().numpy()
    diverged = result.diverged or not np.isfinite(prices).all()
    summary = {
        **trial, "rows": len(x), "train_log_rmse": float("nan") if diverged else result.train[-1],
        "diverged": diverged, "train_curve": result.train, "seconds": time.perf_counter() - start,
        "device": str(device), "seed": seed,
    }
    return summary, prices


def tabulate(records, ranges, tolerance):
    """The trials table: one row per trial, with its stage, rank within the stage (1 = lowest mean
    validation log-RMSE; diverged trials unranked) and its edge warnings against `ranges`."""
    table = pd.DataFrame([{k: v for k, v in r.items() if k != "fold_valid_log_rmse"} for r in records])
    table.insert(1, "stage", table["trial"].str.rstrip("0123456789"))
    table["rank"] = table.groupby("stage")["valid_log_rmse"].rank(method="first").astype("Int64")
    table["edge_warning"] = ["; ".join(sampling.edge_warnings(r, ranges, tolerance)) for r in records]
    return table.sort_values(["stage", "rank"], ascending=[True, True], na_position="last", ignore_index=True)


def summarize(table, *, ranges, tolerance, stage, baseline, goal):
    """The best trial of `stage` (the fine stage, trained for full epochs), its score beside the seed
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

