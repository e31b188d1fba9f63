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


def preprocess(train, test):
    """Return a dict of arrays: train_features (n, d) float32, train_labels (n, 1) float32,
    test_features (m, d) float32, test_ids (m,) int64, feature_names (d,) str."""
    validate(train, test)
    features = pd.concat([train.drop(columns=[ID, TARGET]), test.drop(columns=[ID])], ignore_index=True)
    numeric = features.select_dtypes(include="number").columns
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
