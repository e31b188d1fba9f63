"""House prices jobs: one cross-validation fold, or the final fit on all rows plus test predictions.

Both take numpy arrays as prepared by `house.preprocess` and return JSON-ready dicts (and, for the
final fit, the predicted prices). Callers seed torch first (`runtime.configure`): the initializer
draws from torch's global generator, the minibatch order from `generator`.
"""

import time

import numpy as np
import torch

from initlab.core import initializers, models, regression


def build_model(*, model, initializer, in_features, mlp):
    """The config's model ('linear' or 'mlp' with mlp = {hidden, activation, dropout}), initialized."""
    net = models.build(model, in_features=in_features, out_features=1, hidden=mlp.get("hidden", ()),
                       activation=mlp.get("activation", "relu"), dropout=mlp.get("dropout", 0.0))
    return initializers.initialize(net, initializer)


def _training(*, model, initializer, mlp, features, device, seed, epochs, batch_size, optimizer,
              target, schedule, **rows):
    """Build, initialize and fit; return (net, FitResult, seconds)."""
    net = build_model(model=model, initializer=initializer, in_features=features.shape[1], mlp=mlp).to(device)
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    result = regression.fit(net, epochs=epochs, batch_size=batch_size, optimizer=optimizer, schedule=schedule,
                            target=target, generator=generator, **rows)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return net, result, time.perf_counter() - start


def _tensor(array, device):
    return torch.as_tensor(np.asarray(array, dtype=np.float32), device=device)


def run_fold(*, features, labels, fold, folds, model, initializer, mlp, epochs, lr, weight_decay,
             batch_size, target, device, seed, optimizer=None, schedule=None):
    """Train on every fold but `fold` (1-based) and validate on it.

    features (n, d), labels (n, 1) raw prices. `optimizer` defaults to the seed's Adam(lr, weight_decay).
    Returns curves (per-epoch log-RMSE), final train/valid log-RMSE (NaN when diverged), seconds, device.
    """
    x, y = _tensor(features, device), _tensor(labels, device)
    train, valid = (idx.to(device) for idx in regression.kfold_indices(len(x), folds, fold - 1))
    optimizer = optimizer or regression.make_optimizer("adam", lr=lr, weight_decay=weight_decay, fused=True)
    _, result, seconds = _training(model=model, initializer=initializer, mlp=mlp, features=x, device=device,
                                   seed=seed, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                                   target=target, schedule=schedule, train_x=x[train], train_y=y[train],
                                   valid_x=x[valid], valid_y=y[valid])
    nan = float("nan")
    return {
        "model": model, "initializer": initializer, "fold": fold, "folds": folds, "target": target,
        "train_rows": len(train), "valid_rows": len(valid), "unused_rows": len(x) - len(train) - len(valid),
        "train_log_rmse": nan if result.diverged else result.train[-1],
        "valid_log_rmse": nan if result.diverged else result.valid[-1],
        "diverged": result.diverged, "diverged_epoch": result.diverged_epoch,
        "train_curve": result.train, "valid_curve": result.valid,
        "seconds": seconds, "device": str(device), "seed": seed,
    }


def fit_final(*, features, labels, test_features, model, initializer, mlp, epochs, lr, weight_decay,
              batch_size, target, device, seed, optimizer=None, schedule=None):
    """Train on all rows; return (summary dict, predicted test prices (m,) float64, >= 1)."""
    x, y = _tensor(features, device), _tensor(labels, device)
    optimizer = optimizer or regression.make_optimizer("adam", lr=lr, weight_decay=weight_decay, fused=True)
    net, result, seconds = _training(model=model, initializer=initializer, mlp=mlp, features=x, device=device,
                                     seed=seed, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                                     target=target, schedule=schedule, train_x=x, train_y=y)
    outputs = regression.predict(net, _tensor(test_features, device))
    prices = regression.to_prices(outputs, target).squeeze(1).double().cpu().numpy()
    diverged = result.diverged or not np.isfinite(prices).all()
    summary = {
        "model": model, "initializer": initializer, "target": target, "rows": len(x),
        "train_log_rmse": float("nan") if diverged else result.train[-1],
        "diverged": diverged, "diverged_epoch": result.diverged_epoch, "train_curve": result.train,
        "seconds": seconds, "device": str(device), "seed": seed,
    }
    return summary, prices
