"""The report pages' generated sentences and tables, on hand-made frames whose answers are known."""

import math

import pandas as pd
import pytest
from initlab import report


def test_feature_count_text_explains_331_and_flags_a_mismatch():
    names = ["LotArea", "MasVnrType_None", "MasVnrType_nan"]
    text = report.feature_count_text(features=331, numeric=36, names=names)
    assert text.startswith("**331 features**: 36 standardized numeric columns and 295 one-hot")
    assert "matches the 331 d2l printed" in text and "would be 330" in text
    text = report.feature_count_text(features=330, numeric=36, names=["MasVnrType_nan"])
    assert "difference of -1" in text and "no longer matches" in text


def test_beside_reference_aligns_keys_and_subtracts():
    frame = report.beside_reference({1: 0.05, 2: 0.0002}, {1: 0.04279, 2: 0.000162, 3: 0.000051})
    assert list(frame.index) == [1, 2, 3]
    assert frame.loc[1, "difference"] == pytest.approx(0.05 - 0.04279)
    assert math.isnan(frame.loc[3, "ours"]) and math.isnan(frame.loc[3, "difference"])


def test_sci_switches_to_exponents_outside_readable_magnitudes():
    assert report.sci(3.4e25) == "3.4e+25" and report.sci(2.07e-10) == "2.1e-10"
    assert report.sci(0.1703) == "0.17" and report.sci(0) == "0" and report.sci(float("nan")) == "n/a"


def test_rough_writes_magnitudes_as_the_notes_do():
    assert [report.rough(v) for v in (4.07e17, 2e-10, 1e25, 1e-7, 1e-3)] == ["4e17", "2e-10", "1e25", "1e-7", "1e-3"]


def test_initializer_conclusion_groups_by_outcome_and_states_the_gap():
    table = pd.DataFrame({"valid_mean": [10.2, 33.0, 85.0, 86.0], "reference_valid": [9.675, 33.933, 84.833, None]},
                         index=pd.Index(["zeros", "uniform", "general_rule", "xavier_uniform"], name="initializer"))
    text = report.initializer_conclusion(table)
    assert "zeros (10.2%) stay at chance" in text
    assert "general_rule (85.0%), xavier_uniform (86.0%) reach at least 84%" in text
    assert "uniform (33.0%) land in between" in text
    assert "differ by -0.9 to +0.5 percentage points (largest: uniform)" in text


def test_depth_conclusion_lists_pairs_per_outcome_and_the_spread_in_decades():
    summary = pd.DataFrame({
        "initializer": ["kaiming_normal", "standard_normal", "mxnet_default"],
        "activation": ["relu", "relu", "tanh"], "depth": [50, 50, 50],
        "forward_ratio": [1.3, 1e20, 1e-10], "forward": ["flat", "exploding", "vanishing"]})
    text = report.depth_conclusion(summary)
    assert text.startswith("After 50 layers the forward signal is **flat** (1): kaiming_normal+relu;")
    assert "**exploding** (1): standard_normal+relu" in text and "**vanishing** (1): mxnet_default+tanh" in text
    assert "from 1.0e-10 to 1.0e+20: 30 decades" in text


def test_flat_config_gives_one_row_per_leaf_with_dotted_keys():
    rows = report.flat_config({"device": "auto", "initializers": {"seeds": [0, 1], "mlp": {"hidden": [64]}},
                               "empty": {}})
    assert rows == [("device", '"auto"'), ("initializers.seeds", "[0, 1]"), ("initializers.mlp.hidden", "[64]"),
                    ("empty", "{}")]
