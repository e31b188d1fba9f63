"""The initializer registry shared by every study.

One name per scheme: the same string is the config value, the Snakemake wildcard, the
legend label and the key of its colour. Each function initializes every nn.Linear of a
model in place, drawing from torch's global generator (seeded per job). Custom schemes
set biases to 0, as the Udacity lesson does; `default` keeps PyTorch's own reset.
"""

import math
from dataclasses import dataclass
from typing import Callable

# torch is imported where a weight is filled, not here: the plotting and summary jobs read the
# names and colours of this registry and should not pay torch's import.


@dataclass(frozen=True)
class Initializer:
    weight: Callable | None  # fills a (fan_out, fan_in) weight tensor in place; None: PyTorch's reset
    colour: str
    formula: str


def _torch_init(name, *args, **kwargs):
    """A weight filler calling torch.nn.init.<name>(w, *args, **kwargs)."""

    def fill(w):
        from torch.nn import init

        return getattr(init, name)(w, *args, **kwargs)

    return fill


def _fan_in(weight):
    return weight.shape[1]


def _general_rule(w):
    y = 1.0 / math.sqrt(_fan_in(w))  # the Udacity lesson's "general rule": U[-y, y), y = 1/sqrt(n)
    _torch_init("uniform_", -y, y)(w)


def _normal_rule(w):
    _torch_init("normal_", 0.0, 1.0 / math.sqrt(_fan_in(w)))(w)  # N(0, y): std y = 1/sqrt(n)


REGISTRY = {
    "default": Initializer(None, "#7f7f7f", "PyTorch reset: W, b ~ U(-1/sqrt(n), 1/sqrt(n))"),
    "zeros": Initializer(_torch_init("zeros_"), "#d62728", "W = 0"),
    "ones": Initializer(_torch_init("ones_"), "#8c564b", "W = 1"),
    "uniform": Initializer(_torch_init("uniform_", 0.0, 1.0), "#e377c2", "W ~ U[0, 1)"),
    "centered": Initializer(_torch_init("uniform_", -0.5, 0.5), "#bcbd22", "W ~ U[-0.5, 0.5)"),
    "general_rule": Initializer(_general_rule, "#1f77b4", "W ~ U[-y, y), y = 1/sqrt(n_in)"),
    "normal": Initializer(_normal_rule, "#ff7f0e", "W ~ N(0, y^2), y = 1/sqrt(n_in)"),
    "standard_normal": Initializer(_torch_init("normal_"), "#9467bd", "W ~ N(0, 1)"),
    "xavier_uniform": Initializer(_torch_init("xavier_uniform_"), "#2ca02c", "W ~ U(-a, a), a = sqrt(6/(n_in+n_out))"),
    "xavier_normal": Initializer(_torch_init("xavier_normal_"), "#98df8a", "W ~ N(0, 2/(n_in+n_out))"),
    "kaiming_uniform": Initializer(
        _torch_init("kaiming_uniform_", nonlinearity="relu"), "#17becf", "W ~ U(-a, a), a = sqrt(6/n_in)"
    ),
    "kaiming_normal": Initializer(
        _torch_init("kaiming_normal_", nonlinearity="relu"), "#9edae5", "W ~ N(0, 2/n_in)"
    ),
    "orthogonal": Initializer(_torch_init("orthogonal_"), "#393b79", "W = orthogonal matrix (QR of a Gaussian)"),
    "mxnet_default": Initializer(_torch_init("uniform_", -0.07, 0.07), "#ad494a", "W ~ U[-0.07, 0.07] (MXNet default)"),
}

NAMES = tuple(REGISTRY)


def colour(name):
    return REGISTRY[name].colour


def initialize(model, name):
    """Initialize every nn.Linear in `model` with the scheme `name`; return the model."""
    import torch
    from torch import nn

    if name not in REGISTRY:
        raise KeyError(f"initializer {name!r}: expected one of {', '.join(NAMES)}")
    fill = REGISTRY[name].weight
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            if fill is None:
                layer.reset_parameters()
                continue
            with torch.no_grad():
                fill(layer.weight)
                if layer.bias is not None:
                    nn.init.zeros_(layer.bias)
    return model
