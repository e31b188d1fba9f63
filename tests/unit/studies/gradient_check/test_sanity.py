"""Sanity checks before training: the expected numbers, and each check able to fail."""

import math

import pytest
import torch
from initlab.core.models import MLP
from initlab.core.optimizers import optimizer_factory
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


def test_the_penalty_is_read_off_the_optimizer_the_studies_train_with(problem):
    model = sanity.small_init(MLP(784, [32], 10, "relu"), 0.01)
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, torch.nn.Linear):
                layer.bias.fill_(0.5)
    all_sq = float(sum((p.detach() ** 2).sum() for p in model.parameters())) / 2  # weight decay decays biases too
    assert sanity.trained_penalty(model, *problem, 0.1) == pytest.approx(0.1 * all_sq, rel=1e-4)


def test_a_planted_broken_weight_decay_fails_the_check(problem):
    """An optimizer that drops weight decay, or one whose decay pushes weights up, must fail the check."""
    model = sanity.small_init(MLP(784, [32], 10, "relu"), 0.01)

    def dropped(name, **settings):
        settings.pop("weight_decay")
        return optimizer_factory(name, **settings)

    def flipped(name, weight_decay, **settings):  # the decay term added with the wrong sign
        inner = optimizer_factory(name, **settings)

        def factory(params, **overrides):
            params = list(params)
            built = inner(params, **overrides)
            plain = built.step

            def step():
                for p in params:
                    p.grad.add_(p.detach(), alpha=-weight_decay)
                plain()
            built.step = step
            return built
        return factory

    for broken in (dropped, flipped):
        result = sanity.regularization_raises_loss(model, *problem, weight_decays=[0.0, 0.01, 0.1],
                                                   optimizer=broken)
        assert not result["passed"], broken.__name__
    assert sanity.regularization_raises_loss(model, *problem, weight_decays=[0.0, 0.01, 0.1])["passed"]


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
