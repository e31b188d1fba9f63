"""The optimizer study: one (optimizer, schedule, seed) run of the Fashion-MNIST MLP.

Each run trains the MLP with cross-entropy through classify.train_classifier, with the optimizer
and per-epoch learning-rate schedule from the registries in initlab.core.optimizers, and measures the
validation loss and accuracy (dropout off) at the end of every epoch.
"""

import math

import torch

from initlab.core.classify import evaluate, train_mlp
from initlab.core.optimizers import optimizer_factory, schedule_factory
from initlab.infra.joblog import Stopwatch


class EpochValidation:
    """Observer for train_classifier: validation loss and accuracy after the last step of each epoch."""

    def __init__(self, *, valid, steps_per_epoch, batch_size):
        self.valid, self.steps_per_epoch, self.batch_size = valid, steps_per_epoch, batch_size
        self.loss, self.accuracy = [], []

    def before_step(self, step, model):
        pass

    def after_step(self, step, model, loss):
        if (step + 1) % self.steps_per_epoch == 0:
            valid_loss, valid_accuracy = evaluate(model, *self.valid, self.batch_size)
            self.loss.append(valid_loss)
            self.accuracy.append(valid_accuracy)


def run(*, optimizer, settings, schedule, schedule_settings, train, valid, hidden, activation, dropout,
        batch_size, epochs, batch_seed, device, eval_batch_size=1000):
    """Train the MLP with `optimizer` (registry name; `settings` include lr) and `schedule`; return the record.

    train/valid: (x (n, 784) float32, y (n,) int64) tensors. Weights and dropout masks draw from
    torch's global generator (seeded by the caller); the batch order from a generator seeded with
    `batch_seed`, shared by all runs of one seed so that their comparison is paired.
    """
    watch = Stopwatch()
    valid = tuple(t.to(device) for t in valid)  # moved once, not at every epoch's evaluation
    observer = EpochValidation(valid=valid, steps_per_epoch=math.ceil(len(train[0]) / batch_size),
                               batch_size=eval_batch_size)
    _, record = train_mlp(
        train=train, hidden=hidden, activation=activation, dropout=dropout, initializer=None, batch_seed=batch_seed,
        epochs=epochs, batch_size=batch_size, lr=settings["lr"], device=device,
        optimizer=optimizer_factory(optimizer, **settings),
        scheduler=schedule_factory(schedule, **schedule_settings), observer=observer,
    )
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    diverged = record["diverged"]
    return {
        "optimizer": optimizer, "settings": settings, "schedule": schedule, "schedule_settings": schedule_settings,
        "batch_losses": record["batch_losses"], "epoch_losses": record["epoch_losses"], "lrs": record["lrs"],
        "valid_loss": observer.loss, "valid_accuracy": observer.accuracy,
        "final_valid_accuracy": float("nan") if diverged or not observer.accuracy else observer.accuracy[-1],
        "diverged": diverged, "steps": record["steps"], "train_samples": len(train[0]),
        **watch.read(), "device": str(device),
    }
