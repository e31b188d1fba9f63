"""Helpers for the report notebooks: tables beside published numbers and sentences made from numbers.

Pure functions (frames and strings in, frames and strings out) so the notebooks stay short and the
wording is tested. Only `style_figures` touches global state (matplotlib's rcParams).
"""

import math

import pandas as pd

D2L_FEATURES = 331  # d2l's printed feature count for the house prices data


def style_figures():
    """Matplotlib defaults for figures drawn inside the notebooks: readable at page width."""
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 110, "font.size": 10, "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False})


def feature_count_text(*, features, numeric, names):
    """Markdown explaining the feature count against d2l's 331 (and pandas 2+'s 330)."""
    indicators = features - numeric
    text = (f"**{features} features**: {numeric} standardized numeric columns and {indicators} one-hot "
            "indicator columns (one per category, plus one per column for a missing value). ")
    if features == D2L_FEATURES and "MasVnrType_None" in names:
        return text + (
            "This matches the 331 d2l printed. With pandas 2 or later defaults it would be 330: `read_csv` "
            "now reads the text `None` as missing, and in `MasVnrType` *None* is a real category (no masonry "
            "veneer), so `MasVnrType_None` would merge into the missing-value indicator. We read with the "
            "missing-value strings of the pandas d2l used, so the matrix equals the seed's value for value.")
    return text + (f"d2l printed {D2L_FEATURES}; the difference of {features - D2L_FEATURES:+d} means the "
                   "preprocessing no longer matches the seed's (see the README's data section).")


def beside_reference(ours, reference, *, ours_name="ours", reference_name="published"):
    """A frame with our values and the published ones side by side, and their difference.

    `ours` and `reference` map the same kind of key (an initializer, an epoch) to numbers; keys
    present in only one of them keep a blank in the other column.
    """
    frame = pd.DataFrame({ours_name: pd.Series(ours, dtype=float),
                          reference_name: pd.Series(reference, dtype=float)})
    frame["difference"] = frame[ours_name] - frame[reference_name]
    return frame


def mean_std(frame, by, column):
    """Mean, std and count of `column` per group of `by`, over the rows where it is finite."""
    finite = frame[pd.to_numeric(frame[column], errors="coerce").map(math.isfinite)]
    return finite.groupby(by, sort=False)[column].agg(["mean", "std", "count"])


def within(value, reference, tolerance):
    """'within' or 'outside' the +-tolerance band around the reference: words for a conclusion."""
    return "within" if abs(value - reference) <= tolerance else "outside"
