"""The initializer registry against the formulas it quotes, and the schema's list of names."""

import math

import pytest
import torch
import yaml
from conftest import ROOT
from initlab.core import initializers
from torch import nn

FAN_IN, FAN_OUT = 400, 300  # 120k weights: sample mean/std within ~0.5% of the formula
N = FAN_IN * FAN_OUT
U = 1 / math.sqrt(12)  # std of U[0, 1)


def uniform(low, high):
    return {"low": low, "high": high, "mean": (low + high) / 2, "std": (high - low) * U}


def normal(std, mean=0.0):
    return {"mean": mean, "std": std}


y = 1 / math.sqrt(FAN_IN)
xavier = math.sqrt(6 / (FAN_IN + FAN_OUT))
kaiming = math.sqrt(6 / FAN_IN)  # ReLU gain sqrt(2): bound sqrt(2) * sqrt(3 / fan_in)
EXPECTED = {
    "default": uniform(-y, y),
    "zeros": {"const": 0.0},
    "ones": {"const": 1.0},
    "uniform": uniform(0.0, 1.0),
    "centered": uniform(-0.5, 0.5),
    "general_rule": uniform(-y, y),
    "normal": normal(y),
    "standard_normal": normal(1.0),
    "xavier_uniform": uniform(-xavier, xavier),
    "xavier_normal": normal(math.sqrt(2 / (FAN_IN + FAN_OUT))),
    "kaiming_uniform": uniform(-kaiming, kaiming),
    "kaiming_normal": normal(math.sqrt(2 / FAN_IN)),
    "orthogonal": {"orthogonal": True},
    "mxnet_default": uniform(-0.07, 0.07),
}


def test_every_registered_name_has_an_expectation():
    assert set(EXPECTED) == set(initializers.NAMES)


def test_schema_enum_lists_the_registry_names():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert schema["$defs"]["initializer"]["enum"] == list(initializers.NAMES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_weight_statistics_match_the_formula(name):
    torch.manual_seed(0)
    layer = initializers.initialize(nn.Sequential(nn.Linear(FAN_IN, FAN_OUT)), name)[0]
    w, expect = layer.weight.detach().double(), EXPECTED[name]
    if "const" in expect:
        assert torch.all(w == expect["const"])
    if "orthogonal" in expect:  # fan_out < fan_in: the rows are orthonormal
        assert torch.allclose(w @ w.T, torch.eye(FAN_OUT, dtype=w.dtype), atol=1e-5)
    if "std" in expect:
        assert w.std().item() == pytest.approx(expect["std"], rel=0.02)
        assert abs(w.mean().item() - expect["mean"]) < 5 * expect["std"] / math.sqrt(N)
    if "low" in expect:
        span = expect["high"] - expect["low"]
        assert expect["low"] <= w.min().item() < expect["low"] + 0.001 * span
        assert expect["high"] - 0.001 * span < w.max().item() <= expect["high"]


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - {"default"}))
def test_custom_initializers_zero_the_biases(name):
    layer = initializers.initialize(nn.Linear(FAN_IN, FAN_OUT), name)
    assert torch.all(layer.bias == 0)


def test_default_keeps_pytorchs_bias():
    torch.manual_seed(0)
    layer = initializers.initialize(nn.Linear(FAN_IN, FAN_OUT), "default")
    b = layer.bias.detach()
    assert b.abs().max().item() <= y and b.std().item() == pytest.approx(y / math.sqrt(3), rel=0.15)


def test_every_linear_layer_of_a_model_is_initialized():
    model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 1))
    initializers.initialize(model, "ones")
    assert all(torch.all(m.weight == 1) for m in model if isinstance(m, nn.Linear))


def test_unknown_name_is_a_clear_error():
    with pytest.raises(KeyError, match="'nope'.*expected one of default"):
        initializers.initialize(nn.Linear(2, 1), "nope")


def test_unknown_name_message_lists_every_name():
    with pytest.raises(KeyError) as error:
        initializers.initialize(nn.Linear(2, 1), "nope")
    assert error.value.args[0] == f"initializer 'nope': expected one of {', '.join(initializers.NAMES)}"


def test_default_resets_every_linear_layer_not_only_the_first():
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4), nn.Linear(4, 3))
    with torch.no_grad():
        for layer in model[0], model[2], model[3]:
            layer.weight.fill_(7.0)
            layer.bias.fill_(7.0)
    initializers.initialize(model, "default")
    for layer in model[0], model[2], model[3]:  # PyTorch's reset: |W|, |b| <= 1/sqrt(fan_in)
        bound = 1 / math.sqrt(layer.in_features)
        assert layer.weight.abs().max().item() <= bound and layer.bias.abs().max().item() <= bound

