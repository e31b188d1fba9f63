"""Numerical stability: exploding and vanishing products, activation slopes, deep-MLP statistics.

The d2l argument (the stability lessons): a deep network's forward pass and its gradient are long products
of per-layer factors, so a per-layer gain slightly above or below 1 explodes or vanishes geometrically.
Every function here returns a pandas table; nothing is written or printed.
"""

import math

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from initlab.core import initializers, models

# Saturation thresholds: an entry is "saturated" where its activation's local slope is nearly 0.
# relu: h == 0 (slope 0, the unit passes no gradient); tanh: |h| > 0.99 (slope 1 - h^2 < 0.02);
# sigmoid: h < 0.01 or h > 0.99 (slope h(1-h) < 0.01, 4% of its peak 0.25);
# scaled_sigmoid = 4*sigmoid - 2: the same sigmoid band, |h| > 1.96.
SATURATED = {
    "relu": lambda h: h <= 0,
    "tanh": lambda h: h.abs() > 0.99,
    "sigmoid": lambda h: (h < 0.01) | (h > 0.99),
    "scaled_sigmoid": lambda h: h.abs() > 1.96,
}

# A per-layer gain is "flat" while the last layer's variance stays within this factor of the first's.


def power_table(powers):
    """base**k for k = 0..exponent of each {base, exponent} in `powers`: columns base, step, value (float64)."""
    frames = []
    for item in powers:
        steps = np.arange(item["exponent"] + 1)
        frames.append(pd.DataFrame({"base": float(item["base"]), "step": steps, "value": item["base"] ** steps}))
    return pd.concat(frames, ignore_index=True)


def matrix_product(*, count, size, seed):
    """Multiply a (size, size) N(0, 1) matrix by `count` more, as d2l does; magnitude after each step.

    Columns: step (0 = the first matrix alone), max_abs (largest |entry|), frobenius (norm).
    Computed in float64 with a generator seeded by `seed`, so the run is reproducible.
    """
    generator = torch.Generator().manual_seed(seed)
    product = torch.randn(size, size, generator=generator, dtype=torch.float64)
    rows = []
    for step in range(count + 1):
        if step:
            product = product @ torch.randn(size, size, generator=generator, dtype=torch.float64)
        rows.append({"step": step, "max_abs": product.abs().max().item(), "frobenius": product.norm().item()})
    return pd.DataFrame(rows)


def gaussian_product_rate(size):
    """Top Lyapunov exponent of products of (size, size) N(0, 1) matrices: log-growth per factor (nats).

    lambda = (ln 2 + digamma(size / 2)) / 2 (Newman 1986); for size 4 it is 0.558, i.e. about
    10**24 after 100 factors.
    """
    digamma = torch.special.digamma(torch.tensor(size / 2, dtype=torch.float64)).item()
    return 0.5 * (math.log(2.0) + digamma)


def activation_curves(*, names, low, high, points):
    """Each activation and its derivative (by autograd) on `points` evenly spaced x in [low, high].

    Columns: activation, x, value, gradient.
    """
    frames = []
    for name in names:
        # rounded so that x = 0 is exactly on a symmetric grid (linspace leaves -4e-16 there)
        x = torch.linspace(low, high, points, dtype=torch.float64).round(decimals=12).requires_grad_()
        y = models.ACTIVATIONS[name]()(x)
        (gradient,) = torch.autograd.grad(y.sum(), x)  # elementwise function: d sum / dx_i = f'(x_i)
        frames.append(
            pd.DataFrame(
                {"activation": name, "x": x.detach().numpy(), "value": y.detach().numpy(), "gradient": gradient}
            )
        )
    return pd.concat(frames, ignore_index=True)


def layer_statistics(*, inputs, labels, initializer, activation, depth, width, seed, device="cpu"):
    """Push one batch forward and backward through a fresh deep MLP; statistics per hidden layer.

    inputs (batch, 784) are standardized to mean 0 and variance 1 (one scalar mean and std), labels
    (batch,) drive a cross-entropy loss (mean over the batch). The MLP has `depth` hidden layers of
    `width` units, initialized with `initializer` from torch's global generator seeded with `seed`,
    and runs in float64 on `device` so that explosions show as large numbers rather than inf.
    Rows: layer (1..depth), activation_variance (of the layer's output h, over batch and units),
    gradient_variance (of dloss/dh), weight_gradient_variance (of dloss/dW), saturated_fraction
    (entries in the SATURATED band), dead_fraction (units saturated on every example of the batch),
    weight_variance and bias_variance (of the layer's initial W and b, which set how the signal scales).
    """
    torch.manual_seed(seed)
    model = models.MLP(inputs.shape[1], [width] * depth, int(labels.max()) + 1, activation)
    initializers.initialize(model, initializer).to(device=device, dtype=torch.float64)
    x, labels = inputs.to(device=device, dtype=torch.float64), labels.to(device)
    x = (x - x.mean()) / x.std()
    outputs, linears, h = [], [], x
    for layer in model.layers:
        h = layer(h)
        if isinstance(layer, torch.nn.Linear):
            linears.append(layer)
        else:  # an activation: keep its output (batch, width) and its gradient
            h.retain_grad()
            outputs.append(h)
    F.cross_entropy(h, labels).backward()
    saturated = SATURATED[activation]
    rows = []
    for index, (out, linear) in enumerate(zip(outputs, linears), start=1):
        band = saturated(out.detach())
        rows.append(
            {
                "layer": index,
                "activation_variance": out.detach().var().item(),
                "gradient_variance": out.grad.var().item(),
                "weight_gradient_variance": linear.weight.grad.var().item(),
                "saturated_fraction": band.double().mean().item(),
                "dead_fraction": band.all(dim=0).double().mean().item(),
                "weight_variance": linear.weight.detach().var().item(),
                "bias_variance": linear.bias.detach().var().item(),
            }
        )
    return pd.DataFrame(rows)


def demo_summary(*, powers, matrix, curves, size):
    """The demos' headline numbers as rows (quantity, value): last power per base, the matrix product's
    magnitude after its last step with the theoretical exp(rate * steps), and each activation's value and
    slope at the sample nearest x = 0."""
    rows = [{"quantity": f"{base:g}**{group.step.max()}", "value": group.value.iloc[-1]}
            for base, group in powers.groupby("base", sort=False)]
    last = matrix.iloc[-1]
    steps = int(last.step)
    above = matrix.step[matrix.max_abs > 1e15]
    rows += [
        {"quantity": f"matrix product max |entry| after {steps} steps", "value": last.max_abs},
        {"quantity": f"matrix product Frobenius norm after {steps} steps", "value": last.frobenius},
        {"quantity": f"theory exp(rate * {steps}), rate {gaussian_product_rate(size):.4f}",
         "value": math.exp(gaussian_product_rate(size) * steps)},
        {"quantity": "first step with max |entry| > 1e15", "value": int(above.min()) if len(above) else math.nan},
    ]
    for name, group in curves.groupby("activation", sort=False):
        zero = group.iloc[(group.x.abs()).argmin()]
        rows += [{"quantity": f"{name}(0)", "value": zero.value}, {"quantity": f"{name}'(0)", "value": zero.gradient}]
    return pd.DataFrame(rows)
