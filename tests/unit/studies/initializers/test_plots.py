"""Initializer study figures (initlab.studies.initializers.plots), tested by what they draw."""

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from initlab.core.initializers import colour
from initlab.studies.initializers import plots
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer, ErrorbarContainer


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def same(actual, name):
    """An artist colour equals the registry colour of initializer `name` (alpha ignored)."""
    return mcolors.same_color(mcolors.to_rgb(actual), colour(name))


CURVES = {"zeros": [[3.0, 2.0, 1.0, 0.5], [4.0, 3.0, 2.0], [11.0, 1.0, 0.3, 0.2]], "kaiming_normal": [[1.0, 0.5, 0.25, 0.1, 0.05]],
          "ones": []}


def test_loss_band_is_mean_min_max_over_seeds_cut_to_the_shortest_run():
    steps, mean, low, high = plots.loss_band(CURVES["zeros"], n_batches=4)
    np.testing.assert_array_equal(steps, [1, 2, 3])
    np.testing.assert_allclose(mean, [6.0, 2.0, 1.1])  # the mean, not the median (4, 2, 1)
    np.testing.assert_array_equal(low, [3, 1, 0.3])
    np.testing.assert_array_equal(high, [11, 3, 2])
    steps, mean, _, _ = plots.loss_band(CURVES["kaiming_normal"], n_batches=2)
    np.testing.assert_array_equal(steps, [1, 2])
    np.testing.assert_array_equal(mean, [1.0, 0.5])


def band_at(collection, x):
    """(low, high) of a fill_between polygon at step x."""
    vertices = collection.get_paths()[0].vertices
    ys = vertices[np.isclose(vertices[:, 0], x), 1]
    return ys.min(), ys.max()


def test_losses_figure_draws_the_mean_and_the_band_per_initializer_on_a_log_scale():
    fig = plots.losses_figure(CURVES, n_batches=4, title="zeros vs kaiming")
    [ax] = fig.axes
    zeros, kaiming, ones = ax.get_lines()
    np.testing.assert_array_equal(zeros.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(zeros.get_ydata(), [6.0, 2.0, 1.1])
    np.testing.assert_allclose(kaiming.get_ydata(), [1.0, 0.5, 0.25, 0.1])  # cut to n_batches
    assert len(ones.get_xdata()) == 0  # all runs diverged: a legend entry without a curve
    for line, name in ((zeros, "zeros"), (kaiming, "kaiming_normal"), (ones, "ones")):
        assert same(line.get_color(), name)
    zeros_band, kaiming_band = ax.collections
    assert [band_at(zeros_band, x) for x in (1, 2, 3)] == [(3, 11), (1, 3), (0.3, 2)]
    assert band_at(kaiming_band, 2) == (0.5, 0.5)
    assert same(zeros_band.get_facecolor()[0], "zeros") and zeros_band.get_alpha() == 0.25
    assert ax.get_yscale() == "log" and ax.get_title() == "zeros vs kaiming"
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "zeros (mean of 3)", "kaiming_normal (mean of 1)", "ones (all runs diverged)"]
    assert legend.get_title().get_text() == "band: min-max over seeds"


TABLE = pd.DataFrame({
    "initializer": ["zeros", "general_rule", "ones"],
    "valid_mean": [10.0, 85.0, 60.0], "valid_std": [0.0, 1.5, np.nan],
    "test_mean": [9.5, 84.0, 58.0], "test_std": [0.5, 2.0, 1.0],
    "reference_valid": [9.8, np.nan, 61.0],
})


def test_accuracy_figure_bars_error_bars_and_published_marks():
    fig = plots.accuracy_figure(TABLE)
    [ax] = fig.axes
    valid, test = [c for c in ax.containers if isinstance(c, BarContainer)]
    for bars, column, shift in ((valid, "valid_mean", -0.2), (test, "test_mean", 0.2)):
        assert [b.get_height() for b in bars] == TABLE[column].tolist()
        np.testing.assert_allclose([b.get_x() + b.get_width() / 2 for b in bars], np.arange(3) + shift)
        assert all(same(b.get_facecolor(), name) for b, name in zip(bars, TABLE["initializer"]))
    assert all(b.get_hatch() == "//" and b.get_alpha() == 0.5 for b in test)
    valid_err, test_err = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    spans = [tuple(seg[:, 1]) for seg in valid_err.lines[2][0].get_segments()]
    assert spans == [(10.0, 10.0), (83.5, 86.5), (60.0, 60.0)]  # a NaN std is drawn as no error
    assert [tuple(seg[:, 1]) for seg in test_err.lines[2][0].get_segments()][0] == (9.0, 10.0)
    [published] = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(published.get_offsets(), [[-0.2, 9.8], [1.8, 61.0]])  # only the known ones
    [chance] = [line for line in ax.get_lines() if list(line.get_ydata()) == [10, 10]]
    assert chance.get_linestyle() == ":"
    assert ax.get_ylim() == (0, 100)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["zeros", "general_rule", "ones"]
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == sorted([
        "validation (mean ± std)", "test (mean ± std)", "published validation (dropout on)", "chance (10 classes)"])


def layer(name, shape, counts, lo, hi, std):
    return {"layer": name, "shape": shape, "std": std, "counts": counts,
            "edges": np.linspace(lo, hi, len(counts) + 1).tolist()}


def test_histograms_figure_has_a_row_per_initializer_and_a_column_per_layer():
    histograms = {
        "xavier_uniform": [layer("fc1", [3, 4], [2, 5, 5], -1.0, 1.0, 0.5), layer("fc2", [2, 3], [1, 4, 1], -0.6, 0.6, 0.3)],
        "ones": [layer("fc1", [3, 4], [0, 12, 0], 0.5, 1.5, 0.0)],
    }
    fig = plots.histograms_figure(histograms, seed=7)
    axes = np.array(fig.axes).reshape(2, 2)
    [stairs] = axes[0, 1].patches
    values, edges, _ = stairs.get_data()
    np.testing.assert_array_equal(values, [1, 4, 1])
    np.testing.assert_allclose(edges, [-0.6, -0.2, 0.2, 0.6])
    assert same(stairs.get_facecolor(), "xavier_uniform") and stairs.get_fill()
    assert same(axes[1, 0].patches[0].get_facecolor(), "ones")
    assert not axes[1, 1].axison  # ones has one layer: the second panel is blank
    assert axes[0, 0].get_title() == "xavier_uniform: fc1 4->3, std 0.5"
    assert axes[0, 1].get_title() == "xavier_uniform: fc2 3->2, std 0.3"
    assert axes[1, 0].get_title() == "ones: fc1 4->3, std 0"
    assert axes[1, 0].get_xlabel() == "initial weight value" and axes[0, 0].get_ylabel() == "weights per bin"
    assert "seed 7" in fig._suptitle.get_text()


def test_title_names_few_members_and_otherwise_the_group():
    assert plots.title_of("constant_weights", ["zeros", "ones"], 100) == "Training loss, first 100 batches: zeros vs ones"
    assert plots.title_of("all_normal_schemes", ["a", "b", "c", "d"], 50) == (
        "Training loss, first 50 batches: all normal schemes")


def test_accuracy_figure_sets_our_dropout_on_mean_beside_the_published_mark():
    fig = plots.accuracy_figure(TABLE.assign(lesson_valid_mean=[9.9, 84.0, 59.0]))
    [ax] = fig.axes
    published, ours = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(ours.get_offsets(), [[-0.2, 9.9], [0.8, 84.0], [1.8, 59.0]])
    assert "ours, validation with dropout on (mean)" in [t.get_text() for t in ax.get_legend().get_texts()]
