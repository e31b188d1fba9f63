"""The gradient checker against its oracles: torch.autograd and torch.autograd.gradcheck."""

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from initlab.core.models import MLP
from initlab.published import CS231N_CORRECT, CS231N_SUSPECT, CS231N_WRONG
from initlab.studies.gradient_check import checker
from initlab.studies.gradient_check.planted import PlantedMLP, WrongTanh
from initlab.studies.gradient_check.subjects import weight_penalty
from initlab.studies.gradient_check.summary import failures
from torch import nn


def verdicts(results, **where):
    return {e.verdict for e in results if all(getattr(e, k) == v for k, v in where.items())}


def mlp_problem(make_model, seed=0, n=8, d=6, classes=3):
    torch.manual_seed(seed)
    model = make_model().double()
    x, y = torch.randn(n, d, dtype=torch.float64), torch.randint(0, classes, (n,))
    return model, (lambda: F.cross_entropy(model(x), y))


def test_relative_error_formula_and_zero_rule():
    a = torch.tensor([1.0, 0.0, -2.0, 1e-3], dtype=torch.float64)
    n = torch.tensor([1.1, 0.0, 2.0, 0.0], dtype=torch.float64)
    expected = [0.1 / 1.1, 0.0, 4.0 / 2.0, 1.0]
    assert checker.relative_error(a, n).tolist() == pytest.approx(expected)


@pytest.mark.parametrize("error,kink,tiny,expected", [
    (2e-2, False, False, "wrong"), (1e-3, False, False, "suspect"), (1e-6, False, False, "suspect"),
    (1e-6, True, False, "acceptable"), (1e-3, True, False, "kink"), (1e-8, False, False, "correct"),
    (1e-8, True, False, "correct"), (0.5, False, True, "below_precision"),
])
def test_verdict_thresholds_from_the_notes(error, kink, tiny, expected):
    assert checker.verdict(error, kink=kink, below_precision=tiny) == expected


def test_smooth_functions_agree_with_torch_gradcheck():
    torch.manual_seed(0)
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    functions = [lambda t: torch.sin(t) * torch.exp(t / 3), lambda t: torch.tanh(t) ** 3, lambda t: t.softmax(1)]
    for f in functions:
        assert torch.autograd.gradcheck(f, (x,))
        weights = torch.randn(4, 3, dtype=torch.float64)  # a scalar loss with a generic gradient
        results = checker.check({"f": lambda: (f(x) * weights).sum()}, {"x": x}, entries=12)
        assert len(results) == 12 and verdicts(results) == {"correct"}
        analytic = torch.autograd.grad((f(x) * weights).sum(), x)[0]
        for e in results:  # the numeric slope is the autograd gradient to ~1e-9
            assert e.numeric == pytest.approx(float(analytic[e.index]), rel=1e-7, abs=1e-10)


def test_tanh_mlp_is_correct_in_every_tensor_and_parameters_are_restored():
    model, loss = mlp_problem(lambda: MLP(6, [5, 4], 3, "tanh"))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    params = dict(model.named_parameters())
    results = checker.check({"data": loss}, params, entries=4, seed=3)
    assert {e.parameter for e in results} == set(params)  # every tensor, biases included
    for name, p in params.items():
        assert sum(e.parameter == name for e in results) == min(4, p.numel())
    assert {r["verdict"] for r in checker.summarize(results)} == {"correct"}
    assert verdicts(results) <= {"correct", "below_precision"}  # a near-0 gradient may hit rounding
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k])
    # same seed, same entries
    again = checker.check({"data": loss}, params, entries=4, seed=3)
    assert [(e.parameter, e.index) for e in again] == [(e.parameter, e.index) for e in results]


def test_planted_bug_is_flagged_where_torch_gradcheck_fails():
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    assert not torch.autograd.gradcheck(WrongTanh.apply, (x,), raise_exception=False)
    model, loss = mlp_problem(lambda: PlantedMLP(6, 5, 3))
    results = checker.check({"data": loss}, dict(model.named_parameters()), entries=5)
    assert verdicts(results, parameter="hidden.weight") == {"wrong"}
    assert verdicts(results, parameter="hidden.bias") == {"wrong"}
    assert verdicts(results, parameter="out.weight") == {"correct"}  # downstream of the bug: correct


def test_relu_at_zero_is_a_kink_not_a_failure():
    x = torch.tensor([0.0, 1.0, -1.0], dtype=torch.float64, requires_grad=True)
    results = checker.check({"relu": lambda: torch.relu(x).sum()}, {"x": x}, entries=3)
    by_index = {e.index: e for e in results}
    assert by_index[(0,)].kink and by_index[(0,)].verdict == "kink"
    assert by_index[(0,)].numeric == pytest.approx(0.5) and by_index[(0,)].analytic == 0.0
    assert not by_index[(1,)].kink and by_index[(1,)].verdict == "correct"
    assert not by_index[(2,)].kink and by_index[(2,)].rel_error == 0.0  # 0/0: both gradients are 0
    [row] = checker.summarize(results)
    assert row["kinks"] == 1 and row["verdict"] == "correct" and row["max_rel_error_at_kinks"] == 1.0


@pytest.mark.parametrize("f", [
    lambda t: nn.ReLU()(t), lambda t: t.clamp(min=0.0), lambda t: torch.maximum(t, torch.zeros_like(t)),
    lambda t: t.abs(), lambda t: torch.stack([t, -t]).max(0).values, lambda t: F.leaky_relu(t, 0.1),
])
def test_kinks_are_seen_in_modules_and_functions(f):
    x = torch.tensor([3e-6, 0.5], dtype=torch.float64, requires_grad=True)  # 3e-6 < h: crosses 0
    results = checker.check({"f": lambda: (f(x) * torch.tensor([1.0, 2.0], dtype=torch.float64)).sum()},
                              {"x": x}, entries=2)
    assert [e.kink for e in results] == [True, False]
    assert "wrong" not in verdicts(results)


def test_dropout_with_a_fixed_seed_passes_and_a_fresh_mask_would_not():
    model, loss = mlp_problem(lambda: MLP(6, [16], 3, "tanh", dropout=0.5))
    model.train()
    params = dict(model.named_parameters())
    seeded = checker.check({"data": loss}, params, entries=4, seed=1)
    assert {r["verdict"] for r in checker.summarize(seeded)} == {"correct"}
    counter = itertools.count(100)

    def fresh_mask_loss():  # what happens without the seed: every evaluation draws a new mask
        torch.manual_seed(next(counter))
        return loss()

    assert "wrong" in verdicts(checker.check({"data": fresh_mask_loss}, params, entries=4, seed=1))


def test_data_loss_and_regularization_are_checked_separately():
    model, loss = mlp_problem(lambda: PlantedMLP(6, 5, 3))
    params = dict(model.named_parameters())
    terms = {"data": loss, "weight_decay": lambda: weight_penalty(model, 500.0)}
    terms["total"] = lambda: terms["data"]() + terms["weight_decay"]()
    results = checker.check(terms, params, entries=5)
    rows = {(r["term"], r["parameter"]): r for r in checker.summarize(results)}
    assert rows["data", "hidden.weight"]["verdict"] == "wrong"
    assert rows["weight_decay", "hidden.weight"]["verdict"] == "correct"
    assert rows["weight_decay", "hidden.bias"]["max_rel_error"] == 0.0  # biases are not decayed: 0/0
    # the notes' warning: a strong penalty dwarfs the data gradient and hides the bug in the sum
    assert rows["total", "hidden.weight"]["verdict"] != "wrong"
    assert rows["total", "hidden.weight"]["max_rel_error"] < rows["data", "hidden.weight"]["max_rel_error"] / 100


def test_float32_parameters_are_refused():
    w = torch.ones(3, requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        checker.check({"f": lambda: (w**2).sum()}, {"w": w})


def test_rounding_level_discrepancy_is_below_precision():
    x = torch.tensor([1e-9, 1.0], dtype=torch.float64, requires_grad=True)
    # the constant makes f's rounding floor eps * 1e3 / h ~ 2e-8 dwarf the first gradient (1e-9)
    results = checker.check({"f": lambda: 1e3 + (x * x).sum() / 2}, {"x": x}, entries=2)
    assert [e.verdict for e in results] == ["below_precision", "correct"]
    [row] = checker.summarize(results)
    assert row["below_precision"] == 1 and row["verdict"] == "correct"


def test_failures_name_real_models_flagged_wrong_and_missed_plants():
    rows = [dict(model="mlp", term="data", parameter="w", max_rel_error=0.5, verdict="wrong"),
            dict(model="bug", term="data", parameter="w", max_rel_error=1e-9, verdict="correct")]
    messages = failures(rows, {"mlp": False, "bug": True})
    assert any("mlp" in m and "w" in m and "0.5" in m for m in messages)
    assert any("bug" in m and "NOT flagged" in m for m in messages)
    assert failures([dict(rows[1], verdict="wrong")], {"bug": True}) == []


def test_as_rows_gives_every_field_and_the_index_as_i_comma_j():
    entry = checker.Entry(term="data", parameter="w1", index=(3, 12), analytic=0.5, numeric=0.5000001,
                          rel_error=1e-7, kink=False, noise=1e-12, verdict="correct")
    row = {**vars(entry), "index": "3,12"}
    assert checker.as_rows([entry, checker.Entry(**{**vars(entry), "index": (7,)})]) == [row, {**row, "index": "7"}]


def entry(parameter, rel_error, verdict, kink=False, term="data"):
    return checker.Entry(term=term, parameter=parameter, index=(0,), analytic=1.0, numeric=1.0,
                         rel_error=rel_error, kink=kink, noise=0.0, verdict=verdict)


def test_summarize_gives_every_field_per_term_and_parameter():
    results = [entry("w", 1e-9, "correct"), entry("w", 3e-3, "kink", kink=True), entry("w", 2e-8, "correct"),
               entry("w", 0.4, "below_precision"), entry("b", 0.5, "kink", kink=True),
               entry("b", 2e-5, "acceptable", kink=True), entry("w", 5e-4, "suspect", term="reg")]
    rows = checker.summarize(results)
    nan = [r.pop("max_rel_error") for r in rows if r["parameter"] == "b"]
    assert nan[0] != nan[0]  # every entry of b crossed a kink: no smooth error
    assert rows == [
        dict(term="data", parameter="w", entries=4, verdict="correct", kinks=1, below_precision=1,
             max_rel_error_at_kinks=3e-3, max_rel_error=0.4),
        dict(term="data", parameter="b", entries=2, verdict="acceptable", kinks=2, below_precision=0,
             max_rel_error_at_kinks=0.5),
        dict(term="reg", parameter="w", entries=1, verdict="suspect", kinks=0, below_precision=0,
             max_rel_error_at_kinks=rows[2]["max_rel_error_at_kinks"], max_rel_error=5e-4),
    ]
    assert rows[2]["max_rel_error_at_kinks"] != rows[2]["max_rel_error_at_kinks"]  # no kink: NaN


def test_summarize_falls_back_to_unjudged_verdicts_only_when_nothing_else_is_left():
    [row] = checker.summarize([entry("w", 0.5, "kink", kink=True), entry("w", 0.3, "below_precision")])
    assert row["verdict"] == "kink"
    [row] = checker.summarize([entry("w", 0.3, "below_precision")])
    assert row["verdict"] == "below_precision"


def test_worst_of_nothing_is_correct_and_of_some_the_latest_in_verdicts():
    assert checker.worst([]) == "correct"
    assert checker.worst(["below_precision", "acceptable", "correct"]) == "below_precision"  # not the last by name


@pytest.mark.parametrize("error,kink,expected", [
    (CS231N_CORRECT, False, "correct"), (CS231N_CORRECT, True, "correct"),
    (CS231N_SUSPECT, True, "acceptable"), (CS231N_WRONG, False, "suspect"),
])
def test_verdict_at_each_threshold_takes_the_better_side(error, kink, expected):
    assert checker.verdict(error, kink=kink) == expected


def test_verdict_defaults_to_no_kink_and_judged_precision():
    assert [checker.verdict(e) for e in (1e-8, 1e-6, 1e-3, 0.5)] == ["correct", "suspect", "suspect", "wrong"]


def test_each_entrys_error_and_noise_are_from_its_two_evaluations_in_float64():
    x = torch.tensor([1.0, 1e-5, -3.0], dtype=torch.float64, requires_grad=True)
    h = 1e-5
    results = checker.check({"f": lambda: (x**3).sum() + 0.25}, {"x": x}, h=h, entries=3)
    assert [e.index for e in results] == [(0,), (1,), (2,)]
    for e, value in zip(results, x.tolist()):
        others = 0.25 + sum(v**3 for v in x.tolist()) - value**3
        high, low = [float(torch.tensor(others + (value + s) ** 3, dtype=torch.float64)) for s in (h, -h)]
        assert e.analytic == pytest.approx(3 * value**2, rel=1e-12)
        assert e.numeric == pytest.approx((high - low) / (2 * h), rel=1e-9)
        assert e.noise == pytest.approx(checker.EPS64 * max(abs(high), abs(low)) / h, rel=1e-9)
        assert e.rel_error == pytest.approx(abs(e.analytic - e.numeric) / max(abs(e.analytic), abs(e.numeric)),
                                            rel=1e-9)
    assert results[0].rel_error > 0  # h^2 = 1e-10 of truncation error: seen, not rounded away in float32


def test_a_gradient_with_the_wrong_sign_is_wrong_however_small():
    x = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    flipped = lambda: 1e-3 * (x.detach() - (x - x.detach())).sum()  # value 1e-3 x, gradient -1e-3
    [e] = checker.check({"f": flipped}, {"x": x})
    assert e.analytic == pytest.approx(-1e-3) and e.numeric == pytest.approx(1e-3)
    assert e.verdict == "wrong"


def test_defaults_are_ten_entries_seed_zero_and_h_1e_5():
    x = torch.linspace(-1, 1, 30, dtype=torch.float64).requires_grad_()
    f = {"f": lambda: (x**3).sum()}
    default = checker.check(f, {"x": x})
    assert default == checker.check(f, {"x": x}, h=1e-5, entries=10, seed=0, noise_factor=100.0)
    assert len(default) == 10


def test_below_precision_is_judged_at_noise_factor_times_the_noise_inclusive():
    x = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    k = torch.zeros((), dtype=torch.float64)
    # value 1000 + x (noise ~2.2e-8), gradient 1 + k: k sets the discrepancy, the evaluations stay the same
    terms = {"f": lambda: (1000.0 + x + k * (x - x.detach())).sum()}
    [plain] = checker.check(terms, {"x": x})
    for times, expected in ((100.5, "suspect"), (99.5, "below_precision")):  # the default noise_factor is 100
        k.fill_(plain.numeric - 1 + times * plain.noise)
        [e] = checker.check(terms, {"x": x})
        assert (e.numeric, e.noise) == (plain.numeric, plain.noise)
        assert abs(e.analytic - e.numeric) / e.noise == pytest.approx(times, rel=1e-6)
        assert e.rel_error > CS231N_CORRECT and e.verdict == expected
    factor = abs(e.analytic - e.numeric) / e.noise
    while factor * e.noise != abs(e.analytic - e.numeric):  # a factor whose product is the discrepancy exactly
        factor = math.nextafter(factor, math.inf)
    [at] = checker.check(terms, {"x": x}, noise_factor=factor)
    [short] = checker.check(terms, {"x": x}, noise_factor=factor * (1 - 1e-12))
    assert (at.verdict, short.verdict) == ("below_precision", "suspect")
