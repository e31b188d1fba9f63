"""Kaggle house prices: validation and the d2l preprocessing.

Semantics follow d2l: train features (minus Id, SalePrice) and test features
(minus Id) are concatenated; numeric columns are standardized with the mean and std of
that concatenation and their missing values then set to 0; categorical columns are
one-hot encoded with an explicit missing-value indicator.

Two pandas 3 changes matter here:
- string columns have the `str` dtype instead of `object`, so d2l's `dtypes != 'object'`
  would call every column numeric; numeric columns are selected by dtype kind instead;
- since pandas 2, read_csv treats the text "None" as missing. In MasVnrType "None" is a real
  category (no masonry veneer), so reading with today's defaults merges it into the NaN
  indicator and gives one feature fewer than d2l printed. We read with the NA strings d2l's
  pandas used, which restores its feature count (initlab.published.D2L_HOUSE_FEATURES).
"""

import numpy as np
import pandas as pd

ID, TARGET = "Id", "SalePrice"
LIVING_AREA = "GrLivArea"  # above-ground living area, square feet
# What to do with the houses above `max_living_area` (De Cock 2011): keep them (d2l), drop them from
# the rows any model trains on (every row is still scored), or drop them from the data set.
LARGE_HOUSES = ("keep", "drop_from_training", "drop_from_data")
# read_csv's missing-value strings before pandas 2 (documented defaults, "None" not among them)
NA_STRINGS = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
              "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null"]


class HouseDataError(ValueError):
    """A house prices CSV does not have the expected shape or values."""


def read_csv(path):
    """Read one house prices CSV, failing with the file's name when it is empty, HTML or unparsable."""
    with open(path, "rb") as f:
        head = f.read(512).lstrip()
    if head.lower().startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        # a server's error page saved under the CSV's name; pandas would parse it as a 1-column table
        raise HouseDataError(f"{path}: is an HTML/XML page (a server's error page?), not a CSV: {head[:60]!r}")
    try:
        frame = pd.read_csv(path, keep_default_na=False, na_values=NA_STRINGS)
    except pd.errors.EmptyDataError:
        raise HouseDataError(f"{path}: the file is empty; expected a CSV with a header row") from None
    except pd.errors.ParserError as error:
        raise HouseDataError(f"{path}: not a parsable CSV ({error})") from None
    if frame.empty:
        raise HouseDataError(f"{path}: has a header but no rows")
    return frame


def _show(value):
    return repr(value) if isinstance(value, str) else str(value)  # 'text' quoted; nan, inf plain


def validate(train, test, *, train_name="train", test_name="test"):
    """Check the pair of frames; raise HouseDataError naming the file and the problem."""
    for frame, name, required in ((train, train_name, (ID, TARGET)), (test, test_name, (ID,))):
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise HouseDataError(f"{name}: missing column(s) {missing}; found {list(frame.columns)[:5]}...")
        duplicated = frame[ID][frame[ID].duplicated()].unique()
        if len(duplicated):
            raise HouseDataError(f"{name}: duplicate Id values {duplicated[:5].tolist()}")
    expected = [c for c in train.columns if c != TARGET]
    if list(test.columns) != expected:
        only_train = sorted(set(expected) - set(test.columns))
        only_test = sorted(set(test.columns) - set(expected))
        raise HouseDataError(
            f"{test_name}: columns differ from {train_name} (minus {TARGET}): "
            f"missing {only_train}, unexpected {only_test}"
        )
    price = pd.to_numeric(train[TARGET], errors="coerce")
    # NaN compares False: catches text and missing values; inf ("1e400" in the file) is not a price either
    bad = train.loc[~((price > 0) & np.isfinite(price)), [ID, TARGET]]
    if len(bad):
        raise HouseDataError(
            f"{train_name}: {TARGET} must be a positive number; {len(bad)} row(s) are not, "
            f"e.g. Id {bad[ID].iloc[0]} has {_show(bad[TARGET].iloc[0])}"
        )
    for frame, name in ((train, train_name), (test, test_name)):
        numeric = frame.drop(columns=[TARGET], errors="ignore").select_dtypes(include="number")
        infinite = np.isinf(numeric.to_numpy(dtype=np.float64))  # standardizing would turn them into NaN/-inf
        if infinite.any():
            row, col = (int(i[0]) for i in infinite.nonzero())
            raise HouseDataError(
                f"{name}: column {numeric.columns[col]} holds an infinite value at Id {frame[ID].iloc[row]} "
                f"({infinite.sum()} in all); expected finite numbers"
            )
    overlap = set(train[ID]) & set(test[ID])
    if overlap:
        raise HouseDataError(f"{test_name}: Ids also present in {train_name}: {sorted(overlap)[:5]}")


def skewed_columns(numeric, threshold):
    """Names of the columns of `numeric` whose sample skewness (pandas, NaN skipped) exceeds `threshold`
    in absolute value and whose values are all >= 0, so that log1p is defined. Uses no labels."""
    skew = numeric.skew()
    return [name for name in numeric.columns if abs(skew[name]) > threshold and numeric[name].min() >= 0]


def _features(train, test):
    """The train and test features, one frame (Id and SalePrice dropped): what d2l standardizes."""
    return pd.concat([train.drop(columns=[ID, TARGET]), test.drop(columns=[ID])], ignore_index=True)


def preprocess(train, test, *, skew_threshold=None):
    """Return a dict of arrays: train_features (n, d) float32, train_labels (n, 1) float32,
    test_features (m, d) float32, test_ids (m,) int64, feature_names (d,) str.

    skew_threshold: None (d2l) or a number: numeric columns with |skewness| above it (computed on
    train + test features, like the standardization) are replaced by log1p of their values first.
    """
    validate(train, test)
    features = _features(train, test)
    numeric = features.select_dtypes(include="number").columns
    if skew_threshold is not None:
        skewed = skewed_columns(features[numeric], skew_threshold)
        features[skewed] = np.log1p(features[skewed])
    features[numeric] = ((features[numeric] - features[numeric].mean()) / features[numeric].std()).fillna(0)
    encoded = pd.get_dummies(features, dummy_na=True)
    values = encoded.to_numpy(dtype=np.float32)
    n = len(train)
    return {
        "train_features": values[:n],
        "train_labels": train[TARGET].to_numpy(dtype=np.float32).reshape(-1, 1),
        "test_features": values[n:],
        "test_ids": test[ID].to_numpy(dtype=np.int64),
        "feature_names": np.array(encoded.columns, dtype=str),
    }


def large_houses(train, max_living_area):
    """Boolean mask (n,) of the training houses with more than `max_living_area` square feet of living area."""
    return (train[LIVING_AREA] > max_living_area).to_numpy()


def prepare_search(train, test, *, skew_threshold=None, large_houses_rule="keep", max_living_area=4000):
    """The random search's arrays: preprocess's, after the large-house rule, plus train_trainable (n,) bool.

    large_houses_rule (LARGE_HOUSES): `keep` (d2l); `drop_from_training`: every row stays (and is scored)
    but train_trainable is False for the large houses, which no model may train on; `drop_from_data`:
    the large houses leave the training set before anything is computed (scores cover the others only).
    Returns (arrays, info) with info = {"log1p_columns", "large_houses" (their Ids), "rule"}.
    """
    if large_houses_rule not in LARGE_HOUSES:
        raise ValueError(f"large_houses {large_houses_rule!r}: expected one of {', '.join(LARGE_HOUSES)}")
    validate(train, test)
    large = large_houses(train, max_living_area)
    large_ids = [int(i) for i in train[ID].to_numpy()[large]]
    if large_houses_rule == "drop_from_data":
        train, large = train[~large].reset_index(drop=True), np.zeros((~large).sum(), dtype=bool)
    arrays = preprocess(train, test, skew_threshold=skew_threshold)
    arrays["train_trainable"] = ~large if large_houses_rule == "drop_from_training" else np.ones(len(train), bool)
    skewed = []
    if skew_threshold is not None:  # the columns preprocess log1p'd, for the record
        skewed = skewed_columns(_features(train, test).select_dtypes(include="number"), skew_threshold)
    info = {"rule": large_houses_rule, "max_living_area": max_living_area, "large_houses": large_ids,
            "log1p_columns": skewed}
    return arrays, info
