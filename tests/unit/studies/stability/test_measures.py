"""Numerical stability: the demos' numbers and the depth study against mean-field theory.

Theory for an MLP with square hidden layers of width n and weights of variance s / n (zero bias):
the second moment of the pre-activations follows q_{l+1} = s E[phi(sqrt(q_l) z)^2], z ~ N(0, 1).
relu: q_{l+1} = (s / 2) q_l, so the variance scales by (s / 2) per layer (kaiming: s = 2, flat).
tanh with s = 1 (xavier on square layers): q_{l+1} = q_l - 2 q_l^2 + O(q^3), so it decays
algebraically, q_L = 1 / (1 / q_1 + 2 (L - 1)), not geometrically.
"""

import math

import numpy as np
import pytest
import torch
import yaml
from conftest import ROOT
from initlab.studies.stability import measures
from initlab.studies.stability.summary import depth_summary

DEPTH = yaml.safe_load((ROOT / "config.yaml").read_text())["stability"]["depth"]


def test_scalar_powers_match_the_published_numbers():
    table = measures.power_table([{"base": 1.5, "exponent": 100}, {"base": 0.8, "exponent": 100}])
    last = table.groupby("base").value.last()
    assert last[1.5] == pytest.approx(4.07e17, rel=2e-3)  # d2l: "about 4e17"
    assert last[0.8] == pytest.approx(2.04e-10, rel=2e-3)  # d2l: "about 2e-10"
    assert len(table) == 202 and table.value.iloc[0] == 1.0


def test_random_matrix_product_explodes_within_100_steps():
    table = measures.matrix_product(count=100, size=4, seed=0)
    assert len(table) == 101
    assert (table.max_abs > 1e15).any()
    assert table.max_abs.iloc[-1] > 1e15


def test_matrix_product_grows_at_the_top_lyapunov_exponent():
    # oracle: for size 1, the rate is E[ln |z|] = -(euler_gamma + ln 2) / 2
    assert measures.gaussian_product_rate(1) == pytest.approx(-(0.5772156649 + math.log(2)) / 2, rel=1e-9)
    rate = measures.gaussian_product_rate(4)
    assert rate == pytest.approx(0.558, abs=1e-3)
    growth = [math.log(measures.matrix_product(count=100, size=4, seed=s).frobenius.iloc[-1]) / 100
              for s in range(30)]
    assert np.mean(growth) == pytest.approx(rate, rel=0.05)


def test_activation_derivatives_match_closed_forms():
    curves = measures.activation_curves(names=["sigmoid", "tanh", "relu", "scaled_sigmoid"], low=-8, high=8,
                                         points=161)
    by = {name: group for name, group in curves.groupby("activation")}
    s = 1 / (1 + np.exp(-by["sigmoid"].x))
    np.testing.assert_allclose(by["sigmoid"].gradient, s * (1 - s), atol=1e-12)
    np.testing.assert_allclose(by["tanh"].gradient, 1 - np.tanh(by["tanh"].x) ** 2, atol=1e-12)
    np.testing.assert_allclose(by["relu"].gradient, (by["relu"].x > 0).astype(float))
    scaled = by["scaled_sigmoid"]
    np.testing.assert_allclose(scaled.value, 2 * np.tanh(scaled.x / 2), atol=1e-12)  # 4 sigmoid(x) - 2
    zero = scaled[scaled.x == 0].iloc[0]  # the grid holds x = 0 exactly
    assert zero.value == pytest.approx(0, abs=1e-15) and zero.gradient == pytest.approx(1, abs=1e-12)
    assert by["sigmoid"][by["sigmoid"].x == 0].gradient.iloc[0] == pytest.approx(0.25)


def test_saturation_bands():
    h = torch.tensor([-0.995, -0.5, 0.0, 0.98, 0.995])
    assert measures.SATURATED["tanh"](h).tolist() == [True, False, False, False, True]
    assert measures.SATURATED["relu"](h).tolist() == [True, True, True, False, False]
    assert measures.SATURATED["sigmoid"](torch.tensor([0.005, 0.5, 0.995])).tolist() == [True, False, True]
    assert measures.SATURATED["scaled_sigmoid"](torch.tensor([-1.97, 1.9, 1.97])).tolist() == [True, False, True]


def _inputs(batch=64, seed=0):
    """Pixel-like inputs in [0, 1] (standardized inside layer_statistics) and labels 0..9."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 784, generator=generator), torch.randint(0, 10, (batch,), generator=generator)


def _statistics(initializer, activation, width=None, depth=None, seed=0):
    x, y = _inputs()
    table = measures.layer_statistics(inputs=x, labels=y, initializer=initializer, activation=activation,
                                       depth=depth or DEPTH["depth"], width=width or DEPTH["width"], seed=seed)
    return table.assign(initializer=initializer, activation=activation)


def test_default_depth_is_deep():
    assert DEPTH["depth"] >= 50


@pytest.mark.parametrize("initializer", ["kaiming_normal", "kaiming_uniform"])
def test_kaiming_relu_keeps_the_activation_variance_flat(initializer):
    summary = depth_summary(_statistics(initializer, "relu")).iloc[0]
    assert 0.1 <= summary.forward_ratio <= 10, summary.forward_ratio
    assert summary.forward == "flat" and summary.backward == "flat"


@pytest.mark.parametrize("initializer", ["xavier_normal", "xavier_uniform"])
def test_xavier_tanh_decays_algebraically_as_mean_field_theory_predicts(initializer):
    table = _statistics(initializer, "tanh")
    depth = DEPTH["depth"]
    # q is the second moment of the pre-activation; tanh(h) ~ h for small h, so use the output variance
    q1 = table.activation_variance.iloc[0]
    predicted = 1 / (1 / q1 + 2 * (depth - 1))
    assert table.activation_variance.iloc[-1] == pytest.approx(predicted, rel=0.5)
    ratio = depth_summary(table).forward_ratio.iloc[0]
    assert 1e-3 < ratio < 0.1  # slow 1 / depth decay at 50 layers: neither flat within 10 nor geometric


def test_standard_normal_relu_explodes_by_width_over_two_per_layer():
    width, depth = DEPTH["width"], DEPTH["depth"]
    ratio = depth_summary(_statistics("standard_normal", "relu")).forward_ratio.iloc[0]
    assert math.log10(ratio) == pytest.approx((depth - 1) * math.log10(width / 2), abs=3)
    assert ratio > 1e50


def test_standard_normal_tanh_saturates_and_its_gradient_explodes():
    summary = depth_summary(_statistics("standard_normal", "tanh")).iloc[0]
    assert summary.last_saturated_fraction > 0.5
    assert summary.backward == "exploding" and summary.backward_ratio > 1e10


def test_mxnet_default_vanishes_on_a_wide_relu_net():
    # U(-0.07, 0.07): variance 0.07^2 / 3; with relu the per-layer gain is width * variance / 2 = 0.836
    width, depth = 1024, DEPTH["depth"]
    gain = width * 0.07**2 / 3 / 2
    ratio = depth_summary(_statistics("mxnet_default", "relu", width=width)).forward_ratio.iloc[0]
    assert ratio < 1e-2
    assert math.log10(ratio) == pytest.approx((depth - 1) * math.log10(gain), abs=1)


def test_mxnet_default_vanishes_with_tanh_at_the_default_width():
    summary = depth_summary(_statistics("mxnet_default", "tanh")).iloc[0]
    assert summary.forward == "vanishing" and summary.forward_ratio < 1e-10


def test_sigmoid_gradient_vanishes_under_every_scheme():
    for initializer in ("xavier_uniform", "kaiming_normal"):
        summary = depth_summary(_statistics(initializer, "sigmoid", depth=20)).iloc[0]
        assert summary.backward == "vanishing", initializer


def test_layer_statistics_are_reproducible():
    a, b = _statistics("orthogonal", "relu", depth=5), _statistics("orthogonal", "relu", depth=5)
    assert a.equals(b)
    assert a.layer.tolist() == [1, 2, 3, 4, 5]
