"""The verdict rules (initlab.tables.differs, within_spread) for any repeated runs (hypothesis).

differs: swapping the two groups negates the difference and keeps the verdict and the p-value, paired or not,
from values or from Spread summaries (a rule judged in one direction only, say a drop never flagged, fails).
within_spread: mirroring the value and the group (v -> -v) keeps the verdict, and so does reflecting the value
about the group's mean; a value ten prediction half-widths away on either side is outside.
"""

import math

from hypothesis import assume, given
from hypothesis import strategies as st
from initlab import tables
from initlab.tdist import two_sided_p

VALUE = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
RUN = st.one_of(VALUE, st.just(math.nan))  # NaN: a diverged run, left out of the statistics
GROUP = st.lists(RUN, max_size=7)
# enough finite repeats with a spread: a verdict is given
JUDGED = st.lists(VALUE, min_size=tables.MIN_REPEATS, max_size=7).filter(lambda g: tables.spread(g).std > 0)


def same_verdict(x, y):
    """Equal verdicts; the difference negated exactly; the same p (NaN when neither side can tell)."""
    assert x.differs == y.differs
    assert x.difference == -y.difference or (math.isnan(x.difference) and math.isnan(y.difference))
    assert x.p == y.p or (math.isnan(x.p) and math.isnan(y.p))


@given(GROUP, GROUP)
def test_differs_swapped_negates_the_difference_and_keeps_the_verdict(a, b):
    same_verdict(tables.differs(a, b), tables.differs(b, a))


@given(st.lists(st.tuples(RUN, RUN), max_size=7))
def test_paired_differs_swapped_negates_the_difference_and_keeps_the_verdict(pairs):
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    same_verdict(tables.differs(a, b, paired=True), tables.differs(b, a, paired=True))


@given(GROUP, GROUP)
def test_differs_on_summaries_is_symmetric_and_equals_the_values_verdict(a, b):
    sa, sb = tables.spread(a), tables.spread(b)
    assume(sa.n > 1 and sb.n > 1)  # a Spread of one value has std NaN: only values say "cannot tell" there
    summary = tables.differs(sa, sb)
    same_verdict(summary, tables.differs(sb, sa))
    values = tables.differs(a, b)
    assert summary.differs == values.differs and summary.difference == values.difference
    assert summary.p == values.p or (math.isnan(summary.p) and math.isnan(values.p))


@given(JUDGED, JUDGED, st.floats(1.0, 1e3))
def test_a_gap_far_beyond_the_spread_differs_in_both_directions(a, b, gap):
    """Shift b far below a, then far above: both directions are flagged."""
    sa, sb = tables.spread(a), tables.spread(b)
    offset = sa.mean - sb.mean + 100 * (sa.std + sb.std) + gap
    for sign in (1, -1):
        shifted = [v - sign * offset for v in b]
        verdict = tables.differs(a, shifted)
        assert verdict.differs is True and math.copysign(1, verdict.difference) == sign


@given(VALUE, GROUP)
def test_within_spread_is_mirror_symmetric(value, group):
    assert tables.within_spread(value, group) == tables.within_spread(-value, [-v for v in group])


@given(st.floats(-50, 50), JUDGED)
def test_within_spread_judges_both_sides_of_the_mean_alike(k, group):
    """mean ± k prediction half-widths: the same verdict on either side, outside beyond 1 half-width (t-units)."""
    s = tables.spread(group)
    scale = s.std * math.sqrt(1 + 1 / s.n)
    assume(abs(abs(k) - 1) > 1e-6)  # k t-units: near the edge a last-bit rounding may tip either way
    edge = _t_quantile(s.n - 1)
    above, below = s.mean + k * edge * scale, s.mean - k * edge * scale
    assert tables.within_spread(above, s) == tables.within_spread(below, s) == (abs(k) < 1)


def _t_quantile(df):
    """The two-sided ALPHA quantile of t(df), by bisection on the project's own tail function."""
    low, high = 0.0, 1e3
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if two_sided_p(mid, df) > tables.ALPHA else (low, mid)
    return (low + high) / 2
