"""Linear-regression figure (initlab.studies.linear_regression.plots), tested by what it draws."""

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from initlab.studies.linear_regression import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


X = torch.tensor([[-1.0, 2.0], [0.5, -3.0], [2.0, 1.0], [1.0, 0.0]])
W, B = [2.0, -3.4], 4.2
Y = (X @ torch.tensor(W) + B).reshape(-1, 1)
FITS = [
    {"method": "scratch", "losses": [0.3, 0.01, 5e-5], "final_loss": 5e-5, "w_hat": [1.9, -3.3], "b_hat": 4.1},
    {"method": "concise", "losses": [0.2, 0.02, 6e-5], "final_loss": 6e-5, "w_hat": [2.0, -3.4], "b_hat": 4.2},
    {"method": "closed_form", "losses": [], "final_loss": 4e-5, "w_hat": [2.0, -3.4], "b_hat": 4.2},
]
REFERENCE = [0.04, 1.6e-4, 5e-5]


def test_loss_panel_draws_each_method_the_closed_form_line_and_d2ls_crosses():
    fig = plots.fits_figure(X, Y, FITS, REFERENCE)
    losses = fig.axes[0]
    scratch, concise, closed, published = losses.get_lines()
    np.testing.assert_array_equal(scratch.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(scratch.get_ydata(), [0.3, 0.01, 5e-5])
    np.testing.assert_array_equal(concise.get_ydata(), [0.2, 0.02, 6e-5])
    assert list(closed.get_ydata()) == [4e-5, 4e-5] and closed.get_linestyle() == "--"
    np.testing.assert_array_equal(published.get_ydata(), REFERENCE)
    assert published.get_marker() == "x" and published.get_linestyle() == "None"
    for line, method in ((scratch, "scratch"), (concise, "concise"), (closed, "closed_form")):
        assert mcolors.same_color(line.get_color(), plots.METHOD_COLOURS[method])
    assert losses.get_yscale() == "log"
    assert [t.get_text() for t in losses.get_legend().get_texts()] == [
        "scratch", "concise", "closed_form", "d2l (published)"]


def test_data_panel_scatters_y_against_x1_coloured_by_x2_with_slices_of_the_scratch_plane():
    fig = plots.fits_figure(X, Y, FITS, REFERENCE)
    data = fig.axes[1]
    assert len(fig.axes) == 3  # losses, data, and the data panel's colour bar
    [points] = data.collections
    np.testing.assert_allclose(points.get_offsets(), np.column_stack([X[:, 0], Y[:, 0]]))
    np.testing.assert_allclose(points.get_array(), X[:, 1])
    assert points.norm.vmin == -3.0 and points.norm.vmax == 3.0  # symmetric about x2 = 0
    slices = data.get_lines()
    assert [line.get_label() for line in slices] == [f"fitted plane at x2 = {v:g}" for v in (-2.0, 0.0, 2.0)]
    scratch = FITS[0]
    for line, x2 in zip(slices, (-2.0, 0.0, 2.0)):
        np.testing.assert_allclose(line.get_xdata(), [-1.0, 2.0])  # the data's x1 range
        expected = [scratch["w_hat"][0] * x1 + scratch["w_hat"][1] * x2 + scratch["b_hat"] for x1 in (-1.0, 2.0)]
        np.testing.assert_allclose(line.get_ydata(), expected)
        assert mcolors.same_color(line.get_color(), points.cmap(points.norm(x2)))
