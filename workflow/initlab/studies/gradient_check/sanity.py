"""Sanity checks before training (CS231n notes), each returned as a result row.

1. With small weights and no regularization, the initial softmax loss is ln(classes).
2. Raising the regularization strength raises the loss the model trains with: the data loss plus the penalty
   that the studies' optimizer (core.optimizers.optimizer_factory with `weight_decay`) actually applies.
3. The model can overfit a tiny subset to near-zero loss.

Each function returns dict(check, value, expected, passed, detail); nothing prints.
"""

import math

import copy

import torch
import torch.nn.functional as F
from torch import nn

from initlab.core.optimizers import optimizer_factory


def small_init(model, std):
    """Weights ~ N(0, std^2), biases 0, in every nn.Linear: near-uniform softmax outputs."""
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            nn.init.normal_(layer.weight, 0.0, std)
            nn.init.zeros_(layer.bias)
    return model


def penalty(model):
    """Half the sum of squared weights (matrices only), the L2 term that weight decay scales."""
    return sum((p**2).sum() for p in model.parameters() if p.dim() > 1) / 2


def _loss(model, x, y):
    model.eval()  # dropout off: the checks compare losses of one deterministic function
    with torch.no_grad():
        return float(F.cross_entropy(model(x), y))


def initial_loss(model, x, y, *, classes, tolerance):
    """Data loss of a freshly small-initialized model vs ln(classes); passes within `tolerance`."""
    value, expected = _loss(model, x, y), math.log(classes)
    return dict(check="initial_loss", value=value, expected=expected, passed=abs(value - expected) <= tolerance,
                detail=f"cross-entropy on {len(y)} examples, no regularization; |loss - ln {classes}| <= {tolerance}")


def trained_penalty(model, x, y, weight_decay, *, optimizer=optimizer_factory):
    """The penalty a training step with `weight_decay` minimizes, read off the optimizer the studies build.

    One plain SGD step of lr 1 (registry "sgd", built by `optimizer`(name, lr=, weight_decay=) as the studies
    build theirs) on the data loss, from a copy of `model`: the step is -(data gradient + penalty gradient), so
    the penalty gradient is r = -step - data gradient, and a quadratic penalty's value is (r . theta) / 2
    (wd/2 * sum theta^2 when weight decay works). A weight decay the optimizer drops or flips shows here.
    """
    probe = copy.deepcopy(model).eval()  # dropout off: one deterministic gradient
    params = [p for p in probe.parameters() if p.requires_grad]
    before = [p.detach().clone() for p in params]
    step = optimizer("sgd", lr=1.0, weight_decay=weight_decay)(params)
    step.zero_grad()
    F.cross_entropy(probe(x), y).backward()
    grads = [p.grad.detach().clone() for p in params]
    step.step()
    with torch.no_grad():
        return float(sum(((b - p) - g).mul(b).sum() for p, b, g in zip(params, before, grads)) / 2)


def regularization_raises_loss(model, x, y, *, weight_decays, optimizer=optimizer_factory):
    """Training loss (data loss + `trained_penalty`) at the same parameters for each strength in increasing
    `weight_decays`; passes if it rises along them. `optimizer` is the factory maker under test."""
    strengths = sorted(weight_decays)
    losses = [_loss(model, x, y) + trained_penalty(model, x, y, wd, optimizer=optimizer) for wd in strengths]
    rising = all(b > a for a, b in zip(losses, losses[1:]))
    return dict(check="regularization_raises_loss", value=losses[-1] - losses[0], expected="> 0", passed=rising,
                detail="; ".join(f"wd={wd:g}: {loss:.6f}" for wd, loss in zip(strengths, losses)))


def overfit_small_subset(model, x, y, *, steps, lr, max_loss):
    """Train on (x, y) alone, full batch, Adam, no regularization; passes if the loss ends <= max_loss.

    The model trains as configured (dropout on); the final loss and accuracy are measured with
    dropout off.
    """
    optimizer = optimizer_factory("adam", lr=lr)(model.parameters())  # torch.optim.Adam (core.nodynamo)
    start = _loss(model, x, y)
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    final = _loss(model, x, y)
    with torch.no_grad():
        accuracy = float((model(x).argmax(1) == y).double().mean())
    return dict(check="overfit_small_subset", value=final, expected=f"<= {max_loss}", passed=final <= max_loss,
                detail=f"{len(y)} examples, {steps} Adam steps lr {lr}: loss {start:.4f} -> {final:.2e}, "
                f"train accuracy {accuracy:.0%}")
