"""Optimizer study figures (initlab.studies.optimizers.plots), tested by what they draw."""

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from initlab.core.optimizers import SCHEDULE_COLOURS, SCHEDULE_STYLES, colour
from initlab.studies.optimizers import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def record(optimizer, schedule, losses, *, lr=0.1, diverged=False, lrs=(0.1, 0.05), valid_loss=(1.0, 0.8),
           valid_accuracy=(0.5, 0.7), seed=0):
    return {"optimizer": optimizer, "schedule": schedule, "settings": {"lr": lr}, "diverged": diverged, "seed": seed,
            "batch_losses": list(losses), "lrs": list(lrs), "valid_loss": list(valid_loss),
            "valid_accuracy": list(valid_accuracy)}


RECORDS = [
    record("sgd", "none", [4, 2, 2, 1, 1]),
    record("momentum", "step", [3, 3, 1, 1, 0.5, 0.5], lr=0.01, lrs=(0.01, 0.001), valid_accuracy=(0.6, 0.8)),
    record("sgd", "none", [2, 2, 1, 1, 1], valid_accuracy=(0.4, 0.9), seed=1),
    record("momentum", "step", [9, 9], lr=0.01, diverged=True),
    record("adam", "none", [1], diverged=True),
]


def test_smooth_averages_consecutive_windows_including_the_short_last_one():
    np.testing.assert_allclose(plots.smooth([4, 2, 2, 1, 1], 2), [3.0, 1.5, 1.0])
    np.testing.assert_allclose(plots.smooth([1, 2, 3], 5), [2.0])
    np.testing.assert_allclose(plots.smooth([1, 2, 3], 1), [1, 2, 3])


def test_band_is_mean_min_max_over_the_common_prefix():
    mean, low, high = plots.band([[1.0, 5.0, 9.0], [3.0, 1.0], [2.0, 3.0, 4.0]])
    np.testing.assert_allclose(mean, [2.0, 3.0])
    np.testing.assert_allclose(low, [1.0, 1.0])
    np.testing.assert_allclose(high, [3.0, 5.0])


def test_group_runs_keeps_first_seen_order_and_counts_divergence():
    finished, diverged = plots.group_runs(RECORDS)
    assert list(finished) == [("sgd", "none"), ("momentum", "step"), ("adam", "none")]
    assert [len(runs) for runs in finished.values()] == [2, 1, 0]
    assert diverged == {("sgd", "none"): 0, ("momentum", "step"): 1, ("adam", "none"): 1}


def same(actual, expected):
    return mcolors.same_color(mcolors.to_rgb(actual), expected)


def test_losses_figure_windows_means_bands_and_registry_styles():
    fig = plots.losses_figure(RECORDS, window=2, title="all", batch_size=64)
    [ax] = fig.axes
    sgd, momentum, adam = ax.get_lines()
    # sgd seeds smooth to [3, 1.5, 1] and [2, 1, 1]: mean [2.5, 1.25, 1] at batch 1, 3, 5
    np.testing.assert_allclose(sgd.get_xdata(), [1.0, 3.0, 5.0])
    np.testing.assert_allclose(sgd.get_ydata(), [2.5, 1.25, 1.0])
    np.testing.assert_allclose(momentum.get_ydata(), [3.0, 1.0, 0.5])
    assert len(adam.get_xdata()) == 0
    sgd_band, momentum_band = ax.collections
    vertices = sgd_band.get_paths()[0].vertices
    assert set(np.round(vertices[np.isclose(vertices[:, 0], 3.0), 1], 9)) == {1.0, 1.5}  # min and max at x = 3
    for line, (optimizer, schedule) in ((sgd, ("sgd", "none")), (momentum, ("momentum", "step")),
                                        (adam, ("adam", "none"))):
        assert same(line.get_color(), colour(optimizer))
        assert line.get_linestyle() == SCHEDULE_STYLES[schedule]
    assert same(momentum_band.get_facecolor()[0], colour("momentum"))
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "step (batches of 64 images)" and "mean of 2 batches" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "sgd (lr 0.1, 2 seeds)", "momentum + step (lr 0.01, 1 seeds, 1 diverged)", "adam (all runs diverged)"]


def test_losses_figure_by_schedule_adds_each_run_minus_the_constant_rate_seed_by_seed():
    records = [record("sgd", "none", [1, 2, 4, 4]), record("sgd", "exponential", [1, 2, 3, 5]),
               record("sgd", "step", [3, 3, 3, 3]), record("sgd", "none", [2, 2, 2, 2], seed=1),
               record("sgd", "step", [2, 2, 1, 1], seed=1)]
    fig = plots.losses_figure(records, window=2, title="schedules of sgd", batch_size=10, colour_by="schedule")
    top, bottom = fig.axes
    for line, schedule in zip(top.get_lines(), ("none", "exponential", "step")):
        assert same(line.get_color(), SCHEDULE_COLOURS[schedule])
        assert line.get_linestyle() == SCHEDULE_STYLES[schedule]
    np.testing.assert_allclose(top.get_lines()[1].get_xdata(), [1.0, 3.0])
    constant, exponential, step = bottom.get_lines()
    np.testing.assert_allclose(constant.get_ydata(), [0.0, 0.0])  # the constant run is the zero line
    np.testing.assert_allclose(exponential.get_ydata(), [0.0, 0.0])  # windows [1,2]-[1,2], [3,5]-[4,4]
    # seed 0: [3,3]-[1.5,4] = [1.5,-1]; seed 1: [2,1]-[2,2] = [0,-1]; mean [0.75, -1]
    np.testing.assert_allclose(step.get_ydata(), [0.75, -1.0])
    assert same(step.get_color(), SCHEDULE_COLOURS["step"]) and "mean of 2 batches" in bottom.get_ylabel()
    assert len(plots.losses_figure(records, window=2, title="t", batch_size=10).axes) == 1  # by optimizer: one panel


def test_epochs_figure_one_row_for_the_constant_rates_and_one_per_scheduled_optimizer():
    records = [*RECORDS, record("sgd", "step", [1], lrs=(0.1, 0.05), valid_loss=(1.0, 0.5), valid_accuracy=(0.5, 0.8)),
               record("sgd", "step", [1], lrs=(0.1, 0.05), valid_loss=(0.9, 0.6), valid_accuracy=(0.4, 0.95), seed=1)]
    fig = plots.epochs_figure(records, title="per epoch")
    assert len(fig.axes) == 9  # rows: constant rates, momentum's schedules, sgd's schedules
    (loss, accuracy, legend), momentum_row, sgd_row = np.reshape(fig.axes, (3, 3))
    # constant rates only: sgd (2 seeds) and adam (all diverged: a legend entry only)
    assert len(loss.get_lines()) == 1 and len(accuracy.get_lines()) == 1
    np.testing.assert_allclose(loss.get_lines()[0].get_ydata(), [1.0, 0.8])
    np.testing.assert_allclose(accuracy.get_lines()[0].get_ydata(), [45.0, 80.0])  # percent, mean of 2 seeds
    np.testing.assert_array_equal(accuracy.get_lines()[0].get_xdata(), [1, 2])
    assert not legend.axison
    assert [t.get_text() for t in legend.get_legend().get_texts()] == [
        "sgd (lr 0.1, 2 seeds)", "adam (all runs diverged)"]
    # sgd under step minus sgd at the constant rate, seed by seed: seed 0 [0, -0.3], seed 1 [-0.1, -0.2]
    d_loss, d_accuracy, lr = sgd_row
    constant, step = d_loss.get_lines()
    np.testing.assert_allclose(constant.get_ydata(), [0.0, 0.0])
    np.testing.assert_allclose(step.get_ydata(), [-0.05, -0.25])
    np.testing.assert_allclose(d_accuracy.get_lines()[1].get_ydata(), [0.0, 7.5])  # [0, 10] and [0, 5] points
    assert same(step.get_color(), SCHEDULE_COLOURS["step"]) and step.get_linestyle() == SCHEDULE_STYLES["step"]
    assert lr.get_yscale() == "log" and len(lr.get_lines()) == 2
    np.testing.assert_allclose(lr.get_lines()[1].get_ydata(), [0.1, 0.05])
    # momentum has no constant-rate run: its learning rate only, no difference to draw
    assert len(momentum_row[0].get_lines()) == 0 and len(momentum_row[2].get_lines()) == 1
    assert [ax.get_ylabel() for ax in sgd_row] == [
        "validation loss minus sgd's (nats)", "validation accuracy minus sgd's (points)",
        "learning rate during the epoch"]
