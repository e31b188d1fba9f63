"""Kink detection (initlab.studies.gradient_check.kinks): which side of every ReLU/clamp/max kink the inputs lie on."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from initlab.studies.gradient_check import checker
from initlab.studies.gradient_check.kinks import KinkRecorder, same_side
from torch import nn

X = torch.tensor([[-1.0, 0.0, 2.0], [3.0, -0.5, 0.1]])
SIGN = [[-1.0, 0.0, 1.0], [1.0, -1.0, 1.0]]


def record(f, *args):
    with KinkRecorder() as recorder:
        out = f(*args)
    return recorder.patterns, out


@pytest.mark.parametrize("f", [nn.ReLU(), F.relu, torch.relu, lambda t: t.relu(), nn.LeakyReLU(0.1), torch.abs,
                               lambda t: t.clamp(min=0), lambda t: torch.maximum(t, torch.zeros_like(t))],
                         ids=["nn.ReLU", "F.relu", "torch.relu", "Tensor.relu", "nn.LeakyReLU", "abs", "clamp_min",
                              "maximum"])
def test_relu_like_calls_record_the_sign_of_each_input(f):
    patterns, out = record(f, X)
    assert [[p.tolist() for p in pattern] for pattern in patterns] == [[SIGN]]
    assert torch.equal(out if isinstance(out, torch.Tensor) else out.values, f(X))  # results are unchanged


@pytest.mark.parametrize("f, bounds", [
    (lambda t: t.clamp(min=-0.5, max=1.0), (-0.5, 1.0)),
    (lambda t: torch.clamp(t, -0.5, 1.0), (-0.5, 1.0)),
    (F.hardtanh, (-1.0, 1.0)),
    (lambda t: F.hardtanh(t, min_val=-2.0, max_val=0.5), (-2.0, 0.5)),
    (F.relu6, (0.0, 6.0)),
], ids=["clamp-kw", "clamp-positional", "hardtanh-default", "hardtanh-kw", "relu6"])
def test_clamp_like_calls_record_the_side_of_both_bounds(f, bounds):
    [pattern], _ = record(f, X)
    assert [p.tolist() for p in pattern] == [torch.sign(X - b).tolist() for b in bounds]


def test_max_like_calls_record_the_winner():
    assert record(lambda t: t.max(dim=1), X)[0][0][0].tolist() == [2, 0]
    assert record(lambda t: torch.max(t, 0), X)[0][0][0].tolist() == [1, 0, 0]
    assert record(lambda t: t.max(), X)[0][0][0].item() == 3  # flat index of 3.0
    assert record(lambda t: torch.amin(t, dim=0), X)[0][0][0].tolist() == [0, 1, 1]
    assert record(lambda t: torch.max(t, torch.ones_like(t)), X)[0][0][0].tolist() == torch.sign(X - 1).tolist()


def test_smooth_calls_record_nothing():
    patterns, _ = record(lambda t: torch.tanh(t).sigmoid().exp().sum() + (t @ t.T).trace(), X)
    assert patterns == []


def test_every_kinked_call_of_a_network_is_recorded_in_order():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 2), nn.ReLU())
    patterns, _ = record(net, X)
    assert len(patterns) == 2
    assert [p[0].shape for p in patterns] == [(2, 4), (2, 2)]


def test_same_side():
    a = [(torch.tensor([1.0, -1.0]),), (torch.tensor(2),)]
    assert same_side(a, [(torch.tensor([1.0, -1.0]),), (torch.tensor(2),)])
    assert not same_side(a, [(torch.tensor([1.0, 1.0]),), (torch.tensor(2),)])  # one sign flipped
    assert not same_side(a, [(torch.tensor([1.0, -1.0]),), (torch.tensor(0),)])  # another winner
    assert not same_side(a, a[:1])  # a call more or less
    assert not same_side(a, [(torch.tensor([1.0, -1.0]), torch.tensor([1.0])), (torch.tensor(2),)])
    assert not same_side([(torch.tensor([1.0]),)], [(torch.tensor([1.0, 1.0]),)])  # other shape
    assert same_side([], [])


def two_layer(h):
    """A ReLU layer whose pre-activations z = x W^T + b put unit 1 within h of its kink for example 0 only."""
    x = torch.tensor([[1.0, 2.0], [0.5, -1.0], [-2.0, 0.3]], dtype=torch.float64)
    w = torch.tensor([[0.4, -0.3], [1.0, 0.25], [-0.7, 0.9]], dtype=torch.float64, requires_grad=True)
    z0 = x @ w.detach().T
    b = torch.tensor([0.25, -float(z0[0, 1]) + h / 3, 0.5], dtype=torch.float64, requires_grad=True)
    v = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    return x, w, b, v


def test_perturbing_a_bias_crosses_a_kink_exactly_when_a_pre_activation_is_within_h():
    h = 1e-5
    x, w, b, v = two_layer(h)
    z = (x @ w.detach().T + b.detach()).numpy()
    oracle = [bool(np.any(np.abs(z[:, j]) < h)) for j in range(3)]
    assert oracle == [False, True, False]
    seen = []
    for j in range(3):
        sides = []
        for step in (h, -h):
            shifted = b.detach().clone()
            shifted[j] += step
            with KinkRecorder() as recorder:
                F.relu(x @ w.detach().T + shifted) @ v
            sides.append(recorder.patterns)
        seen.append(not same_side(*sides))
    assert seen == oracle


def test_the_checker_marks_exactly_the_entries_that_cross_a_kink():
    h = 1e-5
    x, w, b, v = two_layer(h)
    entries = checker.check({"data": lambda: (F.relu(x @ w.T + b) @ v).sum()}, {"w": w, "b": b}, h=h, entries=10)
    z = (x @ w.detach().T + b.detach()).numpy()
    for e in entries:
        if e.parameter == "b":
            crosses = bool(np.any(np.abs(z[:, e.index[0]]) < h))
        else:  # w[j, k] moves z[:, j] by x[:, k] * h
            j, k = e.index
            crosses = bool(np.any(np.abs(z[:, j]) < np.abs(x[:, k].numpy()) * h))
        assert e.kink == crosses, e
    assert {(e.parameter, e.index) for e in entries if e.kink} == {("b", (1,)), ("w", (1, 0)), ("w", (1, 1))}
    assert all(e.verdict == "correct" for e in entries if not e.kink)
