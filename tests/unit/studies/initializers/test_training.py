"""initlab.studies.initializers.training: one (initializer, seed) run and the initial-weight histograms."""

import math

import numpy as np
import pytest
import torch
from initlab.core import initializers, models
from initlab.data import fashion
from initlab.studies.initializers import training


def fake_split(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.rand(n, 784, generator=g) * 0.1
    block = (torch.arange(784) // 78).clamp(max=9)  # pixel -> class of its 78-pixel block
    x += (block[None, :] == y[:, None]).float()  # each class lights its own block
    return x, y


def run(name, **overrides):
    torch.manual_seed(0)
    kwargs = dict(initializer=name, train=fake_split(300, 1), valid=fake_split(100, 2), test=fake_split(100, 3),
                  hidden=[32, 16], activation="relu", dropout=0.2, lr=0.01, batch_size=50, epochs=2,
                  batch_seed=7, device="cpu")
    return training.run(**{**kwargs, **overrides})


@pytest.mark.parametrize("name, std", [
    ("general_rule", lambda n: 1 / math.sqrt(n) / math.sqrt(3)),  # U[-y, y): std y / sqrt(3)
    ("normal", lambda n: 1 / math.sqrt(n)),
    ("kaiming_normal", lambda n: math.sqrt(2 / n)),
    ("uniform", lambda n: 1 / math.sqrt(12)),
])
def test_histograms_count_every_weight_and_match_the_formula(name, std):
    torch.manual_seed(0)
    model = initializers.initialize(models.MLP(784, [256, 128], 10), name)
    hists = training.weight_histograms(model)
    assert [h["shape"] for h in hists] == [[256, 784], [128, 256], [10, 128]]
    for h in hists[:2]:  # the 10 x 128 output layer is too small for a tight check
        assert sum(h["counts"]) == h["shape"][0] * h["shape"][1]
        assert len(h["edges"]) == len(h["counts"]) + 1 == training.HIST_BINS + 1
        assert h["std"] == pytest.approx(std(h["shape"][1]), rel=0.05)


def test_constant_weights_fall_in_one_bin():
    model = initializers.initialize(models.MLP(784, [8], 10), "ones")
    h = training.weight_histograms(model)[0]
    assert h["min"] == h["max"] == 1.0 and h["std"] == 0.0
    assert max(h["counts"]) == 8 * 784 and sum(h["counts"]) == 8 * 784
    assert h["edges"][0] < 1.0 < h["edges"][-1]


def test_run_record_is_reproducible_and_consistent():
    a, b = run("general_rule"), run("general_rule")
    for key in ("batch_losses", "valid_accuracy", "test_accuracy", "initial_weights"):
        assert a[key] == b[key]
    assert a["steps"] == len(a["batch_losses"]) == 2 * 6
    assert a["final_loss"] == a["batch_losses"][-1]
    assert a["last_epoch_loss"] == pytest.approx(np.mean(a["batch_losses"][6:]), rel=1e-6)
    assert a["diverged"] is False and a["device"] == "cpu" and a["seconds"] > 0
    assert a["valid_accuracy"] > 0.5  # the lit block is easy to find


def test_zeros_stay_at_chance_and_the_batch_order_is_shared():
    zeros = run("zeros")
    assert zeros["batch_losses"][0] == pytest.approx(math.log(10), rel=1e-6)  # all-zero logits
    assert zeros["valid_accuracy"] < 0.3
    # same batch_seed -> same batches: a zero network's first-batch loss depends only on which labels it sees
    other = run("zeros", batch_seed=8)
    assert run("zeros")["batch_losses"] == zeros["batch_losses"] != other["batch_losses"]


def test_load_split_subset(tmp_path):
    path = tmp_path / "split.npz"
    np.savez(path, x=np.arange(12, dtype=np.float32).reshape(4, 3), y=np.arange(4))
    x, y = fashion.load_split(path, samples=2)
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]] and y.tolist() == [0, 1]
    with pytest.raises(ValueError, match="5 samples asked for, the split has 4"):
        fashion.load_split(path, samples=5)
    np.savez(tmp_path / "bad.npz", images=np.zeros(3))
    with pytest.raises(KeyError, match="expected arrays 'x' and 'y'"):
        fashion.load_split(tmp_path / "bad.npz")


def test_the_lessons_protocol_evaluates_with_dropout_on_and_leaves_the_other_numbers_alone():
    a, b = run("general_rule"), run("general_rule", dropout=0.0)
    assert a["lesson_valid_accuracy"] == run("general_rule")["lesson_valid_accuracy"]  # seeded: reproducible
    # without dropout the lesson's protocol is plain evaluation; with it, dropped units cost accuracy
    assert b["lesson_valid_accuracy"] == pytest.approx(b["valid_accuracy"])
    x, y = fake_split(100, 2)
    torch.manual_seed(0)
    model = initializers.initialize(models.MLP(784, [32, 16], 10, "relu", 0.9), "general_rule").eval()
    on = training.lesson_accuracy(model, x, y, 50)
    assert not model.training  # the mode is restored
    torch.manual_seed(0)
    assert training.lesson_accuracy(model, x, y, 50) == on  # masks from the global generator
    plain = (model(x).argmax(1) == y).double().mean().item()
    assert on != plain  # dropout 0.9 in training mode changes the predictions
