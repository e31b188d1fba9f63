import copy
import math

import pandas as pd
import pytest
from initlab.runs import compare, snapshot

from .conftest import CONFIG, write_results


def run(root, config=CONFIG, code=None):
    return snapshot.current(results=root, config=config, code=code)


def row(table, study, quantity):
    rows = table[(table["study"] == study) & (table["quantity"] == quantity)]
    assert len(rows) == 1, f"{study} {quantity}: {len(rows)} rows"
    return rows.iloc[0]


def test_flatten_dots_nested_keys_and_keeps_lists_whole():
    assert compare.flatten({"a": {"b": {"c": 1}, "d": [1, 2]}, "e": None}) == {"a.b.c": 1, "a.d": [1, 2], "e": None}


def test_params_lists_exactly_the_keys_that_differ_nested_added_and_removed(results):
    config = copy.deepcopy(CONFIG)
    config["house_prices"]["lr"] = 3.0
    config["house_prices"]["models"] = ["linear", "mlp"]
    del config["device"]
    config["initializers"]["epochs"] = 2
    config["snapshot"] = "ignored"  # a command argument, not a parameter
    table = compare.params_diff(baseline=run(results), current=run(results, config))
    assert table.to_dict("records") == [
        {"key": "device", "baseline": "cpu", "current": ""},
        {"key": "house_prices.lr", "baseline": "5.0", "current": "3.0"},
        {"key": "house_prices.models", "baseline": '["linear"]', "current": '["linear", "mlp"]'},
        {"key": "initializers.epochs", "baseline": "", "current": "2"},
    ]


def test_params_of_equal_configs_is_empty_and_code_version_appears_when_it_differs(results):
    same = compare.params_diff(baseline=run(results), current=run(results))
    assert same.empty and list(same.columns) == ["key", "baseline", "current"]
    a, b = {"commit": "a" * 40, "dirty": False}, {"commit": "a" * 40, "dirty": True}
    assert compare.params_diff(baseline=run(results, code=a), current=run(results, code=a)).empty
    table = compare.params_diff(baseline=run(results, code=a), current=run(results, code=b))
    assert table.to_dict("records") == [{"key": "code version", "baseline": "a" * 40, "current": "a" * 40 + "+dirty"}]
    assert compare.params_diff(baseline=run(results, code=None), current=run(results, code=a)).iloc[0]["baseline"] == ""


def test_identical_runs_give_zero_differences_and_a_row_per_headline_quantity(results):
    table = compare.metrics(baseline=run(results), current=run(results))
    assert list(table.columns) == compare.METRICS_COLUMNS
    assert set(table["study"]) == {"house_prices", "initializers", "optimizers", "search", "gradient_check",
                                   "linear_regression", "stability"}
    assert (table["difference"] == 0).all()
    house = row(table, "house_prices", "CV valid log-RMSE: linear / default")
    assert house["baseline"] == pytest.approx(0.16) and house["spread"] == pytest.approx(0.01)
    assert house["verdict"] == "within spread"
    assert row(table, "gradient_check", "max relative error: mlp")["current"] == pytest.approx(3e-9)
    assert row(table, "optimizers", "valid accuracy %: sgd / none")["current"] == pytest.approx(85.5)
    assert row(table, "search", "best valid log-RMSE")["verdict"] == "cannot tell"  # one value per run


def test_each_verdict_kind(tmp_path):
    before = run(write_results(tmp_path / "a"))
    # house prices far apart (differs); initializers shifted within their seed spread; optimizers gone
    after = run(write_results(tmp_path / "b", house=(0.25, 0.26, 0.27), initializer_valid=(0.805, 0.815, 0.825),
                              optimizers=False))
    table = compare.metrics(baseline=before, current=after)
    house = row(table, "house_prices", "CV valid log-RMSE: linear / default")
    assert house["verdict"] == "differs" and house["difference"] == pytest.approx(0.10)
    normal = row(table, "initializers", "valid accuracy %: normal")
    assert normal["verdict"] == "within spread" and normal["difference"] == pytest.approx(0.5)
    assert row(table, "initializers", "valid accuracy %: zeros")["verdict"] == "cannot tell"  # one seed
    gone = row(table, "optimizers", "valid accuracy %: sgd / none")
    assert gone["verdict"] == "removed" and gone["baseline"] == pytest.approx(85.5) and math.isnan(gone["current"])
    back = compare.metrics(baseline=after, current=before)
    added = row(back, "optimizers", "valid accuracy %: sgd / none")
    assert added["verdict"] == "added" and math.isnan(added["baseline"]) and added["current"] == pytest.approx(85.5)
    assert len(back) == len(table)  # nothing dropped either way


def test_the_text_table_names_every_row(results):
    params = compare.params_diff(baseline=run(results), current=run(results))
    metrics = compare.metrics(baseline=run(results), current=run(results))
    text = compare.text_table(params, metrics)
    assert "config keys that differ:\n  none" in text
    assert all(q in text for q in metrics["quantity"])


def test_swapping_the_runs_negates_every_difference_and_keeps_every_verdict(tmp_path):
    """The issue's hole in the other direction: a drop must be flagged like a rise (tables.differs, Welch)."""
    before = run(write_results(tmp_path / "a"))
    after = run(write_results(tmp_path / "b", house=(0.25, 0.26, 0.27), initializer_valid=(0.805, 0.815, 0.825),
                              optimizers=False))
    forth = compare.metrics(baseline=before, current=after).set_index(["study", "quantity"])
    back = compare.metrics(baseline=after, current=before).set_index(["study", "quantity"])
    assert sorted(forth.index) == sorted(back.index)
    swapped = {"added": "removed", "removed": "added"}
    for key, row in forth.iterrows():
        other = back.loc[key]
        assert other["verdict"] == swapped.get(row["verdict"], row["verdict"]), key
        for column in ("baseline", "current"):
            theirs = other["current" if column == "baseline" else "baseline"]
            assert row[column] == theirs or (math.isnan(row[column]) and math.isnan(theirs)), key
        for column in ("spread", "p"):
            assert row[column] == other[column] or (math.isnan(row[column]) and math.isnan(other[column])), key
        assert row["difference"] == -other["difference"] or math.isnan(row["difference"]), key
    assert forth.loc[("house_prices", "CV valid log-RMSE: linear / default"), "verdict"] == "differs"
    assert back.loc[("house_prices", "CV valid log-RMSE: linear / default"), "difference"] == pytest.approx(-0.10)


def test_every_headline_quantity_by_its_name_and_scale(results):
    table = compare.metrics(baseline=run(results), current=run(results))
    expected = {  # the fixture's values (tests/unit/runs/conftest.py); accuracies in percent
        ("initializers", "test accuracy %: normal"): 80.0,  # valid 0.80, 0.81, 0.82 less 0.01
        ("initializers", "valid accuracy %: zeros"): 10.0,
        ("linear_regression", "final_loss: scratch"): 5e-5,
        ("linear_regression", "w_error: scratch"): 1e-4,
        ("linear_regression", "b_error: scratch"): 2e-4,
        ("stability", "forward_ratio: normal / relu"): 0.9,
        ("stability", "median update ratio: normal / fc1"): 1e-3,
    }
    for (study, quantity), value in expected.items():
        assert row(table, study, quantity)["current"] == pytest.approx(value), quantity
    assert len(table[table["study"] == "stability"]) == 3  # forward, backward, median update ratio


def test_groups_keep_the_runs_order_and_a_blank_or_text_cell_is_no_value():
    frame = pd.DataFrame({"model": ["mlp", "linear", "mlp", "linear"], "score": [1.0, "n/a", "", 4.0]})
    assert compare._values(frame, "model", "score", 10) == {"mlp": [10.0], "linear": [40.0]}
    assert list(compare._values(frame, "model", "score")) == ["mlp", "linear"]  # not sorted


def test_gradient_check_models_keep_the_runs_order(tmp_path):
    root = write_results(tmp_path / "r")
    pd.DataFrame([dict(model="mlp", term="data", parameter="w1", max_rel_error=2e-9),
                  dict(model="linear", term="data", parameter="w", max_rel_error=5e-9)]).to_csv(
        root / "gradient_check" / "summary.csv", index=False)
    quantities = list(compare.metrics(baseline=run(root), current=run(root))["quantity"])
    checks = [q for q in quantities if q.startswith("max relative error")]
    assert checks == ["max relative error: mlp", "max relative error: linear"]


@pytest.mark.parametrize("baseline, current", [(None, [1.0, 2.0]), ([1.0, 2.0], None), ([1.0], [2.0])])
def test_a_metric_row_has_exactly_the_tables_columns(baseline, current):
    assert list(compare.metric_row("s", "q", baseline, current)) == compare.METRICS_COLUMNS


def test_runs_without_tables_give_empty_tables_with_their_columns():
    empty = {"config": {}, "code": None, "tables": {}, "curves": {}}
    table = compare.metrics(baseline=empty, current=empty)
    assert table.empty and list(table.columns) == compare.METRICS_COLUMNS
    assert compare.text_table(compare.params_diff(baseline=empty, current=empty), table) == (
        "config keys that differ:\n  none\n\nheadline quantities (difference = current - baseline; spread = pooled "
        "std over seeds or folds; p = Welch's t):\n  none")


def test_the_text_table_has_no_index_and_six_significant_digits():
    params = pd.DataFrame([{"key": "lr", "baseline": "5.0", "current": "3.0"}], columns=compare.PARAMS_COLUMNS)
    small = [1.23456789e-4, 2e-4, 3e-4]  # pandas' default would print 0.000208 (6 decimals, not 6 digits)
    metrics = pd.DataFrame([compare.metric_row("s", "q", [0.1234567, 0.2, 0.3], [0.1234567, 0.2, 0.3]),
                            compare.metric_row("s", "r", small, small)])
    lines = compare.text_table(params, metrics).split("\n")
    assert lines[:3] == ["config keys that differ:", "key baseline current", " lr      5.0     3.0"]
    assert lines[3] == "" and lines[4].startswith("headline quantities (difference")
    assert lines[5].split() == compare.METRICS_COLUMNS
    assert lines[6].split()[:4] == ["s", "q", "0.207819", "0.207819"]  # no index column, 6 digits
    assert lines[7].split()[:4] == ["s", "r", "0.000207819", "0.000207819"]


def test_conclusion_counts_the_verdicts_and_names_what_moved():
    rows = pd.DataFrame({"quantity": ["a", "b", "c", "d"],
                         "verdict": ["within spread", "differs", "within spread", "cannot tell"]})
    assert compare.conclusion(rows) == ("Quantities per verdict: within spread 2, differs 1, cannot tell 1. "
                                        "Beyond the spread: b.")
    calm = rows.assign(verdict=["within spread", "within spread", "added", "removed"])
    assert compare.conclusion(calm) == ("Quantities per verdict: within spread 2, added 1, removed 1. "
                                        "No quantity moved beyond the spread.")
    assert compare.conclusion(rows.iloc[:0]) == "No quantity to compare. No quantity moved beyond the spread."
    first = pd.DataFrame({"quantity": list("abcde"), "verdict": ["differs"] * 2 + ["within spread"] * 3})
    assert compare.conclusion(first) == ("Quantities per verdict: differs 2, within spread 3. "  # the table's order
                                         "Beyond the spread: a, b.")
