"""Nested cross-validation of the random search: how optimistic is the search's best score?

The search picks the trial with the lowest mean validation log-RMSE over folds, and that same mean is
its reported score, so the score is biased low. Here the whole search (the same coarse trial list,
the same fine-stage planning) runs on the training rows of one outer fold only, scored on inner folds
inside them; its pick is refit on those rows and scored on the outer fold, which the search never saw.
The gap inner minus outer measures the selection bias (negative: the inner score was optimistic).

With several models (e.g. linear and mlp) each gets its own inner search and the outer prediction is
the average of their predictions in log-price space (a geometric mean of prices).
"""

import numpy as np
import torch

from initlab.core import regression
from initlab.infra.joblog import Stopwatch
from initlab.infra.runtime import derive_seed
from initlab.studies.search import sampling, trials


def outer_split(n, folds, fold):
    """Row indices (train, valid) of outer fold `fold` (1-based): the house study's contiguous folds."""
    train, valid = regression.kfold_indices(n, folds, fold - 1)
    return train.numpy(), valid.numpy()


def log_rmse(prices, labels):
    """d2l's log-RMSE (core.regression's) of predicted prices (m,) against true prices (m,) or (m, 1), in
    float64; NaN unless every prediction is finite."""
    prices, labels = (torch.as_tensor(np.asarray(a, dtype=np.float64).reshape(-1, 1)) for a in (prices, labels))
    return regression.log_rmse(prices, labels) if torch.isfinite(prices).all() else float("nan")


def average_log_prices(predictions):
    """The average of several models' predicted prices (each (m,)) in log-price space: exp(mean(log p))."""
    stacked = np.log(np.stack([np.asarray(p, dtype=np.float64) for p in predictions]))
    return np.exp(stacked.mean(axis=0))


def _compact(record, ranges):
    """What the outer fold's record keeps of one inner trial: its values and inner score."""
    keys = ("trial", *ranges, "epochs", "valid_log_rmse", "valid_std", "diverged")
    return {key: record[key] for key in keys}


def inner_search(*, features, labels, trainable, ranges, stages, fine, coarse_trials, seed, device):
    """The coarse-to-fine search of search.smk, in one process, on these rows only.

    stages: {"coarse": settings, "fine": settings} as trials.run_trial takes them (their `folds` are the
    inner folds); fine: {trials, top, shrink}; coarse_trials: the coarse trial list (the one the search
    samples from its seed); the fine stage is sampling.plan_fine with sampling.fine_seed(seed), as plan_fine_trials.
    Returns {picked: the best fine trial's values, inner_log_rmse, inner_std, fine_ranges, trials}.
    """
    run = dict(features=features, labels=labels, device=device, trainable=trainable)
    coarse = [trials.run_trial(trial=t, settings=stages["coarse"], **run) for t in coarse_trials]
    plan = sampling.plan_fine(coarse, ranges, top=fine["top"], shrink=fine["shrink"], trials=fine["trials"],
                              seed=sampling.fine_seed(seed))
    fine_ranges = plan["ranges"]
    done = [trials.run_trial(trial=t, settings=stages["fine"], **run) for t in plan["trials"]]
    picked = sampling.best_trials(done, [r["valid_log_rmse"] for r in done], top=1)[0]
    return {"picked": {"trial": picked["trial"], **{n: picked[n] for n in ranges}},
            "inner_log_rmse": picked["valid_log_rmse"], "inner_std": picked["valid_std"], "fine_ranges": fine_ranges,
            "trials": [_compact(r, ranges) for r in coarse + done]}


def _fit_predict(trial, settings, train, valid, *, features, labels, trainable, device, seed):
    """Prices predicted for rows `valid` by the trial's configuration fit on rows `train` (trainable ones)."""
    _, prices = trials.fit_best(trial=trial, features=features[train], labels=labels[train],
                                test_features=features[valid], settings=settings, device=device, seed=seed,
                                trainable=None if trainable is None else trainable[train])
    return prices


def inner_average_score(picked, settings, *, features, labels, trainable, folds, device):
    """Mean over the inner folds of the log-RMSE of the averaged picks (each model's fold f trained with the
    seed its inner trial used, so each model's fold predictions are those its inner score came from)."""
    scores = []
    for fold in range(1, folds + 1):
        train, valid = (i.numpy() for i in regression.kfold_indices(len(features), folds, fold - 1))
        prices = [_fit_predict(picked[m], settings[m], train, valid, features=features, labels=labels,
                               trainable=trainable, device=device, seed=derive_seed("search", fold))
                  for m in picked]
        scores.append(log_rmse(average_log_prices(prices), labels[valid]))
    return float(np.mean(scores))


def run_outer_fold(*, features, labels, trainable, fold, folds, models, fine, seed, device):
    """Run the search inside outer fold `fold` of `folds` and score its pick on that fold.

    features (n, d), labels (n, 1) prices, trainable None or bool (n,); models: {name: {"ranges",
    "coarse_trials", "stages"}} (see inner_search; each stage's `folds` are the inner folds). Returns the
    outer fold's record: rows used (outer_train_rows, outer_valid_rows), per model its pick and inner score,
    the inner score of what is submitted (the single model's, or the average's), the outer score, timing.
    """
    watch = Stopwatch()
    train, valid = outer_split(len(features), folds, fold)
    rows = dict(features=features[train], labels=labels[train],
                trainable=None if trainable is None else np.asarray(trainable, dtype=bool)[train])
    searches = {name: inner_search(**rows, ranges=m["ranges"], stages=m["stages"], fine=fine,
                                   coarse_trials=m["coarse_trials"], seed=seed, device=device)
                for name, m in models.items()}
    picked = {name: s["picked"] for name, s in searches.items()}
    fine_settings = {name: m["stages"]["fine"] for name, m in models.items()}
    refit_seed = derive_seed("search", "outer", fold)
    prices = {name: _fit_predict(picked[name], fine_settings[name], train, valid, features=features, labels=labels,
                                 trainable=None if trainable is None else np.asarray(trainable, dtype=bool),
                                 device=device, seed=refit_seed)
              for name in models}
    if len(models) == 1:
        inner = next(iter(searches.values()))["inner_log_rmse"]
    else:
        inner_folds = next(iter(fine_settings.values()))["folds"]
        inner = inner_average_score(picked, fine_settings, **rows, folds=inner_folds, device=device)
    predicted = average_log_prices(list(prices.values()))
    outer = log_rmse(predicted, labels[valid])
    # the same score without the rows no model may train on (the large houses under drop_from_training)
    kept = np.ones(len(valid), dtype=bool) if trainable is None else np.asarray(trainable, dtype=bool)[valid]
    return {
        "fold": fold, "folds": folds, "models": list(models), "inner_log_rmse": inner, "outer_log_rmse": outer,
        "outer_log_rmse_trainable_rows": log_rmse(predicted[kept], labels[valid][kept]),
        "outer_untrainable_rows": int((~kept).sum()),
        "model_outer_log_rmse": {name: log_rmse(p, labels[valid]) for name, p in prices.items()},
        "searches": searches, "outer_train_rows": train.tolist(), "outer_valid_rows": valid.tolist(),
        "trained_rows": int(len(train) if rows["trainable"] is None else rows["trainable"].sum()),
        **watch.read(), "device": str(device),
    }
