"""The initializer study (Udacity weight-initialization lesson): one (initializer, seed) run.

The lesson trains an MLP 784-256-128-10 (ReLU, dropout 0.2) with Adam lr 0.001, batch 100, for
2 epochs on 80% of the Fashion-MNIST training images, records every batch loss, and reports the
validation accuracy. It measured that accuracy with dropout still on; we report both: with dropout
off (model.eval()), the accuracy the trained model actually has, and under the lesson's protocol
(`lesson_accuracy`), to compare like with like with its published numbers.
"""


import numpy as np
import torch
from torch import nn

from initlab.core.classify import accuracy, train_mlp
from initlab.core.optimizers import optimizer_factory
from initlab.infra.joblog import Stopwatch

HIST_BINS = 60  # bins per layer for the initial-weight histograms
# The lesson's Adam, fused: one kernel updates every parameter instead of a dozen small ops per
# tensor (same update rule; rounding differs in the last bits from torch's for-loop Adam).
LESSON_ADAM = optimizer_factory("adam", fused=True)


def weight_histograms(model, bins=HIST_BINS):
    """Per nn.Linear, in order: shape, summary statistics and a histogram of the weight values.

    Bins span the layer's [min, max] (widened by 0.5 each side for a constant layer), so every
    weight is counted: sum(counts) == numel.
    """
    out = []
    for name, layer in model.named_modules():
        if not isinstance(layer, nn.Linear):
            continue
        w = layer.weight.detach().double().cpu().flatten()
        lo, hi = float(w.min()), float(w.max())
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        counts = torch.histc(w, bins=bins, min=lo, max=hi)
        out.append({
            "layer": name,
            "shape": list(layer.weight.shape),
            "mean": float(w.mean()),
            "std": float(w.std()),
            "min": float(w.min()),
            "max": float(w.max()),
            "edges": np.linspace(lo, hi, bins + 1).tolist(),
            "counts": [int(c) for c in counts.tolist()],
        })
    return out


@torch.no_grad()
def lesson_accuracy(model, x, y, batch_size):
    """Accuracy as the lesson's helper measured it: the model left in training mode, so dropout still
    drops units, batch by batch. The masks draw from torch's global generator (seeded per run); the
    model's mode is restored afterwards."""
    device = next(model.parameters()).device
    was_training = model.training
    model.train()
    try:
        correct = sum(int((model(x[i:i + batch_size].to(device)).argmax(1).cpu() == y[i:i + batch_size]).sum())
                      for i in range(0, len(x), batch_size))
    finally:
        model.train(was_training)
    return correct / len(x)


class InitialWeights:
    """Observer for train_classifier: weight_histograms of the model as training starts (before step 0)."""

    def __init__(self):
        self.histograms = []

    def before_step(self, step, model):
        if step == 0:
            self.histograms = weight_histograms(model)

    def after_step(self, step, model, loss):
        pass


def run(*, initializer, train, valid, test, hidden, activation, dropout, lr, batch_size, epochs,
        batch_seed, device, eval_batch_size=1000):
    """Build the MLP, initialize it with `initializer`, train, evaluate; return the job record.

    train/valid/test: (x, y) tensor pairs. Weights and dropout masks draw from torch's global
    generator (seeded by the caller); batch order draws from a generator seeded with `batch_seed`,
    so runs that share it see the same batches whatever their initializer (a paired comparison).
    Accuracies are fractions in [0, 1], measured with dropout off, and the validation accuracy
    again under the lesson's protocol (dropout on, `lesson_accuracy`, after the others, so they are
    unchanged by its dropout masks). `seconds` (wall) and
    `cpu_seconds` cover model set-up, training and evaluation, not the torch import or data load.
    """
    watch = Stopwatch()
    initial = InitialWeights()
    model, record = train_mlp(train=train, hidden=hidden, activation=activation, dropout=dropout,
                              initializer=initializer, batch_seed=batch_seed, epochs=epochs, batch_size=batch_size,
                              lr=lr, device=device, optimizer=LESSON_ADAM, observer=initial)
    losses = record["batch_losses"]
    return {
        "initializer": initializer,
        "valid_accuracy": accuracy(model, *valid, eval_batch_size),
        "test_accuracy": accuracy(model, *test, eval_batch_size),
        "lesson_valid_accuracy": lesson_accuracy(model, *valid, batch_size),
        "final_loss": losses[-1] if losses else None,
        "last_epoch_loss": record["epoch_losses"][-1] if record["epoch_losses"] else None,
        "diverged": record["diverged"],
        "batch_losses": losses,
        "epoch_losses": record["epoch_losses"],
        "steps": record["steps"],
        "train_samples": len(train[0]),
        "initial_weights": initial.histograms,
        **watch.read(),
        "device": str(device),
    }
