import copy
import math

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
