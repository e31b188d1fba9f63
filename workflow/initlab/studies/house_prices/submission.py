"""Kaggle house prices submission: choose a candidate, build the file, validate it, hand it to the CLI.

Kaggle expects a CSV with the header `Id,SalePrice` and one row per test house (Ids 1461..2919),
every price finite and positive (the score is the RMSE of log prices).
"""

import csv
import math
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd

HEADER = ["Id", "SalePrice"]
TEST_IDS = range(1461, 2920)  # the 1459 houses of Kaggle's test.csv
COMPETITION = "house-prices-advanced-regression-techniques"


class SubmissionError(ValueError):
    """A submission file (or the request to submit it) is not what Kaggle accepts."""


def build(ids, prices):
    """A DataFrame Id (int), SalePrice (float) in the order of `ids`."""
    return pd.DataFrame({"Id": [int(i) for i in ids], "SalePrice": [float(p) for p in prices]})


def validate(path, expected_ids=TEST_IDS):
    """Check the CSV at `path`; raise SubmissionError naming the file, row and problem. Return row count."""
    expected = set(expected_ids)
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise SubmissionError(f"{path}: empty file; expected the header {','.join(HEADER)}")
    if rows[0] != HEADER:
        raise SubmissionError(f"{path}: header is {','.join(rows[0])!r}; expected exactly {','.join(HEADER)!r}")
    body = rows[1:]
    if len(body) != len(expected):
        raise SubmissionError(f"{path}: {len(body)} data rows; expected {len(expected)} (one per test house)")
    seen = set()
    for line, row in enumerate(body, start=2):
        if len(row) != 2:
            raise SubmissionError(f"{path}, line {line}: {len(row)} fields {row}; expected Id,SalePrice")
        try:
            house, price = int(row[0]), float(row[1])
        except ValueError:
            raise SubmissionError(f"{path}, line {line}: {row} is not an integer Id and a number") from None
        if house not in expected:
            raise SubmissionError(f"{path}, line {line}: Id {house} is not a test Id "
                                  f"({min(expected)}..{max(expected)})")
        if house in seen:
            raise SubmissionError(f"{path}, line {line}: Id {house} appears more than once")
        seen.add(house)
        if not (math.isfinite(price) and price > 0):
            raise SubmissionError(f"{path}, line {line}: SalePrice {row[1]!r} for Id {house}; "
                                  "expected a finite positive number")
    return len(body)


RULES = {  # the named rules of `house_prices.submission`, as the submission record and page name them
    "best": "one standard error",
    "lowest": "lowest mean",
}


def simplicity(row):
    """Sort key, simplest first: fewer hidden units (a linear model has none), then PyTorch's default
    initialization before a chosen one, then the lower mean validation log-RMSE."""
    return (row["hidden_units"], row["initializer"] != "default", row["valid_mean"])


def choose(means, choice):
    """The row of `means` (per model x initializer: valid_mean, valid_std, folds, hidden_units, diverged,
    final_diverged) to submit. A diverged candidate is never returned.

    `choice` is "best", the one-standard-error rule: the simplest candidate (`simplicity`) whose mean
    is within one standard error (valid_std / sqrt(folds)) of the lowest mean, so that candidates the
    folds cannot tell apart do not flip the choice on noise; "lowest", the lowest mean; or
    {"model": ..., "initializer": ...}.
    """
    usable = means[~means["diverged"] & ~means["final_diverged"] & means["valid_mean"].notna()]
    if isinstance(choice, str):
        if choice not in RULES:
            raise SubmissionError(f"submission: {choice!r}: expected one of {', '.join(RULES)} or a "
                                  "{model, initializer} pair")
        if usable.empty:
            raise SubmissionError(f"submission: {choice}: every candidate diverged; nothing to submit")
        lowest = usable.loc[usable["valid_mean"].idxmin()]
        if choice == "lowest":
            return lowest
        error = lowest["valid_std"] / math.sqrt(lowest["folds"]) if lowest["folds"] > 1 else 0.0
        close = usable[usable["valid_mean"] <= lowest["valid_mean"] + error]
        return min((row for _, row in close.iterrows()), key=simplicity)
    picked = means[(means["model"] == choice["model"]) & (means["initializer"] == choice["initializer"])]
    if picked.empty:
        raise SubmissionError(f"submission: {choice} is not among the trained candidates")
    row = picked.iloc[0]
    if bool(row["diverged"]) or bool(row["final_diverged"]):
        raise SubmissionError(f"submission: {choice['model']} {choice['initializer']} diverged; "
                              "choose another candidate, `best` or `lowest`")
    return row


def search_candidate(fit, *, folds, hidden_units):
    """The random search's best configuration as a row of the candidates table that `choose` reads.

    `fit` is the search's final-fit record (trial, cv_valid_log_rmse, cv_valid_std, train_log_rmse,
    diverged); `folds` its cross-validation folds, `hidden_units` its model's. The row's model is
    "search" and its initializer the trial id, so the pair stays a key.
    """
    return {"model": "search", "initializer": fit["trial"], "valid_mean": fit["cv_valid_log_rmse"],
            "valid_std": fit["cv_valid_std"], "folds": folds, "hidden_units": hidden_units, "diverged": False,
            "final_diverged": bool(fit["diverged"]), "final_train_log_rmse": fit["train_log_rmse"]}


def message(model, initializer, score):
    """The submission message: model, initializer and the CV score."""
    return f"{model} {initializer} CV {score:.4f}"


def check_kaggle_ready(environ=None, home=None):
    """Path of the `kaggle` CLI; raise SubmissionError when it or its credentials are missing."""
    environ = os.environ if environ is None else environ
    exe = shutil.which("kaggle", path=environ.get("PATH"))
    if exe is None:
        raise SubmissionError("submit_kaggle: the `kaggle` command is not on PATH; "
                              "install it with `pip install kaggle`")
    config_dir = Path(environ.get("KAGGLE_CONFIG_DIR") or Path(home or Path.home()) / ".kaggle")
    token = config_dir / "kaggle.json"
    if not (environ.get("KAGGLE_USERNAME") and environ.get("KAGGLE_KEY")) and not token.is_file():
        raise SubmissionError(f"submit_kaggle: no Kaggle credentials: put your API token in {token} "
                              "or set KAGGLE_USERNAME and KAGGLE_KEY")
    return exe


def submit(path, text, *, environ=None, home=None):
    """Validate `path`, then run `kaggle competitions submit`; return the CLI's output."""
    validate(path)
    exe = check_kaggle_ready(environ, home)
    cmd = [exe, "competitions", "submit", "-c", COMPETITION, "-f", str(path), "-m", text]
    done = subprocess.run(cmd, capture_output=True, text=True, env=environ)
    if done.returncode != 0:
        raise SubmissionError(f"submit_kaggle: `{' '.join(cmd)}` failed ({done.returncode}): "
                              f"{(done.stderr or done.stdout).strip()}")
    return done.stdout
