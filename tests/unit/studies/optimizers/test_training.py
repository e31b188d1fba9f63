"""Optimizer study: one run on synthetic data (schedules, per-epoch validation), the summary and plot helpers."""

import math

import numpy as np
import pytest
import torch
from initlab.core.classify import evaluate
from initlab.studies.optimizers import plots, summary, training


def blobs(n, seed):
    """Ten well separated Gaussian classes in 20 dimensions: x (n, 20) float32, y (n,) int64."""
    g = torch.Generator().manual_seed(seed)
    centres = 3 * torch.randn(10, 20, generator=torch.Generator().manual_seed(99))
    y = torch.randint(0, 10, (n,), generator=g)
    return centres[y] + torch.randn(n, 20, generator=g), y


def run(optimizer="sgd", lr=0.1, schedule="step", schedule_settings=None, epochs=4, seed=0):
    torch.manual_seed(seed)
    return training.run(optimizer=optimizer, settings={"lr": lr}, schedule=schedule,
                        schedule_settings={"step_size": 1, "gamma": 0.5} if schedule_settings is None
                        else schedule_settings, train=blobs(500, 1), valid=blobs(300, 2), hidden=[32],
                        activation="relu", dropout=0.0, batch_size=50, epochs=epochs, batch_seed=7,
                        device=torch.device("cpu"))


def test_run_records_schedule_and_per_epoch_validation():
    out = run()
    assert out["lrs"] == [0.1, 0.05, 0.025, 0.0125]  # step decay, halved every epoch
    assert len(out["valid_accuracy"]) == len(out["valid_loss"]) == 4 and out["steps"] == 40
    assert len(out["batch_losses"]) == 40 and not out["diverged"]
    assert out["valid_accuracy"][-1] > 0.9 and out["final_valid_accuracy"] == out["valid_accuracy"][-1]
    assert out["valid_loss"][-1] < out["valid_loss"][0] < math.log(10) + 1
    assert out["seconds"] > 0 and out["cpu_seconds"] > 0
    assert out == {**run(), "seconds": out["seconds"], "cpu_seconds": out["cpu_seconds"]}  # bit-for-bit on CPU


def test_validation_metrics_match_an_independent_evaluation():
    x, y = blobs(300, 2)
    model = torch.nn.Sequential(torch.nn.Linear(20, 10))
    loss, acc = evaluate(model, x, y, 64)
    logits = model(x)
    assert loss == pytest.approx(torch.nn.functional.cross_entropy(logits, y).item(), rel=1e-5)
    assert acc == pytest.approx((logits.argmax(1) == y).float().mean().item())


def test_divergence_is_recorded_not_raised():
    out = run(optimizer="sgd", lr=1e6, schedule="none", schedule_settings={}, epochs=3)
    assert out["diverged"] and math.isnan(out["final_valid_accuracy"])


def fake(optimizer, schedule, seed, acc, diverged=False, lr=0.1):
    return {"optimizer": optimizer, "schedule": schedule, "seed": seed, "settings": {"lr": lr},
            "final_valid_accuracy": float("nan") if diverged else acc, "epoch_losses": [1.0, 0.5],
            "diverged": diverged, "seconds": 2.0, "cpu_seconds": 1.0, "device": "cpu", "batch_losses": [2.0, 1.0, 0.5, 0.4],
            "lrs": [lr, lr / 2], "valid_loss": [0.9, 0.6], "valid_accuracy": [0.7, acc]}


def test_summary_aggregates_over_seeds_and_counts_divergence():
    table = summary.summarize([fake("sgd", "none", 0, 0.80), fake("sgd", "none", 1, 0.84),
                                fake("adam", "none", 0, 0.86), fake("adam", "none", 1, 0, diverged=True),
                                fake("sgd", "step", 0, 0.83)])
    assert list(zip(table["optimizer"], table["schedule"])) == [("adam", "none"), ("sgd", "step"), ("sgd", "none")]
    sgd = table.iloc[2]
    assert sgd["seeds"] == 2 and sgd["diverged"] == 0
    assert sgd["valid_accuracy_mean"] == pytest.approx(0.82)
    assert (sgd["valid_accuracy_min"], sgd["valid_accuracy_max"]) == (0.80, 0.84)
    adam = table.iloc[0]
    assert adam["diverged"] == 1 and adam["valid_accuracy_mean"] == 0.86  # the finished seed only
    assert (sgd["seconds_mean"], sgd["cpu_seconds_mean"]) == (2.0, 1.0)


def test_smooth_and_band():
    np.testing.assert_allclose(plots.smooth([1, 2, 3, 4, 5], 2), [1.5, 3.5, 5.0])
    mean, low, high = plots.band([[1.0, 2.0, 3.0], [3.0, 4.0]])
    np.testing.assert_allclose(mean, [2.0, 3.0])
    np.testing.assert_allclose(low, [1.0, 2.0])
    np.testing.assert_allclose(high, [3.0, 4.0])


def test_figures_skip_diverged_runs():
    records = [fake("sgd", "none", 0, 0.8), fake("sgd", "none", 1, 0.82), fake("adam", "none", 0, 0, diverged=True)]
    fig = plots.losses_figure(records, window=2, title="t", batch_size=100)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["sgd (lr 0.1, 2 seeds)", "adam (all runs diverged)"]
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [1.5, 0.45])  # windows of 2 batches, mean over seeds
    epochs = plots.epochs_figure(records, title="t")
    assert len(epochs.axes) == 3
