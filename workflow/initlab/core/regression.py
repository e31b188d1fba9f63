"""Regression training as in the d2l house prices practice: k-fold split, log-RMSE, minibatch loop.

The loop keeps the data as tensors on one device and slices shuffled minibatches by index
(`batches.shuffled_minibatches`); the optimizer and an optional learning-rate schedule are factories
from core.optimizers, so a study can swap Adam for another optimizer without touching the loop.

Targets: with `target="price"` (d2l's choice) the model predicts SalePrice; with `target="log_price"`
it is trained on log(SalePrice) and its prediction p stands for the price exp(p). Either way the
metric is d2l's log-RMSE on prices clamped to >= 1: for log_price, log(max(exp(p), 1)) is
computed as max(p, 0), the same number without overflow.
"""

import math
from dataclasses import dataclass, field

import torch
from torch import nn

from initlab.core.batches import shuffled_minibatches
from initlab.core.models import predict
from initlab.infra.progress import EpochProgress

TARGETS = ("price", "log_price")


def kfold_indices(n, folds, fold):
    """Row indices (train, valid) of fold `fold` (0-based) of `folds` contiguous folds of n // folds rows.

    As in d2l's get_k_fold_data, the last n % folds rows belong to no fold: they are in neither the
    training nor the validation rows of any fold.
    """
    if folds < 2:
        raise ValueError(f"folds={folds}: k-fold cross-validation needs at least 2 folds")
    if not 0 <= fold < folds:
        raise ValueError(f"fold={fold}: expected 0 <= fold < {folds}")
    size = n // folds
    if size == 0:
        raise ValueError(f"{n} rows cannot make {folds} folds of at least one row")
    rows = torch.arange(size * folds)
    valid = rows[fold * size:(fold + 1) * size]
    train = torch.cat([rows[: fold * size], rows[(fold + 1) * size:]])
    return train, valid


def encode_target(prices, target):
    """What the model is trained to predict: prices (n, 1) as they are, or their log."""
    if target == "price":
        return prices
    if target == "log_price":
        return torch.log(prices)
    raise ValueError(f"target {target!r}: expected one of {', '.join(TARGETS)}")


def log_predictions(outputs, target):
    """log of the predicted prices, clamped to >= 1 as in d2l: log(max(price, 1))."""
    if target == "price":
        return torch.log(torch.clamp(outputs, min=1.0))
    if target == "log_price":
        return torch.clamp(outputs, min=0.0)  # = log(max(exp(p), 1)), without overflow
    raise ValueError(f"target {target!r}: expected one of {', '.join(TARGETS)}")


def to_prices(outputs, target):
    """Predicted prices from model outputs, clamped to >= 1 like the metric (a price must be positive)."""
    return torch.exp(log_predictions(outputs, target))


def log_rmse(outputs, prices, target="price"):
    """d2l's metric: sqrt(mean((log(max(pred, 1)) - log(price))^2)), as a float."""
    return math.sqrt(_mean_squared_log_error(outputs, prices, target).item())


def _mean_squared_log_error(outputs, prices, target):
    """mean((log(max(pred, 1)) - log(price))^2) as a 0-d tensor on the outputs' device (log_rmse's square)."""
    diff = log_predictions(outputs, target) - torch.log(prices)
    return torch.mean(diff * diff)


@dataclass
class FitResult:
    """Per-epoch log-RMSE curves (valid is empty without validation rows) and divergence."""

    train: list = field(default_factory=list)
    valid: list = field(default_factory=list)
    diverged: bool = False
    diverged_epoch: int | None = None  # 1-based epoch after which a non-finite value appeared


def _epoch_metrics(model, train_x, train_y, valid_x, valid_y, target):
    """(train log-RMSE, valid log-RMSE or None, all parameters finite) with one device-to-host transfer."""
    errors = [_mean_squared_log_error(predict(model, train_x), train_y, target)]
    if valid_x is not None:
        errors.append(_mean_squared_log_error(predict(model, valid_x), valid_y, target))
    finite = torch.stack([torch.isfinite(p).all() for p in model.parameters()]).all()
    *squares, ok = torch.stack([*errors, finite.to(errors[0].dtype)]).tolist()
    train, *valid = map(math.sqrt, squares)  # in Python, like log_rmse, so the numbers are its own
    return train, (valid[0] if valid else None), bool(ok)


def fit(model, *, train_x, train_y, valid_x=None, valid_y=None, epochs, batch_size, optimizer,
        schedule=None, target="price", generator):
    """Train `model` with MSE on minibatches; return a FitResult with log-RMSE after every epoch.

    train_x (n, d), train_y (n, 1) raw prices, on the model's device; valid_* likewise or None.
    `optimizer`: params -> torch optimizer; `schedule`: optimizer -> LR scheduler stepped once per
    epoch, or None. `generator`: a CPU torch.Generator that orders the minibatches.
    A NaN/inf loss shows up as non-finite parameters or metric at the end of its epoch; training
    then stops and the result says diverged (no exception).
    """
    labels = encode_target(train_y, target)
    opt = optimizer(model.parameters())
    sched = schedule(opt) if schedule is not None else None
    loss_fn = nn.MSELoss()
    result = FitResult()
    progress = EpochProgress("training", epochs)
    model.train()
    for epoch in range(1, epochs + 1):
        for x, y in shuffled_minibatches((train_x, labels), batch_size, generator):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        if sched is not None:
            sched.step()
        train, valid, finite = _epoch_metrics(model, train_x, train_y, valid_x, valid_y, target)
        result.train.append(train)
        if valid is not None:
            result.valid.append(valid)
        last = [result.train[-1]] + result.valid[-1:]
        progress(epoch, **dict(zip(("train_log_rmse", "valid_log_rmse"), last)))
        if not (all(map(math.isfinite, last)) and finite):
            result.diverged, result.diverged_epoch = True, epoch
            break
    return result
