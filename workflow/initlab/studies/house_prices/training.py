"""House prices training: one cross-validation fold, or the final fit on all rows plus test predictions.

The house prices study and the random search both train through these two functions. They take
numpy arrays as prepared by `data.house.preprocess` and return JSON-ready dicts (and, for the
final fit, the predicted prices). Weights draw from torch's global generator and the minibatch
order from a generator, both seeded with `seed` right before the model is built.
"""

import numpy as np
import torch

from initlab.core import initializers, models, regression
from initlab.core.optimizers import optimizer_factory
from initlab.infra.joblog import Stopwatch


def d2l_adam(lr, weight_decay):
    """d2l's optimizer for house prices: Adam(lr, weight_decay), fused (one kernel for all parameters)."""
    return optimizer_factory("adam", lr=lr, weight_decay=weight_decay, fused=True)


def build_model(*, model, initializer, in_features, mlp):
    """The config's model ('linear' or 'mlp' with mlp = {hidden, activation, dropout}), initialized."""
    net = models.build(model, in_features=in_features, out_features=1, hidden=mlp.get("hidden", ()),
                       activation=mlp.get("activation", "relu"), dropout=mlp.get("dropout", 0.0))
    return initializers.initialize(net, initializer)


@torch.no_grad()
def start_at_mean(net, targets):
    """Set the output layer's bias to the mean training target (n, 1).

    With log prices (about 12) and one-hot features the intercept otherwise has to be learned
    through weights that weight decay pulls to 0. Uses the training rows only.
    """
    last = [m for m in net.modules() if isinstance(m, torch.nn.Linear)][-1]
    last.bias.copy_(targets.mean(0))


def _train(*, model, initializer, mlp, seed, device, target, optimizer, schedule, mean_start, x, y, **fit):
    """Seed, build, initialize and fit on x (n, d), y (n, 1) prices; return (net, FitResult, timing).

    timing: Stopwatch.read() of the fit ({"seconds", "cpu_seconds"}).
    """
    torch.manual_seed(seed)
    net = build_model(model=model, initializer=initializer, in_features=x.shape[1], mlp=mlp).to(device)
    if mean_start:
        start_at_mean(net, regression.encode_target(y, target))
    watch = Stopwatch()
    result = regression.fit(net, train_x=x, train_y=y, optimizer=optimizer, schedule=schedule, target=target,
                            generator=torch.Generator().manual_seed(seed), **fit)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return net, result, watch.read()


def _tensor(array, device):
    return torch.as_tensor(np.asarray(array, dtype=np.float32), device=device)


def run_fold(*, features, labels, fold, folds, model, initializer, mlp, epochs, batch_size, target, device, seed,
             optimizer, schedule=None, mean_start=False, trainable=None):
    """Train on every fold but `fold` (1-based) and validate on it.

    features (n, d), labels (n, 1) raw prices; `optimizer`: a factory params -> torch optimizer
    (d2l_adam for the study); `schedule`: None or optimizer -> LR scheduler; `mean_start`: see
    start_at_mean; `trainable`: None (every row) or a bool array (n,) of the rows the model may train
    on; the validation fold is scored whole either way. Returns curves (per-epoch log-RMSE), final train/valid log-RMSE (NaN when
    diverged), wall and CPU seconds of training (Stopwatch), device.
    """
    x, y = _tensor(features, device), _tensor(labels, device)
    train, valid = regression.kfold_indices(len(x), folds, fold - 1)
    if trainable is not None:
        train = train[torch.as_tensor(np.asarray(trainable, dtype=bool))[train]]
    train, valid = train.to(device), valid.to(device)
    _, result, timing = _train(model=model, initializer=initializer, mlp=mlp, seed=seed, device=device,
                                target=target, optimizer=optimizer, schedule=schedule, mean_start=mean_start,
                                x=x[train], y=y[train], valid_x=x[valid], valid_y=y[valid], epochs=epochs,
                                batch_size=batch_size)
    nan = float("nan")
    return {
        "model": model, "initializer": initializer, "fold": fold, "folds": folds, "target": target,
        "train_rows": len(train), "valid_rows": len(valid), "unused_rows": len(x) - len(train) - len(valid),
        "train_log_rmse": nan if result.diverged else result.train[-1],
        "valid_log_rmse": nan if result.diverged else result.valid[-1],
        "diverged": result.diverged, "diverged_epoch": result.diverged_epoch,
        "train_curve": result.train, "valid_curve": result.valid,
        **timing, "device": str(device), "seed": seed,
    }


def fit_final(*, features, labels, test_features, model, initializer, mlp, epochs, batch_size, target, device,
              seed, optimizer, schedule=None, mean_start=False):
    """Train on all rows; return (summary dict, predicted test prices (m,) float64).

    Prices are >= 1 (clamped like the metric) unless the fit diverged: then they may be NaN or inf
    and the summary says diverged. Arguments as for run_fold.
    """
    x, y = _tensor(features, device), _tensor(labels, device)
    net, result, timing = _train(model=model, initializer=initializer, mlp=mlp, seed=seed, device=device,
                                  target=target, optimizer=optimizer, schedule=schedule, mean_start=mean_start,
                                  x=x, y=y, epochs=epochs, batch_size=batch_size)
    outputs = models.predict(net, _tensor(test_features, device))
    prices = regression.to_prices(outputs, target).squeeze(1).double().cpu().numpy()
    diverged = result.diverged or not np.isfinite(prices).all()
    summary = {
        "model": model, "initializer": initializer, "target": target, "rows": len(x),
        "train_log_rmse": float("nan") if diverged else result.train[-1],
        "diverged": diverged, "diverged_epoch": result.diverged_epoch, "train_curve": result.train,
        **timing, "device": str(device), "seed": seed,
    }
    return summary, prices
