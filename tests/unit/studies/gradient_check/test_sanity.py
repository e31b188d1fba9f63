"""Sanity checks before training: the expected numbers, and each check able to fail."""

import math

import pytest
import torch
from initlab.core.models import MLP
from initlab.studies.gradient_check import sanity


@pytest.fixture
def problem():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    x, y = torch.rand(64, 784), torch.randint(0, 10, (64,))
    return x, y


def test_initial_softmax_loss_is_ln_10_with_small_weights(problem):
    model = sanity.small_init(MLP(784, [256, 128], 10, "relu", 0.2), 1e-3)
    result = sanity.initial_loss(model, *problem, classes=10, tolerance=1e-3)
    assert result["passed"] and result["expected"] == pytest.approx(math.log(10))
    assert result["value"] == pytest.approx(math.log(10), abs=1e-3)


def test_initial_loss_fails_with_large_weights(problem):
    model = sanity.small_init(MLP(784, [256, 128], 10, "relu"), 1.0)  # huge logits: a confident wrong start
    result = sanity.initial_loss(model, *problem, classes=10, tolerance=0.01)
    assert not result["passed"] and result["value"] > 10


def test_raising_weight_decay_raises_the_loss_by_the_penalty(problem):
    model = sanity.small_init(MLP(784, [32], 10, "relu"), 0.01)
    result = sanity.regularization_raises_loss(model, *problem, weight_decays=[0.1, 0.0, 1.0])
    assert result["passed"]
    half_sq = float(sanity.penalty(model).detach())
    assert result["value"] == pytest.approx(1.0 * half_sq, rel=1e-5)  # loss(1.0) - loss(0.0)
    assert not sanity.regularization_raises_loss(model, *problem, weight_decays=[0.0, 0.0])["passed"]


def test_overfits_twenty_examples_and_fails_with_too_few_steps(problem):
    x, y = problem[0][:20], problem[1][:20]
    torch.manual_seed(1)
    passed = sanity.overfit_small_subset(MLP(784, [256, 128], 10, "relu", 0.2), x, y, steps=150, lr=1e-3,
                                         max_loss=0.01)
    assert passed["passed"] and passed["value"] < 0.01 and "100%" in passed["detail"]
    torch.manual_seed(1)
    short = sanity.overfit_small_subset(MLP(784, [256, 128], 10, "relu", 0.2), x, y, steps=2, lr=1e-3,
                                        max_loss=0.01)
    assert not short["passed"] and short["value"] > 1.0
