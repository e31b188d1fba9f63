"""The stability page's sentences and matrices, each made from the table it sits beside (pandas and numpy only).

`depth` is the depth study's summary.csv (summary.depth_summary): one row per (initializer, activation) with
forward / backward verdicts ('flat', 'exploding', 'vanishing', 'non-finite'), their ratios and the last hidden
layer's saturated fraction.
"""

import math
import re

import numpy as np

from initlab.report import rough, sci
from initlab.studies.stability.summary import FLAT_FACTOR

# A pair is "saturated" when more of its last hidden layer's entries sit where the activation's slope is ~0
# than SATURATED of those a symmetric zero-mean input leaves unsaturated. ReLU zeroes half of any such input
# at every scale (Kaiming's gain of 2 makes up for exactly that half), so half its entries at zero is its
# healthy state and its bar is 75%; the sigmoid family saturates nothing near 0, so its bar is 50%.
SATURATED = 0.5
SCALE_FREE_SHARE = {"relu": 0.5}


def saturation_bar(activation):
    """The saturated share above which a layer of `activation` counts as saturated."""
    base = SCALE_FREE_SHARE.get(activation, 0.0)
    return base + SATURATED * (1 - base)


def _bar_text(activations):
    """'50%', or '50% (75% for relu, which zeroes half of any symmetric input)' when relu is among them."""
    special = [f"{saturation_bar(a):.0%} for {a}, which zeroes half of any symmetric input"
               for a in dict.fromkeys(activations) if a in SCALE_FREE_SHARE]
    return f"{SATURATED:.0%}" + (f" ({'; '.join(special)})" if special else "")


def _problems(row):
    found = [f"forward {row.forward}" if row.forward != "flat" else "",
             f"gradient {row.backward}" if row.backward != "flat" else "",
             f"{row.last_saturated_fraction:.0%} saturated"
             if row.last_saturated_fraction > saturation_bar(row.activation) else ""]
    return [p for p in found if p]


def depth_matrix(depth):
    """initializer x activation: 'flat' when the forward signal and the gradient both stay within FLAT_FACTOR
    and the last layer is not saturated (saturation_bar), else what goes wrong ('gradient vanishing, 87% saturated')."""
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
            f"gradient within a factor {FLAT_FACTOR:g} of the first layer's, with at most "
            f"{_bar_text(depth['activation'])} of the "
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


SAME_SCALE = 1.1  # weight (and bias) variances within this factor count as the same scale


def _scale_groups(depth):
    """Initializers grouped by the variance of their square hidden layer's weights and biases (SAME_SCALE)."""
    scale = depth.groupby("initializer", sort=False)[["hidden_weight_variance", "hidden_bias_variance"]].median()
    scale = scale.dropna().sort_values(["hidden_weight_variance", "hidden_bias_variance"])

    def same(a, b):
        return all(max(x, y) <= min(x, y) * SAME_SCALE for x, y in zip(scale.loc[a], scale.loc[b]))

    groups = []
    for name in scale.index:
        match = next((g for g in groups if same(g[0], name)), None)
        if match:
            match.append(name)
        else:
            groups.append([name])
    return scale, [g for g in groups if len(g) > 1]


def coinciding_lines(depth, *, width):
    """Which initializers' lines lie on top of each other in the depth figures, and why: groups whose square
    hidden layers drew weights and biases of the same variance (SAME_SCALE), each said to coincide when its
    forward and backward ratios agree within FLAT_FACTOR (the verdicts' margin) for every activation, else to
    part. '' when no two initializers share a scale."""
    scale, groups = _scale_groups(depth)
    ratios = depth.set_index(["initializer", "activation"])[["forward_ratio", "backward_ratio"]]
    parts, parted = [], []
    for names in groups:
        panels = [ratios.loc[names].xs(a, level="activation") for a in depth["activation"].unique()]
        same = all(np.all(np.log10(r.max() / r.min()) <= math.log10(FLAT_FACTOR)) for r in panels)
        weights, biases = scale.loc[names].median()
        parts.append(f"{', '.join(names)} ({'coincide' if same else 'part'}: weight variance {sci(weights)} = "
                     f"{weights * width:.2g}/{width}, "
                     + (f"bias variance {sci(biases)})" if biases else "zero biases)"))
        parted += [] if same else [", ".join(names)]
    if not parts:
        return ""
    text = ("Initializers whose square hidden layers draw weights and biases of the same variance: " + "; ".join(parts)
            + f" (coinciding: within a factor {FLAT_FACTOR:g} of each other at the last layer, forward and backward, "
            "for every activation). The signal's variance scales by those variances at every layer")
    return text + (", so the same variances trace the same curves whatever the distribution." if not parted else
                   f"; {'; '.join(parted)} part although their variances match, so there the distribution's shape "
                   "matters too.")


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


WANDER_DECADES = 5  # one run's product magnitude after 100 steps strays this far from the typical growth


def matrix_product_why(demos, value, published_range):
    """Why our largest entry lies outside d2l's range, when the numbers say: ours and d2l's both lie within
    WANDER_DECADES of the typical growth exp(rate x steps) (the demos' theory row), so the two runs differ
    by their draws alone; else 'unexplained'."""
    theory = next((q for q in demos.index if q.startswith("theory exp(rate")), None)
    if theory is None:
        return "unexplained"
    typical, middle = demos[theory], math.sqrt(published_range[0] * published_range[1])
    ours, theirs = math.log10(value / typical), math.log10(middle / typical)
    if max(abs(ours), abs(theirs)) > WANDER_DECADES:
        return "unexplained"
    rate = re.search(r"rate ([\d.]+)", theory)
    return (f"ours lies {abs(ours):.1f} decades {'below' if ours < 0 else 'above'} and d2l's {abs(theirs):.1f} decades "
            f"{'below' if theirs < 0 else 'above'} the typical growth {theory.split(',')[0].replace('theory ', '')}"
            + (f" = {sci(typical)} (rate {rate.group(1)})" if rate else f" = {sci(typical)}")
            + ": one run's draws wander a few decades around it; the tests check the growth rate against theory "
            "instead (docs/stability.md)")


# The notes' expectation for the depth pairs the overview shows, and the one disagreement we can explain.
DEPTH_EXPECTED = {("kaiming_normal", "relu"): "flat", ("standard_normal", "relu"): "exploding",
                  ("xavier_uniform", "tanh"): "flat"}
XAVIER_TANH_WHY = ("tanh is linear only near 0: the mean-field recursion q(l+1) = q(l) - 2 q(l)^2 shrinks the "
                   "variance like 1/(2l), a slow decay the notes' linear argument leaves out (docs/stability.md)")


def overview_rows(demos, depth, *, matrix_key, published_range, powers):
    """Overview rows: the matrix product against d2l's range, the powers against the notes' rough values, and
    the depth pairs of DEPTH_EXPECTED against the notes' expectation (forward and backward both)."""
    rows = []
    if matrix_key:
        low, high = published_range
        value = demos[matrix_key]
        inside = low <= value <= high
        rows.append(("product of 100 random 4x4 matrices: largest entry", sci(value), f"{rough(low)} - {rough(high)}",
                     "yes" if inside else "no", "" if inside else matrix_product_why(demos, value, published_range)))
    for quantity, value in powers.items():
        if quantity in demos.index:
            same = rough(demos[quantity]) == rough(value)
            rows.append((quantity, sci(demos[quantity], 3), rough(value), "yes" if same else "no",
                         "" if same else "unexplained"))
    for (init, act), expected in DEPTH_EXPECTED.items():
        pair = depth[(depth["initializer"] == init) & (depth["activation"] == act)]
        if pair.empty:
            continue
        row = pair.iloc[0]
        ours = f"forward {sci(row.forward_ratio)} ({row.forward}), backward {sci(row.backward_ratio)} ({row.backward})"
        agrees = row.forward == expected and row.backward == expected
        why = ""
        if not agrees:
            slow = (init, act) == ("xavier_uniform", "tanh") and row.forward == "vanishing" and row.forward_ratio > 1e-3
            why = XAVIER_TANH_WHY if slow else "unexplained"
        rows.append((f"{init} + {act}: variance, last / first layer", ours, expected, "yes" if agrees else "no", why))
    return rows
