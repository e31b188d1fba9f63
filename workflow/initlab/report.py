"""Helpers for the report notebooks: tables beside published numbers and sentences made from numbers.

Pure functions (frames and strings in, frames and strings out) so the notebooks stay short and the
wording is tested. Only `setup_page` touches global state (matplotlib's rcParams, pandas' display options).
"""

import json
import math

import numpy as np
import pandas as pd

from initlab.published import D2L_HOUSE_FEATURES


def setup_page():
    """Display defaults for a notebook page: figures readable at page width, table cells not truncated."""
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 110, "font.size": 10, "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False})
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", None)
    pd.set_option("display.precision", 4)


def feature_count_text(*, features, numeric, names):
    """Markdown explaining the feature count against the one d2l printed (one more than pandas 2+ defaults give)."""
    indicators = features - numeric
    text = (f"**{features} features**: {numeric} standardized numeric columns and {indicators} one-hot "
            "indicator columns (one per category, plus one per column for a missing value). ")
    if features == D2L_HOUSE_FEATURES and "MasVnrType_None" in names:
        return text + (
            f"This matches the {features} d2l printed. With pandas 2 or later defaults it would be {features - 1}: "
            "`read_csv` now reads the text `None` as missing, and in `MasVnrType` *None* is a real category (no "
            "masonry veneer), so `MasVnrType_None` would merge into the missing-value indicator. We read with the "
            "missing-value strings of the pandas d2l used, so the matrix equals d2l's value for value.")
    return text + (f"d2l printed {D2L_HOUSE_FEATURES}; the difference of {features - D2L_HOUSE_FEATURES:+d} means "
                   "the preprocessing no longer matches d2l's (see the README's data section).")


def beside_reference(ours, reference, *, ours_name="ours", reference_name="published"):
    """A frame with our values and the published ones side by side, and their difference.

    `ours` and `reference` map the same kind of key (an initializer, an epoch) to numbers; keys
    present in only one of them keep a blank in the other column.
    """
    frame = pd.DataFrame({ours_name: pd.Series(ours, dtype=float),
                          reference_name: pd.Series(reference, dtype=float)})
    frame["difference"] = frame[ours_name] - frame[reference_name]
    return frame


def within(value, reference, tolerance):
    """'within' or 'outside' the +-tolerance band around the reference: words for a conclusion."""
    return "within" if abs(value - reference) <= tolerance else "outside"


def sci(value, digits=2):
    """A number in scientific notation as text ('3.5e-07'); 'n/a' for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}" if 1e-3 <= abs(value) < 1e4 or value == 0 else f"{value:.{digits - 1}e}"


def rough(value):
    """A rough magnitude as the course notes write it: one significant digit, '4e17', '1e-7'."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def initializer_conclusion(table, *, chance=11.0, good=84.0):
    """Sentences on the initializer table (index: initializer; valid_mean, valid_std in %, reference_valid).

    Groups initializers by outcome: at chance (mean <= `chance`), trained well (mean >= `good`) and in
    between, then compares each with a published number with that number.
    """
    means = table["valid_mean"].dropna()
    groups = [("stay at chance", means[means <= chance]), ("reach at least {good:g}%", means[means >= good]),
              ("land in between", means[(means > chance) & (means < good)])]
    parts = [f"{', '.join(f'{name} ({value:.1f}%)' for name, value in members.items())} {verb.format(good=good)}"
             for verb, members in groups if len(members)]
    text = "Validation accuracy after training: " + "; ".join(parts) + "."
    published = table.dropna(subset=["reference_valid", "valid_mean"])
    if len(published):
        gaps = published["valid_mean"] - published["reference_valid"]
        text += (f" Against the published run, our means differ by {gaps.min():+.1f} to {gaps.max():+.1f} "
                 f"percentage points (largest: {gaps.abs().idxmax()}).")
    return text


def depth_conclusion(summary):
    """Sentences on the depth study: which (initializer, activation) pairs keep the forward signal flat.

    `summary` has columns initializer, activation, depth, forward_ratio and forward ('flat', 'exploding',
    'vanishing' or 'non-finite'), one row per pair.
    """
    depth = int(summary["depth"].max())
    parts = []
    for outcome in ("flat", "exploding", "vanishing", "non-finite"):
        rows = summary[summary["forward"] == outcome]
        if len(rows):
            pairs = ", ".join(f"{r.initializer}+{r.activation}" for r in rows.itertuples())
            parts.append(f"**{outcome}** ({len(rows)}): {pairs}")
    finite = summary[np.isfinite(summary["forward_ratio"]) & (summary["forward_ratio"] > 0)]
    spread = ""
    if len(finite):
        low, high = finite["forward_ratio"].min(), finite["forward_ratio"].max()
        spread = (f" The ratio of last-layer to first-layer activation variance ranges from {sci(low)} to "
                  f"{sci(high)}: {math.log10(high / low):.0f} decades from the initial weights alone.")
    return f"After {depth} layers the forward signal is " + "; ".join(parts) + "." + spread


def flat_config(config, prefix=""):
    """A nested config as rows (dotted key, value): lists and scalars as compact JSON, one row per leaf."""
    rows = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += flat_config(value, prefix=f"{name}.")
        else:
            rows.append((name, json.dumps(value)))
    return rows
