"""The diagnostics observer: update/weight ratios against a hand computation, histogram bookkeeping."""

import copy

import numpy as np
import pytest
import torch
from initlab.core import models
from initlab.core.classify import train_classifier
from initlab.studies.stability import diagnostics
from initlab.studies.stability.summary import update_ratios
from torch.nn import functional as F


def _tiny(seed=0, n=12):
    torch.manual_seed(seed)
    model = models.MLP(4, [3], 2, "tanh")
    generator = torch.Generator().manual_seed(seed)
    return model, torch.randn(n, 4, generator=generator), torch.randint(0, 2, (n,), generator=generator)


def test_logged_and_histogram_steps():
    assert diagnostics.logged_steps(25, 10) == [0, 10, 20]
    assert diagnostics.histogram_steps(25, 10) == [0, 10, 20]
    assert diagnostics.histogram_steps(100, 10) == [0, 50, 90]
    assert diagnostics.histogram_steps(5, 10) == [0]


def test_update_ratio_matches_a_hand_computed_sgd_step():
    model, x, y = _tiny()
    reference = copy.deepcopy(model)
    F.cross_entropy(reference(x), y).backward()
    lr = 0.3
    linears = [m for m in reference.modules() if isinstance(m, torch.nn.Linear)]
    # plain SGD: dW = -lr * grad, so ||dW|| / ||W|| = lr ||grad|| / ||W||
    expected = [(lr * m.weight.grad.norm() / m.weight.norm()).item() for m in linears]
    observer = diagnostics.Diagnostics(total_steps=1, log_every=1, bins=8)
    train_classifier(model, train_x=x, train_y=y, epochs=1, batch_size=len(x), lr=lr, optimizer="sgd",
                     generator=torch.Generator().manual_seed(0), device="cpu", observer=observer)
    table = observer.ratios()
    assert table.layer.tolist() == [1, 2] and table.step.tolist() == [0, 0]
    np.testing.assert_allclose(table.update_ratio, expected, rtol=1e-5)
    np.testing.assert_allclose(table.weight_norm, [m.weight.norm().item() for m in linears], rtol=1e-6)
    assert table.loss.iloc[0] == pytest.approx(F.cross_entropy(reference(x), y).item(), rel=1e-6)


def test_only_every_nth_step_is_recorded_and_histograms_count_every_entry():
    model, x, y = _tiny(n=40)
    observer = diagnostics.Diagnostics(total_steps=10, log_every=3, bins=5)
    record = train_classifier(model, train_x=x, train_y=y, epochs=1, batch_size=4, lr=0.01,
                              generator=torch.Generator().manual_seed(1), device="cpu", observer=observer)
    assert record["steps"] == 10
    assert sorted(observer.ratios().step.unique()) == [0, 3, 6, 9]
    arrays = observer.histogram_arrays()
    assert arrays["steps"].tolist() == [0, 6, 9]
    assert arrays["act_counts"].shape == (3, 1, 5) and arrays["act_edges"].shape == (3, 1, 6)
    assert arrays["grad_counts"].shape == (3, 1, 5)
    # each histogram counts the whole (batch 4, 3 units) activation of the hidden layer
    assert (arrays["act_counts"].sum(axis=-1) == 12).all() and (arrays["grad_counts"].sum(axis=-1) == 12).all()
    assert observer.first_layer.shape == (3, 4)
    assert not any(module._forward_hooks for module in model.modules())  # hooks removed after use


def test_constant_values_get_a_unit_wide_histogram():
    edges, counts = diagnostics._histogram(torch.zeros(7), bins=4)
    assert edges[0] == -0.5 and edges[-1] == 0.5 and counts.sum() == 7


def test_summary_joins_ratios_and_runs():
    import pandas as pd

    ratios = pd.DataFrame({"initializer": ["a"] * 4, "layer": [1, 2, 1, 2], "step": [0, 0, 5, 5],
                           "update_ratio": [1e-2, 2e-2, 1e-3, 4e-3]})
    results = [{"initializer": "a", "valid_accuracy": 0.8, "diverged": False, "seconds": 1.0}]
    table = update_ratios(ratios, results)
    assert table.first_update_ratio.tolist() == [1e-2, 2e-2] and table.last_update_ratio.tolist() == [1e-3, 4e-3]
    assert table.median_update_ratio.tolist() == pytest.approx([5.5e-3, 1.2e-2])
    assert table.valid_accuracy.tolist() == [0.8, 0.8]
