"""Classifier training over in-memory tensors: minibatches are row slices, no DataLoader.

Shared by every study that trains a classifier (initializers, diagnostics, optimizers, schedules).
The optimizer is a registry name plus keyword arguments (or a factory from core.optimizers), the
learning-rate schedule an optional factory, and an optional observer sees every step, so every
study reuses this loop as is; `train_mlp` is the Fashion-MNIST MLP run they all start from.
"""

import math

import torch
from torch.nn import functional as F

from initlab.core import initializers, models
from initlab.core.batches import shuffled_minibatches
from initlab.core.optimizers import optimizer_factory
from initlab.infra.progress import EpochProgress

SCHEDULE_UNITS = ("epoch", "step")


def train_classifier(
    model,
    *,
    train_x,
    train_y,
    epochs,
    batch_size,
    lr,
    generator,
    device,
    optimizer="adam",
    optimizer_kwargs=None,
    scheduler=None,
    schedule_every="epoch",
    observer=None,
):
    """Train `model` in place with cross-entropy; return the loss record.

    train_x (n, ...) float, train_y (n,) int64 class indices: CPU or `device` tensors, moved once.
    Each epoch visits a permutation drawn from `generator` (a CPU torch.Generator) in `batch_size`
    row slices, the last one possibly smaller (DataLoader(shuffle=True) semantics).
    `optimizer`: a name in core.optimizers.REGISTRY (with `optimizer_kwargs`) or a factory
    (params, lr=, **kwargs) -> torch optimizer, as optimizer_factory makes. `scheduler`: None or a factory
    (optimizer) -> torch LR scheduler, stepped after every epoch or every step (`schedule_every`).
    `observer`: None or an object with before_step(step, model) and after_step(step, model, loss),
    called around each optimizer step; step counts from 0 over the whole run, loss is the batch's
    detached loss tensor (on `device`; calling .item() on it synchronizes a GPU).

    A non-finite batch loss ends training at the end of that epoch (losses are checked once per
    epoch, so a GPU is not synchronized every step); the record then has diverged=True and its
    batch losses stop at the first non-finite one.

    Returns {"batch_losses": [float per step], "epoch_losses": [mean batch loss per epoch],
    "lrs": [learning rate of the first param group at the start of each epoch], "steps": int,
    "diverged": bool}.
    """
    if schedule_every not in SCHEDULE_UNITS:
        raise ValueError(f"schedule_every {schedule_every!r}: expected one of {SCHEDULE_UNITS}")
    device = torch.device(device)
    model.to(device).train()
    train_x, train_y = train_x.to(device), train_y.to(device)
    factory = optimizer if callable(optimizer) else optimizer_factory(optimizer)
    opt = factory(model.parameters(), lr=lr, **(optimizer_kwargs or {}))
    sched = scheduler(opt) if scheduler is not None else None
    n = len(train_x)
    steps_per_epoch = math.ceil(n / batch_size)
    batch_losses, epoch_losses, lrs = [], [], []
    step, diverged = 0, False
    progress = EpochProgress("training", epochs)
    for epoch in range(1, epochs + 1):
        lrs.append(opt.param_groups[0]["lr"])
        losses = torch.empty(steps_per_epoch, device=device)  # one slot per batch, read once per epoch
        for i, (x, y) in enumerate(shuffled_minibatches((train_x, train_y), batch_size, generator)):
            if observer is not None:
                observer.before_step(step, model)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses[i] = loss.detach()
            if observer is not None:
                observer.after_step(step, model, losses[i])
            if sched is not None and schedule_every == "step":
                sched.step()
            step += 1
        seen = losses.cpu()  # the epoch's batch losses, one transfer
        finite = torch.isfinite(seen)
        if not bool(finite.all()):
            first_bad = int((~finite).nonzero()[0])
            batch_losses += seen[: first_bad + 1].tolist()
            diverged = True
            break
        batch_losses += seen.tolist()
        epoch_losses.append(float(seen.mean()))
        progress(epoch, loss=epoch_losses[-1])
        if sched is not None and schedule_every == "epoch":
            sched.step()
    return {
        "batch_losses": batch_losses,
        "epoch_losses": epoch_losses,
        "lrs": lrs,
        "steps": step,
        "diverged": diverged,
    }


def train_mlp(*, train, hidden, activation, dropout, initializer, batch_seed, classes=10, **training):
    """The Fashion-MNIST MLP run the classifier studies share: build, initialize, train.

    train = (x (n, 784), y (n,)). The MLP is in -> hidden -> `classes`; `initializer` is a registry
    name, or None to keep the weights PyTorch draws at construction. Weights and dropout masks draw
    from torch's global generator (seeded by the caller); the batch order from a generator seeded
    with `batch_seed`, so runs that share it see the same batches (a paired comparison).
    `training`: the rest of train_classifier's keywords. Returns (model, record).
    """
    x, y = train
    model = models.MLP(x.shape[1], list(hidden), classes, activation, dropout)
    if initializer is not None:
        initializers.initialize(model, initializer)
    record = train_classifier(model, train_x=x, train_y=y, generator=torch.Generator().manual_seed(batch_seed),
                              **training)
    return model, record


def predict(model, x, batch_size):
    """Class indices (n,) int64 on the CPU, from models.predict (eval mode, chunks of `batch_size`)."""
    return models.predict(model, x, batch_size).argmax(1).cpu()


def accuracy(model, x, y, batch_size):
    """Fraction of rows of x (n, ...) whose predicted class equals y (n,), with dropout off.

    The model's train/eval mode is restored afterwards. A non-finite output row counts as wrong
    only through argmax (NaN logits give class 0), so a diverged model scores near chance.
    """
    if len(x) != len(y):
        raise ValueError(f"accuracy: {len(x)} inputs but {len(y)} labels")
    if len(x) == 0:
        raise ValueError("accuracy: no samples to evaluate")
    return float((predict(model, x, batch_size) == y.cpu()).double().mean())


def evaluate(model, x, y, batch_size):
    """(mean cross-entropy in nats, accuracy in [0, 1]) on x (n, ...), y (n,), dropout off.

    The loss is summed chunk by chunk in float64, as the logits are computed.
    """
    logits = models.predict(model, x, batch_size)
    y = y.to(logits.device)
    loss = sum(float(F.cross_entropy(logits[i:i + batch_size], y[i:i + batch_size], reduction="sum"))
               for i in range(0, len(x), batch_size))
    return loss / len(x), int((logits.argmax(1) == y).sum()) / len(x)
