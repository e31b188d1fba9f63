"""Random-search figure (initlab.studies.search.plots), tested by what it draws."""

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from initlab.studies.search import plots

NAN = float("nan")
TABLE = pd.DataFrame([
    # trial, stage, epochs, lr, weight_decay, hidden, valid_log_rmse
    ("coarse000", "coarse", 10, 1e-3, 1e-2, 16, 0.30),
    ("coarse001", "coarse", 10, 5e-2, 1e-3, 64, NAN),
    ("coarse002", "coarse", 10, 2e-2, 3e-1, 128, 0.20),
    ("fine000", "fine", 50, 1.5e-2, 1e-2, 32, 0.14),
    ("fine001", "fine", 50, 1.2e-2, 2e-2, 64, 0.13),
], columns=["trial", "stage", "epochs", "lr", "weight_decay", "hidden", "valid_log_rmse"])
RANGES = {"lr": [1e-4, 1e-1], "weight_decay": [1e-4, 1.0], "hidden": [10, 200]}
FINE = {"lr": [1e-2, 3e-2], "weight_decay": [1e-3, 1e-1], "hidden": [16, 128]}


@pytest.fixture
def fig():
    figure = plots.scores_figure(TABLE, ranges=RANGES, fine_ranges=FINE, baseline=0.17, goal=0.125, best="fine001")
    yield figure
    plt.close(figure)


def by_label(ax):
    return {c.get_label(): c for c in ax.collections}


def test_one_log_log_panel_per_hyperparameter(fig):
    assert len(fig.axes) == 3
    assert [ax.get_xlabel() for ax in fig.axes] == [plots.LABELS[n] for n in RANGES]
    assert all(ax.get_xscale() == "log" and ax.get_yscale() == "log" for ax in fig.axes)
    assert fig.axes[0].get_ylabel() == "mean validation log-RMSE over folds"


@pytest.mark.parametrize("panel, name", list(enumerate(RANGES)))
def test_every_finished_trial_is_plotted_at_its_setting_and_the_best_gets_a_star(fig, panel, name):
    scatters = by_label(fig.axes[panel])
    coarse = scatters["coarse (10 epochs, 3 trials, 1 diverged)"]
    fine = scatters["fine (50 epochs, 2 trials)"]
    star = scatters["best: fine001"]
    np.testing.assert_allclose(coarse.get_offsets(), [[TABLE[name][0], 0.30], [TABLE[name][2], 0.20]])
    np.testing.assert_allclose(fine.get_offsets(), [[TABLE[name][3], 0.14], [TABLE[name][4], 0.13]])
    np.testing.assert_allclose(star.get_offsets(), [[TABLE[name][4], 0.13]])
    assert len(coarse.get_facecolor()) == 0 or coarse.get_facecolor()[0][3] == 0  # hollow
    assert mcolors.same_color(coarse.get_edgecolor()[0], "#1f77b4")
    assert mcolors.same_color(fine.get_facecolor()[0], "#d62728")


@pytest.mark.parametrize("panel, name", list(enumerate(RANGES)))
def test_range_edges_fine_range_baseline_and_goal(fig, panel, name):
    ax = fig.axes[panel]
    verticals = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert verticals == RANGES[name]
    horizontals = {line.get_label(): line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() in
                   ("--", "-.")}
    assert horizontals == {"seed baseline 0.17": 0.17, "goal 0.125": 0.125}
    [span] = ax.patches
    assert span.get_x() == pytest.approx(FINE[name][0])
    assert span.get_x() + span.get_width() == pytest.approx(FINE[name][1])


def test_hidden_width_ticks_are_the_powers_of_two_inside_the_range(fig):
    hidden = fig.axes[2]
    assert list(hidden.get_xticks()) == [16, 32, 64, 128]
    fig.canvas.draw()
    assert [t.get_text() for t in hidden.get_xticklabels()] == ["16", "32", "64", "128"]


def test_legend_lists_stages_best_range_and_reference_lines(fig):
    texts = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert sorted(texts) == sorted(["coarse (10 epochs, 3 trials, 1 diverged)", "fine (50 epochs, 2 trials)",
                                    "best: fine001", "fine range", "seed baseline 0.17", "goal 0.125"])
