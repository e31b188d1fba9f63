"""Stability study figures (initlab.studies.stability.plots), tested by what they draw."""

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from initlab.core import initializers
from initlab.studies.stability import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_powers_figure_one_line_per_base_with_zero_and_inf_dropped_on_the_log_axis():
    table = pd.DataFrame({"base": [0.8] * 4 + [1.5] * 4 + [0.0] * 2, "step": [0, 1, 2, 3] * 2 + [0, 1],
                          "value": [1, 0.8, 0.64, 0.512, 1, 1.5, 2.25, np.inf, 1, 0]})
    fig = plots.powers_figure(table)
    [ax] = fig.axes
    small, large, zero, unit = ax.get_lines()
    np.testing.assert_array_equal(small.get_xdata(), [0, 1, 2, 3])
    np.testing.assert_allclose(small.get_ydata(), [1, 0.8, 0.64, 0.512])
    np.testing.assert_array_equal(large.get_ydata(), [1, 1.5, 2.25, np.nan])  # inf -> gap
    np.testing.assert_array_equal(zero.get_ydata(), [1, np.nan])  # 0 -> gap on a log axis
    assert list(unit.get_ydata()) == [1, 1]  # the reference line at 1
    assert ax.get_yscale() == "log"
    assert labels(ax) == ["0.8^k (k = 3: 0.512)", "1.5^k (k = 3: inf)", "0^k (k = 1: 0)"]


def test_matrix_figure_draws_both_norms_and_the_theoretical_exponential():
    table = pd.DataFrame({"step": [1, 2, 3], "max_abs": [2.0, 5.0, 0.0], "frobenius": [3.0, 9.0, 27.0]})
    fig = plots.matrix_figure(table, rate=0.5, size=4)
    [ax] = fig.axes
    largest, frobenius, theory = ax.get_lines()[:3]
    np.testing.assert_array_equal(largest.get_ydata(), [2.0, 5.0, np.nan])
    np.testing.assert_array_equal(frobenius.get_ydata(), [3.0, 9.0, 27.0])
    np.testing.assert_allclose(theory.get_ydata(), np.exp(0.5 * np.array([1, 2, 3])))
    assert theory.get_linestyle() == "--"
    [band] = ax.patches  # the published range after 100 steps: a rectangle from 1e25 to 1e26
    assert band.get_y() == 1e25 and band.get_y() + band.get_height() == pytest.approx(1e26)
    assert ax.get_yscale() == "log" and "4x4" in ax.get_title()
    assert labels(ax) == ["largest |entry|", "Frobenius norm", "exp(0.500 k) (theory)", "published, 100 steps"]


def test_activations_figure_draws_values_left_and_derivatives_right_in_fixed_colours():
    x = np.linspace(-2, 2, 5)
    table = pd.concat([
        pd.DataFrame({"activation": "relu", "x": x, "value": np.maximum(x, 0), "gradient": (x > 0) * 1.0}),
        pd.DataFrame({"activation": "tanh", "x": x, "value": np.tanh(x), "gradient": 1 - np.tanh(x) ** 2}),
    ])
    fig = plots.activations_figure(table)
    left, right = fig.axes
    relu_value, tanh_value = left.get_lines()[:2]
    relu_grad, tanh_grad = right.get_lines()[:2]
    np.testing.assert_allclose(tanh_value.get_ydata(), np.tanh(x))
    np.testing.assert_allclose(tanh_grad.get_ydata(), 1 - np.tanh(x) ** 2)
    np.testing.assert_array_equal(relu_grad.get_ydata(), [0, 0, 0, 1, 1])
    for line, name in ((relu_value, "relu"), (relu_grad, "relu"), (tanh_value, "tanh"), (tanh_grad, "tanh")):
        assert mcolors.same_color(line.get_color(), plots.ACTIVATION_COLOURS[name])
    assert labels(right) == ["relu", "tanh"]


def depth_table():
    rows = []
    for activation in ("relu", "tanh"):
        for init, values in (("kaiming_normal", [1.0, 1.1, 0.9]), ("standard_normal", [10.0, 0.0, 1e6])):
            rows += [{"activation": activation, "initializer": init, "layer": k + 1, "act_var": v}
                     for k, v in enumerate(values)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("log", [True, False])
def test_depth_figure_one_panel_per_activation_one_registry_coloured_line_per_initializer(log):
    fig = plots.depth_figure(depth_table(), column="act_var", label="activation variance", log=log)
    relu, tanh = fig.axes
    assert relu.get_title() == "relu" and tanh.get_title() == "tanh"
    kaiming, standard = tanh.get_lines()
    np.testing.assert_array_equal(kaiming.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(kaiming.get_ydata(), [1.0, 1.1, 0.9])
    np.testing.assert_array_equal(standard.get_ydata(), [10.0, np.nan, 1e6] if log else [10.0, 0.0, 1e6])
    assert mcolors.same_color(kaiming.get_color(), initializers.colour("kaiming_normal"))
    assert mcolors.same_color(standard.get_color(), initializers.colour("standard_normal"))
    assert relu.get_yscale() == tanh.get_yscale() == ("log" if log else "linear")
    assert relu.get_ylabel() == "activation variance" and labels(tanh) == ["kaiming_normal", "standard_normal"]


def test_update_ratio_figure_one_panel_per_initializer_one_line_per_layer_and_the_guide():
    table = pd.DataFrame({"initializer": ["xavier_normal"] * 4 + ["zeros"] * 2, "layer": [0, 1, 0, 1, 0, 0],
                          "step": [0, 0, 5, 5, 0, 5], "update_ratio": [1e-3, 2e-3, 5e-4, 0.0, 1e-2, 3e-3]})
    fig = plots.update_ratio_figure(table, guide=1e-3)
    xavier, zeros = fig.axes
    layer0, layer1, guide = xavier.get_lines()
    np.testing.assert_array_equal(layer0.get_xdata(), [0, 5])
    np.testing.assert_allclose(layer0.get_ydata(), [1e-3, 5e-4])
    np.testing.assert_array_equal(layer1.get_ydata(), [2e-3, np.nan])  # a zero update has no place on a log axis
    assert list(guide.get_ydata()) == [1e-3, 1e-3] and guide.get_linestyle() == "--"
    assert len(zeros.get_lines()) == 2  # one layer and the guide
    assert xavier.get_yscale() == "log"
    assert mcolors.same_color(xavier.title.get_color(), initializers.colour("xavier_normal"))
    assert mcolors.same_color(zeros.title.get_color(), initializers.colour("zeros"))
    assert labels(zeros) == ["layer 0", "0.001 (CS231n)"]


def test_histogram_figure_draws_each_steps_density_per_layer():
    steps, layers, bins = 2, 3, 4
    rng = np.random.default_rng(0)
    hist = {"steps": np.array([0, 10])}
    for kind in ("act", "grad"):
        hist[f"{kind}_counts"] = rng.integers(0, 9, (steps, layers, bins)).astype(float)
        hist[f"{kind}_edges"] = np.sort(rng.normal(size=(steps, layers, bins + 1)), axis=-1)
    hist["grad_counts"][1, 2] = 0  # an empty histogram: divided by 1, not by 0
    fig = plots.histogram_figure(hist, title="relu: activations")
    axes = np.array(fig.axes).reshape(2, layers)
    for row, kind in enumerate(("act", "grad")):
        for layer in range(layers):
            ax = axes[row, layer]
            assert ax.get_yscale() == "log" and ax.get_title() == f"layer {layer + 1}"
            for s, stairs in enumerate(ax.patches):
                values, edges, _ = stairs.get_data()
                counts = hist[f"{kind}_counts"][s, layer]
                np.testing.assert_allclose(values, counts / max(counts.sum(), 1))
                np.testing.assert_allclose(edges, hist[f"{kind}_edges"][s, layer])
    assert axes[1, 0].get_xlabel() == "gradient dloss/dh" and axes[0, 0].get_xlabel() == "activation"
    assert labels(axes[0, -1]) == ["step 0", "step 10"]


def test_weight_images_show_each_unit_as_a_28_by_28_image():
    panels = {"before": np.arange(3 * 784, dtype=float).reshape(3, 784), "after": -np.ones((2, 784))}
    fig = plots.weight_images_figure(panels, title="first layer", columns=2)
    images = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(images) == 5 and len(fig.axes) == 2 * 4  # two panels of 2 rows x 2 columns
    np.testing.assert_array_equal(images[0], np.arange(784).reshape(28, 28))
    np.testing.assert_array_equal(images[2], np.arange(2 * 784, 3 * 784).reshape(28, 28))
    np.testing.assert_array_equal(images[3], -np.ones((28, 28)))
    assert [sub._suptitle.get_text() for sub in fig.subfigs] == ["before", "after"]
