"""Random search: reproducible log-uniform sampling, coarse-to-fine ranges and edge warnings."""

import math

import numpy as np
import pytest
from initlab.studies.search import sampling

RANGES = {"lr": [1e-4, 1e1], "weight_decay": [1e-6, 1e-1], "hidden": [8, 512]}


def test_trials_are_reproducible_and_seed_dependent():
    a = sampling.sample_trials(RANGES, 20, seed=3, prefix="coarse")
    assert a == sampling.sample_trials(RANGES, 20, seed=3, prefix="coarse")
    assert a != sampling.sample_trials(RANGES, 20, seed=4, prefix="coarse")
    assert [t["trial"] for t in a[:2]] == ["coarse000", "coarse001"]
    assert all(isinstance(t["hidden"], int) and isinstance(t["lr"], float) for t in a)
    assert len({t["lr"] for t in a}) == 20


def test_more_trials_keep_the_first_ones():
    a = sampling.sample_trials(RANGES, 8, seed=3, prefix="coarse")
    b = sampling.sample_trials(RANGES, 16, seed=3, prefix="coarse")
    assert b[:8] == a and len(b) == 16


def test_trials_follow_the_documented_draws():
    u = np.random.default_rng(5).random((3, 2))
    trials = sampling.sample_trials({"lr": [1e-4, 1.0], "hidden": [8, 64]}, 3, seed=5, prefix="t")
    # rounded to sampling.DIGITS significant digits: within half a unit of the last digit kept
    np.testing.assert_allclose([t["lr"] for t in trials], 10 ** (-4 + 4 * u[:, 0]), rtol=5 * 10.0 ** -sampling.DIGITS)
    assert all(t["lr"] == float(f"{t['lr']:.{sampling.DIGITS}g}") for t in trials)
    assert [t["hidden"] for t in trials] == [int(math.floor(8 * (65 / 8) ** v)) for v in u[:, 1]]


def test_a_last_bit_difference_leaves_the_sampled_params_unchanged():
    """Another CPU's np.exp may differ in the last bit; the rounded value (a job param) must not."""
    values = np.exp(np.random.default_rng(0).uniform(math.log(1e-6), math.log(10.0), 10_000))
    same = [sampling.rounded(v) == sampling.rounded(np.nextafter(v, np.inf)) for v in values.tolist()]
    assert sum(same) >= 9_995
    assert sampling.rounded(7) == 7 and isinstance(sampling.rounded(7), int)


def test_log_uniform_moments_and_bounds():
    rng = np.random.default_rng(0)
    draws = sampling.log_uniform(rng, 1e-6, 1e1, 200_000)
    logs = np.log10(draws)
    assert draws.min() >= 1e-6 and draws.max() <= 1e1
    # log10 uniform on [-6, 1]: mean -2.5, variance 7^2 / 12; standard errors about 0.005 and 0.02
    assert abs(logs.mean() + 2.5) < 0.03
    assert abs(logs.var() - 49 / 12) < 0.05
    # each decade holds 1/7 of the draws (a linear draw would put 90% in the top decade)
    counts = np.histogram(logs, bins=np.arange(-6, 2))[0] / len(logs)
    np.testing.assert_allclose(counts, 1 / 7, atol=0.005)


def test_integer_log_uniform_probabilities():
    rng = np.random.default_rng(1)
    draws = sampling.log_uniform(rng, 4, 16, 300_000, integer=True)
    assert draws.dtype.kind == "i" and draws.min() == 4 and draws.max() == 16
    freq = np.bincount(draws, minlength=17)[4:] / len(draws)
    expected = [math.log((k + 1) / k) / math.log(17 / 4) for k in range(4, 17)]
    np.testing.assert_allclose(freq, expected, atol=0.003)


def test_bad_ranges_are_named():
    with pytest.raises(ValueError, match=r"search range lr: \[0.0, 1.0\]"):
        sampling.sample_trials({"lr": [0.0, 1.0]}, 2, seed=0, prefix="t")
    with pytest.raises(ValueError, match="weight_decay.*0 < low <= high"):
        sampling.check_ranges({"weight_decay": [1e-1, 1e-3]})
    with pytest.raises(ValueError, match="hidden.*integer"):
        sampling.check_ranges({"hidden": [8.5, 64]})


def test_best_trials_skip_diverged():
    trials = [{"trial": i} for i in range(5)]
    best = sampling.best_trials(trials, [0.3, float("nan"), 0.1, None, 0.2], top=2)
    assert [t["trial"] for t in best] == [2, 4]
    with pytest.raises(ValueError, match="every one diverged"):
        sampling.best_trials(trials[:2], [float("nan"), float("inf")], top=1)


def test_fine_range_is_inside_coarse_and_around_best():
    coarse = sampling.sample_trials(RANGES, 30, seed=7, prefix="c")
    scores = [abs(math.log10(t["lr"]) + 2) + abs(math.log10(t["weight_decay"]) + 4) for t in coarse]
    best = sampling.best_trials(coarse, scores, top=3)
    fine = sampling.fine_ranges(best, RANGES, shrink=0.3)
    for name, (low, high) in RANGES.items():
        lo, hi = fine[name]
        assert low <= lo <= hi <= high
        assert all(lo <= t[name] <= hi for t in best)
    width = math.log(RANGES["lr"][1] / RANGES["lr"][0])
    assert math.log(fine["lr"][1] / fine["lr"][0]) < width
    # fine trials sampled in the fine ranges stay inside the coarse ranges
    for t in sampling.sample_trials(fine, 50, seed=8, prefix="f"):
        assert all(RANGES[n][0] <= t[n] <= RANGES[n][1] for n in RANGES)


def test_fine_range_of_one_trial_is_shrink_times_the_coarse_width():
    ranges = {"lr": [1e-4, 1.0]}
    fine = sampling.fine_ranges([{"lr": 1e-2}], ranges, shrink=0.5)  # centre of [-4, 0] in log10
    np.testing.assert_allclose(np.log10(fine["lr"]), [-3.0, -1.0])
    clipped = sampling.fine_ranges([{"lr": 2e-4}], ranges, shrink=0.5)
    assert clipped["lr"][0] == 1e-4 and clipped["lr"][1] == pytest.approx(2e-4 * 10)  # one decade above
    ints = sampling.fine_ranges([{"hidden": 30}], {"hidden": [8, 512]}, shrink=0.2)
    assert all(isinstance(v, int) for v in ints["hidden"]) and ints["hidden"][0] <= 30 <= ints["hidden"][1]
    with pytest.raises(ValueError, match="shrink"):
        sampling.fine_ranges([{"lr": 1e-2}], ranges, shrink=0)


@pytest.mark.parametrize(
    "lr, side",
    [(1.0e-4, "lower"), (10 ** -3.61, "lower"), (10 ** -3.59, None), (1e-2, None), (10 ** -0.41, None),
     (10 ** -0.39, "upper"), (1.0, "upper")],
)
def test_edge_warning_within_ten_percent_of_log_width(lr, side):
    messages = sampling.edge_warnings({"lr": lr, "weight_decay": 1e-3}, {"lr": [1e-4, 1.0], "weight_decay": [1e-6, 1.0]})
    if side is None:
        assert messages == []
    else:
        assert len(messages) == 1 and f"lr={lr:.4g}" in messages[0] and f"{side} edge" in messages[0]


def test_edge_warning_ignores_fixed_and_absent_parameters():
    ranges = {"lr": [1e-3, 1e-3], "hidden": [8, 512]}
    assert sampling.edge_warnings({"lr": 1e-3}, ranges) == []
    assert sampling.edge_position(8, 8, 512) == 0 and sampling.edge_position(512, 8, 512) == 1


def test_plan_fine_is_best_then_ranges_then_draws_with_the_fine_seed():
    ranges = {"lr": [1e-4, 1.0], "hidden": [8, 256]}
    coarse = [{"trial": "coarse000", "lr": 0.5, "hidden": 200, "valid_log_rmse": 0.3},
              {"trial": "coarse001", "lr": 1e-3, "hidden": 16, "valid_log_rmse": 0.12},
              {"trial": "coarse002", "lr": 1e-2, "hidden": 40, "valid_log_rmse": float("nan")},
              {"trial": "coarse003", "lr": 3e-3, "hidden": 32, "valid_log_rmse": 0.15}]
    plan = sampling.plan_fine(coarse, ranges, top=2, shrink=0.2, trials=4, seed=sampling.fine_seed(7))
    assert plan["best_coarse"] == [{"lr": 1e-3, "hidden": 16}, {"lr": 3e-3, "hidden": 32}]
    assert plan["ranges"] == sampling.fine_ranges(plan["best_coarse"], ranges, shrink=0.2)
    assert plan["trials"] == sampling.sample_trials(plan["ranges"], 4, 8, "fine")
    assert sampling.fine_seed(7) == 8 and [t["trial"] for t in plan["trials"]] == ["fine000", "fine001",
                                                                                    "fine002", "fine003"]


def test_edge_warnings_include_the_tolerance_itself_and_check_every_parameter():
    ranges = {"fixed": [0.5, 0.5], "lr": [1.0, 16.0], "hidden": [1, 16]}
    # log-positions 0.25 (lr = 2) and 0.75 (hidden = 8): exactly on a tolerance of 0.25, so both warn
    assert sampling.edge_position(2.0, 1.0, 16.0) == 0.25 and sampling.edge_position(8, 1, 16) == 0.75
    warnings = sampling.edge_warnings({"fixed": 0.5, "lr": 2.0, "hidden": 8}, ranges, tolerance=0.25)
    assert [w.split("=")[0] for w in warnings] == ["lr", "hidden"]
    assert "lower edge" in warnings[0] and "upper edge" in warnings[1]
    assert sampling.edge_position(0.5, 0.5, 0.5) == 0.5  # a fixed parameter sits in the middle
    assert sampling.edges({"fixed": 0.5, "lr": 2.0, "hidden": 8}, ranges, tolerance=0.25) == [
        ("lr", "lower"), ("hidden", "upper")]  # the warnings' names and sides, one rule for both
    assert sampling.edges({"lr": 4.0}, ranges, tolerance=0.25) == []  # the middle; hidden absent: not judged
    assert sampling.edges({"lr": 4.0, "hidden": 8}, ranges) == []  # the default tolerance is 10%
    assert sampling.edge_warnings({"lr": 1.1}, ranges)[0] == (
        "lr=1.1 lies within 10% (log scale) of the lower edge of its range [1, 16]: consider moving the range")


def test_a_range_with_equal_ends_is_a_fixed_value():
    """[v, v] is allowed (0 < low <= high): every trial takes v."""
    sampling.check_ranges({"lr": [0.01, 0.01], "hidden": [32, 32]})
    trials = sampling.sample_trials({"lr": [0.01, 0.01], "hidden": [32, 32]}, 3, seed=0, prefix="t")
    assert [(t["lr"], t["hidden"]) for t in trials] == [(0.01, 32)] * 3


def test_from_unit_maps_to_floats_unless_asked_for_integers():
    u = np.array([0.0, 0.5])
    values = sampling.from_unit(u, 1.0, 100.0)
    assert values.dtype == np.float64
    np.testing.assert_allclose(values, [1.0, 10.0])
    assert sampling.from_unit(u, 1, 99, integer=True).tolist() == [1, 10]


def test_mismatched_trials_and_scores_are_an_error_with_both_counts():
    with pytest.raises(ValueError, match=r"^3 trials but 2 scores$"):
        sampling.best_trials([{}, {}, {}], [0.1, 0.2], top=1)


def test_shrink_of_one_keeps_the_coarse_width_and_more_than_one_is_an_error():
    ranges = {"lr": [1e-4, 1.0]}
    # a shrink of 1 around the centre spans the whole coarse range (clipped to it)
    whole = sampling.fine_ranges([{"lr": 1e-2}], ranges, shrink=1)
    np.testing.assert_allclose(np.log10(whole["lr"]), [-4.0, 0.0])
    for bad in (1.5, 0, -0.5):
        with pytest.raises(ValueError, match=rf"^shrink={bad}: expected 0 < shrink <= 1$"):
            sampling.fine_ranges([{"lr": 1e-2}], ranges, shrink=bad)
