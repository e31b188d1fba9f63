"""House prices tables and figures (initlab.studies.house_prices.summary) from fake fold records."""

import math
import statistics

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from initlab import published
from initlab.core.initializers import colour
from initlab.studies.house_prices import summary

NAN = float("nan")


def record(model, initializer, fold, train, valid, *, diverged=False, seconds=1.0, epochs=3):
    curve = [train * (1 + 0.5 * (epochs - e)) for e in range(1, epochs + 1)]
    return {"model": model, "initializer": initializer, "fold": fold, "folds": 5, "target": "price",
            "train_log_rmse": NAN if diverged else train, "valid_log_rmse": NAN if diverged else valid,
            "diverged": diverged, "diverged_epoch": 2 if diverged else None, "seconds": seconds, "cpu_seconds": seconds / 2, "device": "cpu",
            "train_curve": curve[:2] if diverged else curve, "valid_curve": [2 * c for c in curve], "seed": fold,
            "train_rows": 8, "valid_rows": 2, "unused_rows": 0}


LINEAR = [(0.16, 0.15), (0.17, 0.19), (0.165, 0.17), (0.15, 0.155), (0.175, 0.18)]  # (train, valid) per fold


def records():
    rows = [record("linear", "default", f, t, v, seconds=f) for f, (t, v) in enumerate(LINEAR, 1)]
    rows += [record("mlp", "zeros", 1, 0.4, 0.41), record("mlp", "zeros", 2, 0, 0, diverged=True, seconds=9.0),
             record("mlp", "zeros", 3, 0.42, 0.45), record("mlp", "ones", 1, 0, 0, diverged=True)]
    return rows[::-1]  # the table sorts them


def test_cv_summary_keeps_one_sorted_row_per_fold_with_the_documented_columns():
    cv = summary.cv_summary(records())
    assert list(cv.columns) == summary.COLUMNS
    assert list(zip(cv["model"], cv["initializer"], cv["fold"])) == (
        [("linear", "default", f) for f in range(1, 6)] + [("mlp", "ones", 1)] + [("mlp", "zeros", f) for f in (1, 2, 3)])
    assert cv["diverged"].dtype == bool and cv["diverged"].tolist() == [False] * 5 + [True, False, True, False]
    assert cv["valid_log_rmse"].tolist()[:5] == [v for _, v in LINEAR]
    assert math.isnan(cv.loc[7, "train_log_rmse"])  # the diverged fold keeps its row


def test_mean_std_over_finished_folds_counts_the_diverged_ones():
    means = summary.mean_std(summary.cv_summary(records())).set_index(["model", "initializer"])
    linear = means.loc[("linear", "default")]
    assert linear["folds"] == 5 and linear["diverged_folds"] == 0 and not linear["diverged"]
    assert linear["train_mean"] == pytest.approx(statistics.mean(t for t, _ in LINEAR), rel=1e-12)
    assert linear["train_std"] == pytest.approx(statistics.stdev(t for t, _ in LINEAR), rel=1e-12)  # ddof 1
    assert linear["valid_mean"] == pytest.approx(statistics.mean(v for _, v in LINEAR), rel=1e-12)
    assert linear["valid_std"] == pytest.approx(statistics.stdev(v for _, v in LINEAR), rel=1e-12)
    assert linear["seconds_mean"] == pytest.approx(3.0) and linear["cpu_seconds_mean"] == pytest.approx(1.5)
    zeros = means.loc[("mlp", "zeros")]
    assert zeros["folds"] == 3 and zeros["diverged_folds"] == 1 and zeros["diverged"]
    assert zeros["valid_mean"] == pytest.approx(0.43) and zeros["valid_std"] == pytest.approx(math.sqrt(2 * 0.02**2))
    assert zeros["seconds_mean"] == pytest.approx(11 / 3) and zeros["cpu_seconds_mean"] == pytest.approx(11 / 6)  # seconds of every fold, the diverged one included
    ones = means.loc[("mlp", "ones")]
    assert ones["diverged"] and math.isnan(ones["valid_mean"]) and math.isnan(ones["valid_std"])


D2L = dict(published.D2L_HOUSE_SETTINGS)


def test_reference_sets_our_numbers_beside_d2ls():
    table = summary.reference(summary.cv_summary(records()), D2L).set_index("quantity")
    assert list(table.index) == ["mean_train_log_rmse", "mean_valid_log_rmse"] + [
        f"fold{i}_valid_log_rmse" for i in range(1, 6)]
    assert table["d2l"].tolist() == [0.1655, 0.1703, 0.1569, 0.1888, 0.1682, 0.1547, 0.1829]
    ours_train, ours_valid = statistics.mean(t for t, _ in LINEAR), statistics.mean(v for _, v in LINEAR)
    assert table.loc["mean_train_log_rmse", "ours"] == pytest.approx(ours_train)  # only linear/default rows
    assert table.loc["mean_valid_log_rmse", "ours"] == pytest.approx(ours_valid)
    assert [table.loc[f"fold{i}_valid_log_rmse", "ours"] for i in range(1, 6)] == [v for _, v in LINEAR]
    assert table.loc["fold2_valid_log_rmse", "difference"] == pytest.approx(0.19 - 0.1888)
    assert table["tolerance"].tolist()[:2] == [0.005, 0.005] and table["tolerance"].iloc[2:].isna().all()
    # |0.164 - 0.1655| <= 0.005; |0.169 - 0.1703| <= 0.005; folds have no tolerance, so no verdict
    assert table["within_tolerance"].iloc[:2].tolist() == [True, True]
    assert table["within_tolerance"].iloc[2:].isna().all()
    assert table["seed_settings"].all()


def test_reference_flags_a_mean_out_of_tolerance_and_other_settings():
    rows = [record("linear", "default", f, t + 0.01, v) for f, (t, v) in enumerate(LINEAR, 1)]
    table = summary.reference(summary.cv_summary(rows), {**D2L, "epochs": 50}).set_index("quantity")
    assert table.loc["mean_train_log_rmse", "difference"] == pytest.approx(0.174 - 0.1655)  # 0.0085 > 0.005
    assert not table.loc["mean_train_log_rmse", "within_tolerance"]
    assert table.loc["mean_valid_log_rmse", "within_tolerance"]
    assert not table["seed_settings"].any()
    missing_key = {k: v for k, v in D2L.items() if k != "target"}
    assert not summary.reference(summary.cv_summary(rows), missing_key)["seed_settings"].any()


def test_reference_with_fewer_folds_leaves_the_missing_ones_empty():
    rows = [record("linear", "default", f, t, v) for f, (t, v) in enumerate(LINEAR[:3], 1)]
    table = summary.reference(summary.cv_summary(rows), D2L).set_index("quantity")
    assert table.loc["fold3_valid_log_rmse", "ours"] == 0.17
    assert table.loc[["fold4_valid_log_rmse", "fold5_valid_log_rmse"], "ours"].isna().all()


def same_colour(artist_colour, name):
    return mcolors.same_color(artist_colour, colour(name))


def test_fold_curves_draw_train_dashed_and_valid_solid_per_finished_initializer():
    fig = summary.plot_fold_curves(records(), fold=2)
    try:
        linear, mlp = fig.axes
        assert linear.get_title() == "linear: fold 2" and mlp.get_title() == "mlp: fold 2"
        assert linear.get_yscale() == "log" and mlp.get_yscale() == "log"
        train, valid = linear.get_lines()
        expected = record("linear", "default", 2, 0.17, 0.19)
        np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
        np.testing.assert_allclose(train.get_ydata(), expected["train_curve"])
        np.testing.assert_allclose(valid.get_ydata(), expected["valid_curve"])
        assert train.get_linestyle() == "--" and valid.get_linestyle() == "-"
        assert same_colour(train.get_color(), "default") and same_colour(valid.get_color(), "default")
        assert mlp.get_lines() == []  # mlp/zeros diverged at fold 2: no curve, a note instead
        assert [t.get_text() for t in mlp.texts] == ["diverged (not shown): zeros"]
        [legend] = fig.legends
        assert [t.get_text() for t in legend.get_texts()] == ["default", "train", "valid"]
    finally:
        plt.close(fig)


def test_initializer_figure_places_mean_and_std_per_initializer():
    means = summary.mean_std(summary.cv_summary(records()))
    fig = summary.plot_initializers(means)
    try:
        linear, mlp = fig.axes
        assert linear.get_xscale() == "log" and mlp.get_xscale() == "log"
        assert [t.get_text() for t in mlp.get_yticklabels()] == ["ones (diverged folds)", "zeros (diverged folds)"]
        assert [t.get_text() for t in mlp.texts] == ["diverged"]  # ones: no finished fold at all
        assert mcolors.same_color(mlp.texts[0].get_color(), colour("ones"))
        valid, train = linear.containers  # errorbar containers, validation first
        row = means[means["model"] == "linear"].iloc[0]
        for container, split in ((valid, "valid"), (train, "train")):
            marker = container.lines[0]
            assert marker.get_xdata()[0] == pytest.approx(row[f"{split}_mean"]) and marker.get_ydata()[0] == 0
            segment = container.lines[2][0].get_segments()[0]  # the horizontal error bar
            np.testing.assert_allclose(segment[:, 0], [row[f"{split}_mean"] - row[f"{split}_std"],
                                                       row[f"{split}_mean"] + row[f"{split}_std"]])
            assert same_colour(marker.get_color(), "default")
        assert valid.lines[0].get_markerfacecolor() != "none" and train.lines[0].get_markerfacecolor() == "none"
        zeros_valid = mlp.containers[0].lines[0]
        assert zeros_valid.get_xdata()[0] == pytest.approx(0.43) and zeros_valid.get_ydata()[0] == 1
    finally:
        plt.close(fig)

