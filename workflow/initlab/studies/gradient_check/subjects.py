"""The gradient-check stage: this project's models, warmed up, checked in float64.

A subject is a config spec: {data: house_prices | fashion_mnist, model: linear | mlp | planted,
hidden, activation, dropout, planted}. House prices are regressed on standardized log prices
(raw prices near 2e5 would make every float64 difference quotient a difference of huge
numbers); Fashion-MNIST uses cross-entropy on the 10 classes.
"""

import logging

import numpy as np
import torch
import torch.nn.functional as F

from initlab.core import models
from initlab.core.optimizers import optimizer_factory
from initlab.studies.gradient_check import checker
from initlab.studies.gradient_check.planted import PlantedMLP

log = logging.getLogger(__name__)
DATASETS = ("house_prices", "fashion_mnist")


def tensors(data, arrays, rows):
    """(x, y) tensors for the examples `rows` (int array) of the prepared arrays of `data`.

    house_prices: x (rows, features) float64, y (rows, 1) log SalePrice standardized over all examples.
    fashion_mnist: x (rows, 784) float64 in [0, 1], y (rows,) int64 class indices.
    Only the chosen rows are converted: all 48000 images in float64 would take 300 MB.
    """
    if data == "house_prices":
        log_price = np.log(np.asarray(arrays["train_labels"], dtype=np.float64))
        y = (log_price - log_price.mean()) / log_price.std()
        return torch.as_tensor(np.asarray(arrays["train_features"][rows], dtype=np.float64)), torch.as_tensor(y[rows])
    if data == "fashion_mnist":
        x = np.asarray(arrays["x"][rows], dtype=np.float64)
        return torch.as_tensor(x), torch.as_tensor(np.asarray(arrays["y"][rows], dtype=np.int64))
    raise KeyError(f"gradient check data {data!r}: expected one of {', '.join(DATASETS)}")


def examples(data, arrays):
    """How many training examples `data` has."""
    return len(arrays["train_labels"] if data == "house_prices" else arrays["y"])


def build(spec, *, in_features, out_features, dtype=torch.float64):
    """The model a spec names, in `dtype`; 'planted' is the MLP with the wrong tanh backward."""
    hidden = list(spec.get("hidden", []))
    if spec["model"] == "planted":
        if len(hidden) != 1:
            raise ValueError(f"planted model: expected one hidden size, got {hidden}")
        return PlantedMLP(in_features, hidden[0], out_features).to(dtype)
    return models.build(
        spec["model"], in_features=in_features, out_features=out_features, hidden=hidden,
        activation=spec.get("activation", "relu"), dropout=spec.get("dropout", 0.0),
    ).to(dtype)


def data_loss(data):
    return F.mse_loss if data == "house_prices" else F.cross_entropy


def weight_penalty(model, weight_decay):
    """(weight_decay / 2) * sum of squared weights (matrices only; biases are not decayed)."""
    return weight_decay / 2 * sum((p**2).sum() for p in model.parameters() if p.dim() > 1)


def warm_up(model, loss_fn, batches, *, lr):
    """One Adam step per (x, y) batch; returns the loss on all of them, dropout off: [before, after]."""
    optimizer = optimizer_factory("adam", lr=lr)(model.parameters())  # torch.optim.Adam (core.nodynamo)
    x, y = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    losses = [_eval_loss(model, loss_fn, x, y)]
    for xb, yb in batches:
        optimizer.zero_grad()
        loss_fn(model(xb), yb).backward()
        optimizer.step()
    return losses + [_eval_loss(model, loss_fn, x, y)]


def _eval_loss(model, loss_fn, x, y):
    model.eval()
    with torch.no_grad():
        loss = float(loss_fn(model(x), y))
    model.train()
    return loss


def check_subject(spec, arrays, *, seed, h, entries, batch_size, warmup_steps, warmup_lr, weight_decay,
                  noise_factor):
    """Warm up the model of `spec`, then check its data loss and weight penalty separately.

    (warmup_steps + 1) * batch_size distinct examples are drawn with a generator seeded by `seed`:
    one batch per warm-up step (Adam, lr `warmup_lr`), and a fresh batch for the check. The
    model's initialization draws from torch's global generator, which the caller seeds.
    Returns (entries, info): a list of checker.Entry and a dict of warm-up losses.
    """
    n, needed = examples(spec["data"], arrays), (warmup_steps + 1) * batch_size
    if needed > n:
        raise ValueError(f"gradient check: (warmup_steps + 1) * batch_size = {needed} exceeds the {n} "
                         f"{spec['data']} training examples")
    generator = torch.Generator().manual_seed(seed)
    rows = torch.randperm(n, generator=generator)[:needed].numpy()
    x, y = tensors(spec["data"], arrays, rows)
    model = build(spec, in_features=x.shape[1], out_features=1 if spec["data"] == "house_prices" else 10)
    loss_fn = data_loss(spec["data"])
    model.train()  # dropout stays on: the checker fixes its mask with the RNG seed
    batches = list(zip(x.split(batch_size), y.split(batch_size)))
    warmup = warm_up(model, loss_fn, batches[:-1], lr=warmup_lr) if warmup_steps else [float("nan")] * 2
    log.info("warm-up loss %.6g -> %.6g over %d steps", *warmup, warmup_steps)
    xb, yb = batches[-1]
    terms = {
        "data": lambda: loss_fn(model(xb), yb),
        "weight_decay": lambda: weight_penalty(model, weight_decay),
    }
    results = checker.check(terms, dict(model.named_parameters()), h=h, entries=entries, seed=seed,
                              noise_factor=noise_factor)
    info = dict(warmup_loss_before=warmup[0], warmup_loss_after=warmup[1],
                parameters=sum(p.numel() for p in model.parameters()), labels=models.parameter_labels(model))
    return results, info
