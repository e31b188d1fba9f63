"""Training diagnostics (CS231n lecture 7 notes): update/weight ratios and per-layer histograms.

`Diagnostics` is an observer for classify.train_classifier: before_step(step, model) and
after_step(step, model, loss) run around every optimizer step. Only every `log_every`-th step is
recorded, and the recorded numbers stay on the model's device until `ratios()` is asked for, so
logging costs a weight copy and a few norms per logged step and never synchronizes a GPU.
"""

import math
import time

import numpy as np
import pandas as pd
import torch
from torch import nn

from initlab.core import models
from initlab.core.classify import accuracy, train_mlp

ACTIVATION_TYPES = tuple(models.ACTIVATIONS.values())


def logged_steps(total_steps, log_every):
    """The steps that are recorded: 0, log_every, 2 log_every, ... below total_steps."""
    return list(range(0, total_steps, log_every))


def histogram_steps(total_steps, log_every):
    """The first, middle and last logged steps (fewer when they coincide)."""
    steps = logged_steps(total_steps, log_every)
    return sorted({steps[0], steps[len(steps) // 2], steps[-1]}) if steps else []


def _histogram(values, bins):
    """(edges (bins + 1,), counts (bins,)) of a tensor over its own [min, max] range, on the CPU."""
    values = values.detach().flatten().double()
    values = values[torch.isfinite(values)]  # a diverged run: count only the finite entries
    low, high = (values.min().item(), values.max().item()) if len(values) else (0.0, 0.0)
    if not high > low:  # constant (e.g. all-zero gradients): a unit-wide range around the value
        low, high = low - 0.5, low + 0.5
    counts = torch.histc(values, bins=bins, min=low, max=high)
    return np.linspace(low, high, bins + 1), counts.cpu().numpy()


class Diagnostics:
    """Observer recording, every `log_every` steps, per nn.Linear layer the norms of W and of its update.

    ratio = ||W_after - W_before|| / ||W_before|| (Frobenius norms, weights only, biases left out),
    i.e. CS231n's update/weight ratio (about 1e-3 is healthy). At the histogram steps it also keeps
    a `bins`-bin histogram of every activation module's output h (batch, units) and of dloss/dh.
    `first_layer` holds a CPU copy of the first Linear's weight (units, in) from the first logged step.
    """

    def __init__(self, *, total_steps, log_every, bins=60):
        self.log_every, self.bins = log_every, bins
        self.hist_steps = set(histogram_steps(total_steps, log_every))
        self.first_layer = None
        self._records = []  # (step, layer, ||W||, ||dW|| tensors, loss tensor)
        self._before, self._hooks, self._acts, self._grads = None, [], {}, {}
        self.histograms = {"steps": [], "act": [], "grad": []}

    def before_step(self, step, model):
        if step % self.log_every:
            return
        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        self._before = [layer.weight.detach().clone() for layer in linears]
        if self.first_layer is None:
            self.first_layer = linears[0].weight.detach().cpu().numpy().copy()
        if step in self.hist_steps:
            self._acts, self._grads = {}, {}
            acts = [m for m in model.modules() if isinstance(m, ACTIVATION_TYPES)]
            self._hooks = [a.register_forward_hook(self._capture(i)) for i, a in enumerate(acts)]

    def _capture(self, index):
        def hook(module, inputs, output):
            self._acts[index] = output.detach()
            if output.requires_grad:
                output.register_hook(lambda grad: self._grads.__setitem__(index, grad.detach()))

        return hook

    def after_step(self, step, model, loss):
        if step % self.log_every:
            return
        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        for index, (layer, before) in enumerate(zip(linears, self._before), start=1):
            update = layer.weight.detach() - before
            self._records.append((step, index, before.norm(), update.norm(), loss.detach().clone()))
        self._before = None
        if step in self.hist_steps:
            for hook in self._hooks:
                hook.remove()
            self._hooks = []
            layers = sorted(self._acts)
            self.histograms["steps"].append(step)
            self.histograms["act"].append([_histogram(self._acts[i], self.bins) for i in layers])
            self.histograms["grad"].append([_histogram(self._grads[i], self.bins) for i in layers if i in self._grads])

    def ratios(self):
        """Table with one row per (logged step, layer): step, layer, weight_norm, update_norm,
        update_ratio, loss."""
        if not self._records:
            return pd.DataFrame(columns=["step", "layer", "weight_norm", "update_norm", "update_ratio", "loss"])
        steps, layers, weights, updates, losses = zip(*self._records)
        values = torch.stack([torch.stack(weights), torch.stack(updates), torch.stack(losses).float()])
        weight, update, loss = values.double().cpu().numpy()  # one device-to-host copy for the whole run
        return pd.DataFrame(
            {"step": steps, "layer": layers, "weight_norm": weight, "update_norm": update,
             "update_ratio": update / weight, "loss": loss}
        )

    def histogram_arrays(self):
        """Histograms as arrays for np.savez: steps (s,), act_edges/grad_edges (s, layers, bins + 1),
        act_counts/grad_counts (s, layers, bins)."""
        out = {"steps": np.array(self.histograms["steps"], dtype=np.int64)}
        for kind in ("act", "grad"):
            out[f"{kind}_edges"] = np.array([[e for e, _ in per_step] for per_step in self.histograms[kind]])
            out[f"{kind}_counts"] = np.array([[c for _, c in per_step] for per_step in self.histograms[kind]])
        return out


def diagnose(*, initializer, train, valid, hidden, activation, dropout, optimizer, lr, batch_size, epochs,
             log_every, bins, batch_seed, device, observe=True):
    """Train a fresh MLP on train = (x (n, 784), y (n,)) with a Diagnostics observer attached.

    Weights and dropout draw from torch's global generator (seeded by the caller), the batch order
    from a generator seeded with `batch_seed`. observe=False trains the same run without the
    observer (the overhead benchmark). Returns (result dict, observer or None, trained model);
    result has initializer, steps, diverged, final_loss, valid_accuracy (dropout off), seconds, device.
    """
    start = time.perf_counter()
    total = epochs * math.ceil(len(train[0]) / batch_size)
    observer = Diagnostics(total_steps=total, log_every=log_every, bins=bins) if observe else None
    model, record = train_mlp(train=train, hidden=hidden, activation=activation, dropout=dropout,
                              initializer=initializer, batch_seed=batch_seed, epochs=epochs, batch_size=batch_size,
                              lr=lr, optimizer=optimizer, device=device, observer=observer)
    seconds = time.perf_counter() - start  # training only: what the observer slows down
    result = {
        "initializer": initializer,
        "steps": record["steps"],
        "train_samples": len(train[0]),
        "diverged": record["diverged"],
        "final_loss": record["batch_losses"][-1] if record["batch_losses"] else None,
        "valid_accuracy": accuracy(model, *valid, 1000),
        "seconds": seconds,
        "device": str(device),
    }
    return result, observer, model
