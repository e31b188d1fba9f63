"""Gradient-check figure (initlab.studies.gradient_check.plots), tested by what it draws."""

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from initlab.published import CS231N_CORRECT, CS231N_SUSPECT, CS231N_WRONG
from initlab.studies.gradient_check import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


ENTRIES = pd.DataFrame([
    # model, term, parameter, rel_error, kink
    ("mlp", "data", "layers.0.weight", 1e-9, False),
    ("mlp", "data", "layers.0.weight", 0.0, False),  # exact agreement: drawn at the floor
    ("mlp", "data", "layers.0.bias", 3e-3, True),
    ("mlp", "weight_decay", "layers.0.weight", 2e-10, False),
    ("mlp", "data", "layers.2.weight", 4e-8, False),
    ("planted", "data", "hidden.weight", 0.4, False),
    ("planted", "data", "out.weight", 1e-10, False),
], columns=["model", "term", "parameter", "rel_error", "kink"])


def scatters(ax):
    """(label, colour, offsets) of every scatter on an axis."""
    return [(c.get_label(), c.get_facecolor()[0] if len(c.get_facecolor()) else c.get_edgecolor()[0],
             c.get_offsets()) for c in ax.collections]


def test_one_log_panel_per_model_with_every_entry_at_its_parameter():
    fig = plots.relative_errors(ENTRIES, {"mlp": False, "planted": True})
    mlp, planted = fig.axes[:2]
    assert mlp.get_title() == "mlp" and planted.get_title() == "planted (planted bug)"
    assert mlp.get_yscale() == "log" and planted.get_yscale() == "log"
    assert [t.get_text() for t in mlp.get_xticklabels()] == ["layers.0.weight", "layers.0.bias", "layers.2.weight"]
    drawn = {label: offsets for label, _, offsets in scatters(mlp)}
    # data entries sit 0.15 left of their parameter's tick, other terms 0.15 right; 0 is drawn at FLOOR
    np.testing.assert_allclose(drawn["data"], [[-0.15, 1e-9], [-0.15, plots.FLOOR], [1.85, 4e-8]])
    np.testing.assert_allclose(drawn["data (kink)"], [[0.85, 3e-3]])
    np.testing.assert_allclose(drawn["weight_decay"], [[0.15, 2e-10]])
    np.testing.assert_allclose({label: o for label, _, o in scatters(planted)}["data"], [[-0.15, 0.4], [0.85, 1e-10]])


def test_ticks_name_the_tensors_in_words_where_entries_carry_labels():
    words = {"layers.0.weight": "layer 1 weights", "layers.0.bias": "layer 1 bias", "layers.2.weight": "output weights",
             "hidden.weight": "layer 1 weights", "out.weight": "output weights"}
    fig = plots.relative_errors(ENTRIES.assign(label=ENTRIES["parameter"].map(words)), {"mlp": False, "planted": True})
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["layer 1 weights", "layer 1 bias",
                                                                      "output weights"]


def test_terms_have_fixed_colours_and_kinks_their_own_marker():
    fig = plots.relative_errors(ENTRIES, {"mlp": False, "planted": True})
    for label, colour, _ in scatters(fig.axes[0]):
        term = label.split(" ")[0]
        assert mcolors.same_color(colour[:3], plots.TERM_COLOURS[term])
    by_label = {c.get_label(): c for c in fig.axes[0].collections}
    kinked, smooth = by_label["data (kink)"], by_label["data"]
    assert not np.array_equal(kinked.get_paths()[0].vertices, smooth.get_paths()[0].vertices)  # x vs o


def test_threshold_lines_and_a_deduplicated_legend():
    fig = plots.relative_errors(ENTRIES, {"mlp": False, "planted": True})
    for ax in fig.axes[:2]:
        levels = {(line.get_ydata()[0], line.get_linestyle()) for line in ax.get_lines()}
        assert levels == {(CS231N_WRONG, "-"), (CS231N_SUSPECT, "--"), (CS231N_CORRECT, ":")}
        assert all(mcolors.same_color(line.get_color(), "#d62728") for line in ax.get_lines())
    [legend] = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["data", "data (kink)", "weight_decay"]
    assert plots.FLOOR == 1e-18 and "0 drawn at 1e-18" in fig.axes[0].get_ylabel()


def test_the_legend_lists_terms_seen_in_any_panel():
    entries = pd.DataFrame([("a", "data", "w", 1e-9, False), ("b", "data", "w", 1e-3, True),
                            ("b", "weight_decay", "w", 1e-9, False)], columns=ENTRIES.columns)
    fig = plots.relative_errors(entries, {"a": False, "b": False})
    [legend] = fig.legends
    assert sorted(t.get_text() for t in legend.get_texts()) == ["data", "data (kink)", "weight_decay"]
