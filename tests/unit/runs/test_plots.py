import matplotlib.pyplot as plt
import pytest
from initlab.runs import plots, snapshot

from .conftest import CONFIG, write_results


@pytest.fixture
def runs(tmp_path):
    before = snapshot.current(results=write_results(tmp_path / "a"), config=CONFIG, code=None)
    after = snapshot.current(results=write_results(tmp_path / "b", house=(0.25, 0.26, 0.27)), config=CONFIG, code=None)
    return before, after


def test_house_prices_overlays_fold_one_of_both_runs_and_the_cv_ranges(runs):
    fig = plots.house_prices_figure(baseline=runs[0], current=runs[1])
    curves, cv = fig.axes
    lines = {line.get_label(): line for line in curves.get_lines()}
    assert lines["baseline: linear / default"].get_linestyle() == "--"
    assert list(lines["current: linear / default"].get_ydata()) == [1.1, 0.25]  # fold 1's curve
    assert [t.get_text() for t in cv.get_xticklabels()] == ["linear / default"]
    assert len(cv.containers) == 2  # one error bar per run
    plt.close(fig)


def test_initializers_draws_a_band_per_run_and_initializer(runs):
    fig = plots.initializers_figure(baseline=runs[0], current=runs[1])
    losses, accuracy = fig.axes
    assert [line.get_label() for line in losses.get_lines()] == ["baseline: normal", "current: normal"]
    assert list(losses.get_lines()[0].get_ydata()) == pytest.approx([0.89, 0.5])  # mean over the 3 seeds
    assert len(losses.collections) == 2 and len(accuracy.containers) == 4  # normal and zeros, two runs
    plt.close(fig)


def test_a_study_in_neither_run_says_so(runs):
    empty = {**runs[0], "curves": {}}
    fig = plots.initializers_figure(baseline=empty, current=empty)
    assert "initializers: in neither run" in fig.axes[0].texts[0].get_text()
    plt.close(fig)
