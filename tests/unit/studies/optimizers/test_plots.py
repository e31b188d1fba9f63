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
           valid_accuracy=(0.5, 0.7)):
    return {"optimizer": optimizer, "schedule": schedule, "settings": {"lr": lr}, "diverged": diverged,
            "batch_losses": list(losses), "lrs": list(lrs), "valid_loss": list(valid_loss),
            "valid_accuracy": list(valid_accuracy)}


RECORDS = [
    record("sgd", "none", [4, 2, 2, 1, 1]),
    record("momentum", "step", [3, 3, 1, 1, 0.5, 0.5], lr=0.01, lrs=(0.01, 0.001), valid_accuracy=(0.6, 0.8)),
    record("sgd", "none", [2, 2, 1, 1, 1], valid_accuracy=(0.4, 0.9)),
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


def test_losses_figure_can_colour_by_schedule():
    records = [record("sgd", "none", [1, 2]), record("sgd", "exponential", [2, 1]), record("sgd", "step", [3, 3])]
    fig = plots.losses_figure(records, window=1, title="schedules of sgd", batch_size=10, colour_by="schedule")
    lines = fig.axes[0].get_lines()
    for line, schedule in zip(lines, ("none", "exponential", "step")):
        assert same(line.get_color(), SCHEDULE_COLOURS[schedule])
        assert line.get_linestyle() == SCHEDULE_STYLES[schedule]
    np.testing.assert_allclose(lines[1].get_xdata(), [0.5, 1.5])


def test_epochs_figure_learning_rate_loss_and_accuracy_per_epoch():
    fig = plots.epochs_figure(RECORDS, title="per epoch")
    lr, loss, accuracy = fig.axes
    assert lr.get_yscale() == "log" and loss.get_yscale() == "linear" and accuracy.get_yscale() == "linear"
    np.testing.assert_allclose(lr.get_lines()[0].get_ydata(), [0.1, 0.05])
    np.testing.assert_allclose(lr.get_lines()[1].get_ydata(), [0.01, 0.001])
    np.testing.assert_allclose(loss.get_lines()[0].get_ydata(), [1.0, 0.8])
    np.testing.assert_allclose(accuracy.get_lines()[0].get_ydata(), [45.0, 80.0])  # percent, mean of 2 seeds
    np.testing.assert_allclose(accuracy.get_lines()[1].get_ydata(), [60.0, 80.0])
    np.testing.assert_array_equal(accuracy.get_lines()[0].get_xdata(), [1, 2])
    assert same(accuracy.get_lines()[1].get_color(), colour("momentum"))
    assert accuracy.get_lines()[1].get_linestyle() == SCHEDULE_STYLES["step"]
    assert len(accuracy.get_lines()[2].get_xdata()) == 0  # adam: legend entry only
    assert [ax.get_ylabel() for ax in fig.axes] == [
        "learning rate during the epoch", "validation loss (nats)", "validation accuracy (%)"]
    assert [t.get_text() for t in accuracy.get_legend().get_texts()][-1] == "adam (all runs diverged)"
