"""The stability page's sentences and matrices, each made from the table it sits beside (pandas and numpy only).

`depth` is the depth study's summary.csv (summary.depth_summary): one row per (initializer, activation) with
forward / backward verdicts ('flat', 'exploding', 'vanishing', 'non-finite'), their ratios and the last hidden
layer's saturated fraction.
"""

import math

import numpy as np

from initlab.report import rough, sci
from initlab.studies.stability.summary import FLAT_FACTOR

SATURATED = 0.5  # a pair whose last hidden layer has more than this fraction of saturated entries is "saturated"


def _problems(row):
    found = [f"forward {row.forward}" if row.forward != "flat" else "",
             f"gradient {row.backward}" if row.backward != "flat" else "",
             f"{row.last_saturated_fraction:.0%} saturated" if row.last_saturated_fraction > SATURATED else ""]
    return [p for p in found if p]


def depth_matrix(depth):
    """initializer x activation: 'flat' when the forward signal and the gradient both stay within FLAT_FACTOR
    and at most SATURATED of the last layer saturates, else what goes wrong ('gradient vanishing, 87% saturated')."""
    cells = depth.assign(cell=[", ".join(_problems(r)) or "flat" for r in depth.itertuples()])
    return cells.pivot(index="initializer", columns="activation", values="cell").reindex(
        index=list(dict.fromkeys(depth["initializer"])), columns=list(dict.fromkeys(depth["activation"]))).fillna("")


def depth_conclusion(depth):
    """Sentences: which pairs keep both passes flat (and unsaturated), then each kind of failure with its pairs,
    then the span of the forward and backward ratios in decades."""
    layers = int(depth["depth"].max())
    kinds = {}
    for row in depth.itertuples():
        kinds.setdefault(", ".join(_problems(row)) or "flat", []).append(f"{row.initializer}+{row.activation}")
    healthy = kinds.pop("flat", [])
    text = (f"After {layers} layers, {len(healthy)} of {len(depth)} pairs keep both the forward signal and the "
            f"gradient within a factor {FLAT_FACTOR:g} of the first layer's, with at most {SATURATED:.0%} of the "
            "last layer saturated" + (f": {', '.join(healthy)}." if healthy else "."))
    if kinds:
        text += " The others: " + "; ".join(f"**{kind}** ({', '.join(pairs)})" for kind, pairs in kinds.items()) + "."
    for column, name in (("forward_ratio", "activation"), ("backward_ratio", "gradient")):
        values = depth[column]
        finite = values[np.isfinite(values) & (values > 0)]
        if len(finite) > 1:
            text += (f" The {name} variance ratios span {sci(finite.min())} to {sci(finite.max())} "
                     f"({math.log10(finite.max() / finite.min()):.0f} decades).")
    return text


def matrix_product_sentence(value, published_range, *, count):
    """The largest entry of the product of `count` random matrices beside d2l's printed range: inside, or
    outside by how many decades (one run's draws wander a few decades: docs/stability.md)."""
    low, high = published_range
    if low <= value <= high:
        where = "inside that range"
    else:
        decades = math.log10(low / value) if value < low else math.log10(value / high)
        where = f"{decades:.1f} decades {'below' if value < low else 'above'} that range"
    return (f"The product of {count} random 4x4 N(0, 1) matrices reaches a largest entry of **{sci(value)}**, "
            f"{where} (d2l's run: entries around {rough(low)} to {rough(high)}). One run's magnitude depends on "
            "its draws: it wanders a few decades around the typical growth, which the tests check against theory.")


def update_ratio_sentence(medians, target):
    """Each run's median update/weight ratio, called near `target` (within a factor 10) or above/below it."""
    def word(value):
        if target / 10 <= value <= target * 10:
            return "near"
        return "above" if value > target else "below"
    return "Median update/weight ratio per run: " + ", ".join(
        f"{name} {sci(value)} ({word(value)} {rough(target)})" for name, value in medians.items()) + "."
