"""Random-search jobs on house prices: one trial scored by k-fold cross-validation, the trials table,
the search summary and the final fit of the best configuration.

A trial is a dict of sampled hyperparameters (lr, weight_decay, optionally hidden) plus its id; the
fixed settings (model, target, epochs, folds, ...) come from the caller. Training reuses the house
prices study's run_fold and fit_final (the same folds, model builder and loop) with an optimizer
and schedule from initlab.core.optimizers.
"""


import numpy as np

from initlab.core.optimizers import optimizer_factory, schedule_factory
from initlab.infra.joblog import Stopwatch
from initlab.infra.runtime import derive_seed
from initlab.studies.house_prices import training


def clip_features(features, clip):
    """Standardized features clipped to [-clip, clip] (None: unchanged).

    Uses no labels, so it is the same transform whichever rows validate: it bounds how far a
    linear model extrapolates for houses far outside the bulk (e.g. living area 8 std above the mean).
    """
    return features if clip is None else np.clip(features, -clip, clip)


def _training(trial, settings, device, seed):
    """The keywords of house_prices.training.run_fold / fit_final for this trial."""
    s = settings
    mlp = {}
    if s["model"] == "mlp":
        mlp = {"hidden": [int(trial["hidden"])], "activation": s["activation"], "dropout": s["dropout"]}
    optimizer = optimizer_factory(s["optimizer"], lr=trial["lr"], weight_decay=trial.get("weight_decay", 0.0),
                                  decay_biases=False)
    return dict(model=s["model"], initializer=s["initializer"], mlp=mlp, epochs=s["epochs"],
                batch_size=s["batch_size"], target=s["target"], device=device, seed=seed, optimizer=optimizer,
                schedule=schedule_factory(**s["schedule"]), mean_start=s["start_at_mean"])


def run_trial(*, trial, features, labels, settings, device, trainable=None):
    """Cross-validate one trial; return its record with per-fold and mean validation log-RMSE.

    features (n, d), labels (n, 1) raw prices; `settings`: folds, epochs, model, activation, dropout,
    initializer, target, batch_size, optimizer, schedule ({name, **settings}), clip, start_at_mean.
    `trainable`: None or a bool array (n,) of the rows a fold may train on (all are validated).
    Folds are the house study's, trained by its run_fold; fold f's weights and batch order are
    seeded by ("search", f), so trials differ only in their hyperparameters. A trial with a
    diverged fold scores NaN.
    """
    watch = Stopwatch()
    x = clip_features(features, settings["clip"])
    folds = [training.run_fold(features=x, labels=labels, fold=fold, folds=settings["folds"], trainable=trainable,
                               **_training(trial, settings, device, derive_seed("search", fold)))
             for fold in range(1, settings["folds"] + 1)]
    valid = [f["valid_log_rmse"] for f in folds]
    train_scores = [f["train_log_rmse"] for f in folds]
    diverged = any(f["diverged"] for f in folds)
    nan = float("nan")
    return {
        **trial, "epochs": settings["epochs"], "folds": settings["folds"],
        "valid_log_rmse": nan if diverged else float(np.mean(valid)),
        "valid_std": nan if diverged else float(np.std(valid, ddof=1)),
        "train_log_rmse": nan if diverged else float(np.mean(train_scores)),
        "fold_valid_log_rmse": valid, "diverged": diverged,
        **watch.read(), "device": str(device),
    }


def fit_best(*, trial, features, labels, test_features, settings, device, seed, trainable=None):
    """Train the trial's configuration on all rows (those `trainable`, a bool array (n,), when given);
    return (fit summary, test prices (m,) float64, >= 1)."""
    watch = Stopwatch()
    if trainable is not None:
        features, labels = features[trainable], labels[trainable]
    fit, prices = training.fit_final(features=clip_features(features, settings["clip"]), labels=labels,
                                     test_features=clip_features(test_features, settings["clip"]),
                                     **_training(trial, settings, device, seed))
    summary = {
        **trial, "rows": fit["rows"], "train_log_rmse": fit["train_log_rmse"], "diverged": fit["diverged"],
        "train_curve": fit["train_curve"], **watch.read(), "device": str(device),
        "seed": seed,
    }
    return summary, prices
