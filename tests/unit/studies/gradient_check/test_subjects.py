"""Gradient-check subjects (initlab.studies.gradient_check.subjects): data tensors, models, losses, warm-up, checks."""

import math
import statistics

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from initlab.core import models
from initlab.studies.gradient_check import subjects
from initlab.studies.gradient_check.planted import PlantedMLP


def house_arrays(n=40, d=5, seed=0):
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((n, d)).astype(np.float32)
    prices = np.exp(12 + features @ rng.uniform(-0.2, 0.2, d) + 0.1 * rng.standard_normal(n))
    return {"train_features": features, "train_labels": prices.astype(np.float32).reshape(-1, 1)}


def fashion_arrays(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return {"x": rng.uniform(0, 1, (n, 784)).astype(np.float32), "y": rng.integers(0, 10, n).astype(np.uint8)}


def test_house_tensors_are_float64_rows_with_log_prices_standardized_over_all_examples():
    arrays = house_arrays()
    rows = np.array([7, 0, 39, 7])
    x, y = subjects.tensors("house_prices", arrays, rows)
    assert x.dtype == y.dtype == torch.float64
    assert x.shape == (4, 5) and y.shape == (4, 1)
    np.testing.assert_array_equal(x.numpy(), arrays["train_features"][rows].astype(np.float64))
    logs = [math.log(float(p)) for p in arrays["train_labels"][:, 0]]
    mean, std = statistics.fmean(logs), statistics.pstdev(logs)  # over all 40 examples, not the 4 chosen
    np.testing.assert_allclose(y[:, 0].numpy(), [(logs[r] - mean) / std for r in rows], rtol=1e-12)
    _, y_all = subjects.tensors("house_prices", arrays, np.arange(40))
    assert abs(float(y_all.mean())) < 1e-12 and float(y_all.std(unbiased=False)) == pytest.approx(1.0, abs=1e-12)


def test_fashion_tensors_are_float64_pixels_and_int64_labels():
    arrays = fashion_arrays()
    rows = np.array([3, 29, 1])
    x, y = subjects.tensors("fashion_mnist", arrays, rows)
    assert (x.dtype, x.shape) == (torch.float64, (3, 784))
    assert (y.dtype, y.shape) == (torch.int64, (3,))
    np.testing.assert_array_equal(x.numpy(), arrays["x"][rows].astype(np.float64))
    assert y.tolist() == arrays["y"][rows].tolist()
    assert 0 <= float(x.min()) and float(x.max()) <= 1


@pytest.mark.parametrize("data", ["mnist", "house", ""])
def test_unknown_data_is_a_key_error_listing_the_datasets(data):
    with pytest.raises(KeyError, match=f"gradient check data '{data}': expected one of house_prices, fashion_mnist"):
        subjects.tensors(data, house_arrays(), np.array([0]))


def test_examples_counts_the_training_rows():
    assert subjects.examples("house_prices", house_arrays(n=23)) == 23
    assert subjects.examples("fashion_mnist", fashion_arrays(n=17)) == 17


def test_build_gives_float64_models_of_each_kind():
    planted = subjects.build({"model": "planted", "hidden": [4]}, in_features=5, out_features=1)
    assert isinstance(planted, PlantedMLP)
    assert (planted.hidden.in_features, planted.hidden.out_features, planted.out.out_features) == (5, 4, 1)
    mlp = subjects.build({"model": "mlp", "hidden": [6, 3], "activation": "tanh", "dropout": 0.1}, in_features=784,
                         out_features=10)
    assert isinstance(mlp, models.MLP)
    assert [type(m).__name__ for m in mlp.layers] == ["Linear", "Tanh", "Dropout"] * 2 + ["Linear"]
    linear = subjects.build({"model": "linear"}, in_features=5, out_features=1)
    assert isinstance(linear, models.Linear)
    for net in (planted, mlp, linear):
        assert all(p.dtype == torch.float64 for p in net.parameters())
    assert subjects.build({"model": "linear"}, in_features=2, out_features=1, dtype=torch.float32).fc.weight.dtype \
        == torch.float32


@pytest.mark.parametrize("hidden", [[], [4, 3]])
def test_planted_model_needs_exactly_one_hidden_size(hidden):
    with pytest.raises(ValueError, match=r"planted model: expected one hidden size, got \[.*\]"):
        subjects.build({"model": "planted", "hidden": hidden}, in_features=5, out_features=1)


def test_losses_per_dataset_and_the_weight_penalty_by_hand():
    assert subjects.data_loss("house_prices") is F.mse_loss
    assert subjects.data_loss("fashion_mnist") is F.cross_entropy
    torch.manual_seed(0)
    net = subjects.build({"model": "mlp", "hidden": [3]}, in_features=2, out_features=2)
    w1, w2 = net.layers[0].weight.detach(), net.layers[2].weight.detach()
    expected = 0.3 / 2 * (float((w1**2).sum()) + float((w2**2).sum()))  # biases are not decayed
    assert subjects.weight_penalty(net, 0.3).item() == pytest.approx(expected, rel=1e-14)
    assert subjects.weight_penalty(net, 0.0) == 0.0


def test_warm_up_takes_adam_steps_and_reports_eval_mode_losses():
    arrays = house_arrays(n=40)
    x, y = subjects.tensors("house_prices", arrays, np.arange(40))
    torch.manual_seed(0)
    net = subjects.build({"model": "mlp", "hidden": [8], "dropout": 0.5}, in_features=5, out_features=1)
    batches = list(zip(x.split(10), y.split(10)))
    net.eval()
    with torch.no_grad():
        before = float(F.mse_loss(net(x), y))  # on all the batches' examples, dropout off
    net.train()
    start = [p.detach().clone() for p in net.parameters()]
    losses = subjects.warm_up(net, F.mse_loss, batches, lr=0.01)
    assert losses[0] == pytest.approx(before, rel=1e-12)
    with torch.no_grad():
        net.eval()
        after = float(F.mse_loss(net(x), y))
    assert losses[1] == pytest.approx(after, rel=1e-12) and losses[1] < losses[0]
    # Adam moves every parameter by about lr per step at first: 4 steps of lr 0.01
    moved = max(float((p.detach() - s).abs().max()) for p, s in zip(net.parameters(), start))
    assert 0.01 <= moved <= 0.04 + 1e-9


CHECK = dict(h=1e-6, entries=3, batch_size=8, warmup_steps=2, warmup_lr=1e-3, weight_decay=0.1, noise_factor=100.0)


def test_check_subject_flags_the_planted_bug_upstream_only():
    torch.manual_seed(0)
    results, info = subjects.check_subject({"data": "house_prices", "model": "planted", "hidden": [4]},
                                           house_arrays(n=40), seed=1, **CHECK)
    verdicts = {}
    for e in results:
        verdicts.setdefault((e.term, e.parameter), set()).add(e.verdict)
    assert set(verdicts) == {(term, p) for term in ("data", "weight_decay")
                             for p in ("hidden.weight", "hidden.bias", "out.weight", "out.bias")}
    assert "wrong" in verdicts[("data", "hidden.weight")] and "wrong" in verdicts[("data", "hidden.bias")]
    assert verdicts[("data", "out.weight")] <= {"correct", "below_precision"}
    assert all(v <= {"correct", "below_precision"} for (term, _), v in verdicts.items() if term == "weight_decay")
    assert info["parameters"] == 5 * 4 + 4 + 4 + 1
    assert info["warmup_loss_after"] < info["warmup_loss_before"]


def test_check_subject_passes_a_correct_fashion_model_and_is_reproducible():
    spec = {"data": "fashion_mnist", "model": "mlp", "hidden": [6], "activation": "tanh"}
    runs = []
    for _ in range(2):
        torch.manual_seed(3)
        runs.append(subjects.check_subject(spec, fashion_arrays(n=30), seed=2, **CHECK))
    (results, info), (again, _) = runs
    assert [(e.parameter, e.index, e.analytic, e.numeric) for e in results] == [
        (e.parameter, e.index, e.analytic, e.numeric) for e in again]
    assert not any(e.verdict in ("wrong", "suspect") for e in results)
    assert {e.parameter for e in results} == {"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"}
    assert info["parameters"] == 784 * 6 + 6 + 6 * 10 + 10


def test_check_subject_refuses_more_examples_than_the_data_has():
    with pytest.raises(ValueError, match=r"\(warmup_steps \+ 1\) \* batch_size = 24 exceeds the 20 house_prices"):
        subjects.check_subject({"data": "house_prices", "model": "linear"}, house_arrays(n=20), seed=0, **CHECK)


def test_check_subject_draws_distinct_examples_from_its_own_seeded_generator(monkeypatch):
    chosen = []
    original = subjects.tensors

    def spy(data, arrays, rows):
        chosen.append(np.asarray(rows).tolist())
        return original(data, arrays, rows)

    monkeypatch.setattr(subjects, "tensors", spy)
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)  # the model's initialization changes, the examples do not
        subjects.check_subject({"data": "house_prices", "model": "linear"}, house_arrays(n=40), seed=5, **CHECK)
    expected = torch.randperm(40, generator=torch.Generator().manual_seed(5))[:24].tolist()
    assert chosen == [expected, expected] and len(set(expected)) == 24
