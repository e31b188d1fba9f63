"""Optimizer and schedule registries against the CS231n update formulas and closed-form schedules."""

import math

import numpy as np
import pytest
import torch
import yaml
from conftest import ROOT
from initlab.core import optimizers

A = np.diag([1.0, 10.0])  # quadratic f(x) = 0.5 x^T A x, gradient A x
X0 = np.array([1.0, -2.0])


def torch_steps(name, steps, **settings):
    """Positions after each of `steps` optimizer steps on the quadratic, as numpy arrays."""
    x = torch.tensor(X0, requires_grad=True)
    opt = optimizers.optimizer_factory(name, **settings)([x])
    a = torch.tensor(A)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * x @ a @ x).backward()
        opt.step()
        out.append(x.detach().numpy().copy())
    return out


def grad(x):
    return A @ x


def test_sgd_matches_plain_update():
    lr = 0.05
    x = X0.copy()
    for got in torch_steps("sgd", 3, lr=lr):
        x = x - lr * grad(x)
        np.testing.assert_allclose(got, x, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_momentum_matches_velocity_formula(mu):
    lr = 0.05
    x, v = X0.copy(), np.zeros(2)
    got = torch_steps("momentum", 4, lr=lr, momentum=mu)
    for step in range(4):
        v = mu * v - lr * grad(x)  # notes: v = mu * v - learning_rate * dx
        x = x + v
        np.testing.assert_allclose(got[step], x, rtol=1e-12, atol=1e-14)
    # the first step is the plain SGD step (v starts at 0), the second is not
    np.testing.assert_allclose(got[0], X0 - lr * grad(X0), rtol=1e-12, atol=1e-14)


def test_momentum_default_mu_is_09():
    lr = 0.05
    x1 = X0 - lr * grad(X0)
    v1 = x1 - X0
    x2 = x1 + 0.9 * v1 - lr * grad(x1)
    np.testing.assert_allclose(torch_steps("momentum", 2, lr=lr)[1], x2, rtol=1e-12, atol=1e-14)


def test_nesterov_matches_lookahead_formula():
    lr, mu = 0.05, 0.9
    got = torch_steps("nesterov", 5, lr=lr)
    # easy-to-read form: the gradient is taken at the look-ahead point x + mu v, which is where
    # the optimizer's parameter lives (it evaluates the gradient at the parameter)
    x, v = X0.copy(), np.zeros(2)
    for step in range(5):
        v = mu * v - lr * grad(x + mu * v)
        x = x + v
        np.testing.assert_allclose(got[step], x + mu * v, rtol=1e-12, atol=1e-14)
    # the notes' "actual implementation", whose variable is the look-ahead point itself
    x, v = X0.copy(), np.zeros(2)
    for step in range(5):
        v_prev = v
        v = mu * v - lr * grad(x)
        x = x - mu * v_prev + (1 + mu) * v
        np.testing.assert_allclose(got[step], x, rtol=1e-12, atol=1e-14)
    assert not np.allclose(got[-1], torch_steps("momentum", 5, lr=lr)[-1])


def test_adagrad_matches_cache_formula():
    lr, eps = 0.1, 1e-10
    x, cache = X0.copy(), np.zeros(2)
    for got in torch_steps("adagrad", 3, lr=lr, eps=eps):
        dx = grad(x)
        cache += dx**2
        x = x - lr * dx / (np.sqrt(cache) + eps)
        np.testing.assert_allclose(got, x, rtol=1e-12, atol=1e-14)


def test_rmsprop_matches_leaky_cache_formula():
    lr, decay, eps = 0.01, 0.99, 1e-8
    x, cache = X0.copy(), np.zeros(2)
    for got in torch_steps("rmsprop", 3, lr=lr):
        dx = grad(x)
        cache = decay * cache + (1 - decay) * dx**2
        x = x - lr * dx / (np.sqrt(cache) + eps)
        np.testing.assert_allclose(got, x, rtol=1e-12, atol=1e-14)


def test_adam_matches_bias_corrected_formula():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    x, m, v = X0.copy(), np.zeros(2), np.zeros(2)
    for t, got in enumerate(torch_steps("adam", 3, lr=lr), start=1):
        dx = grad(x)
        m = b1 * m + (1 - b1) * dx
        v = b2 * v + (1 - b2) * dx**2
        x = x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(got, x, rtol=1e-12, atol=1e-14)


def test_weight_decay_and_call_time_override():
    x = torch.tensor(X0, requires_grad=True)
    opt = optimizers.optimizer_factory("sgd", lr=1.0, weight_decay=0.1)([x], lr=0.05)
    assert opt.param_groups[0]["lr"] == 0.05 and opt.param_groups[0]["weight_decay"] == 0.1
    opt.zero_grad()
    (0.5 * x @ torch.tensor(A) @ x).backward()
    opt.step()
    np.testing.assert_allclose(x.detach().numpy(), X0 - 0.05 * (grad(X0) + 0.1 * X0), rtol=1e-12, atol=1e-14)


def test_registry_flags_and_errors():
    p = [torch.zeros(1, requires_grad=True)]
    groups = {name: optimizers.optimizer_factory(name, lr=0.1)(p).param_groups[0] for name in optimizers.NAMES}
    assert groups["sgd"]["momentum"] == 0 and groups["momentum"]["nesterov"] is False
    assert groups["nesterov"]["nesterov"] is True and groups["nesterov"]["momentum"] == 0.9
    assert len({optimizers.colour(name) for name in optimizers.NAMES}) == len(optimizers.NAMES)
    with pytest.raises(KeyError, match="'adamax'.*expected one of sgd"):
        optimizers.optimizer_factory("adamax", lr=0.1)
    with pytest.raises(TypeError, match="betas1"):
        optimizers.optimizer_factory("adam", lr=0.1, betas1=0.9)(p)


@pytest.mark.parametrize(
    "name, settings, closed_form",
    [
        ("none", {}, lambda t: 0.1),
        ("step", {"step_size": 3, "gamma": 0.5}, lambda t: 0.1 * 0.5 ** (t // 3)),
        ("exponential", {"gamma": math.exp(-0.3)}, lambda t: 0.1 * math.exp(-0.3 * t)),  # lr0 e^{-kt}
        ("inverse_time", {"k": 0.5}, lambda t: 0.1 / (1 + 0.5 * t)),
    ],
)
def test_schedule_values_match_closed_forms(name, settings, closed_form):
    got = optimizers.schedule_lrs(name, lr=0.1, epochs=10, **settings)
    np.testing.assert_allclose(got, [closed_form(t) for t in range(10)], rtol=1e-12, atol=1e-14)


def test_schedule_drives_a_real_optimizer():
    x = torch.zeros(1, requires_grad=True)
    opt = optimizers.optimizer_factory("adam", lr=1.0)([x])
    sched = optimizers.schedule_factory("inverse_time", k=1.0)(opt)
    seen = []
    for _ in range(4):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert seen == [1.0, 1 / 2, 1 / 3, 1 / 4]


def test_schedule_settings_are_checked():
    assert optimizers.schedule_factory("none") is None
    with pytest.raises(ValueError, match=r"'step'.*missing \['gamma'\]"):
        optimizers.schedule_factory("step", step_size=2)
    with pytest.raises(ValueError, match=r"unexpected \['k'\]"):
        optimizers.schedule_factory("exponential", gamma=0.9, k=1)
    with pytest.raises(KeyError, match="'cosine'"):
        optimizers.schedule_factory("cosine")


def weights_one_bias_twelve():
    """A Linear(2, 1) with weights 1 and bias 12, so a decayed bias shows (12 * 0.95) beside a plain step."""
    layer = torch.nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.fill_(1.0)
        layer.bias.fill_(12.0)
    return layer


def test_decay_biases_false_leaves_biases_undecayed():
    layer = weights_one_bias_twelve()
    opt = optimizers.optimizer_factory("sgd", lr=0.1, weight_decay=0.5, decay_biases=False)(layer.parameters())
    layer(torch.zeros(1, 2)).sum().mul(0).backward()  # zero data gradient: only weight decay acts
    opt.step()
    assert layer.bias.item() == 12.0
    np.testing.assert_allclose(layer.weight.detach().numpy(), [[0.95, 0.95]])
    decayed = optimizers.optimizer_factory("sgd", lr=0.1, weight_decay=0.5)(layer.parameters())
    layer.bias.grad.zero_()
    decayed.step()
    assert layer.bias.item() == pytest.approx(12.0 * 0.95)


def test_schema_lists_exactly_the_registry_names():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert schema["$defs"]["optimizer"]["enum"] == list(optimizers.NAMES)

    def enums(node):
        if isinstance(node, dict):
            yield from ([node["enum"]] if "enum" in node else [])
            for value in node.values():
                yield from enums(value)
        elif isinstance(node, list):
            for value in node:
                yield from enums(value)

    assert [names for names in enums(schema) if "adam" in names] == [list(optimizers.NAMES)]  # one list only


def test_unknown_names_list_every_registered_name():
    with pytest.raises(KeyError) as error:
        optimizers.optimizer_factory("adamax")
    assert error.value.args[0] == f"optimizer 'adamax': expected one of {', '.join(optimizers.NAMES)}"
    with pytest.raises(KeyError) as error:
        optimizers.schedule_factory("cosine")
    assert error.value.args[0] == f"schedule 'cosine': expected one of {', '.join(optimizers.SCHEDULE_NAMES)}"


def test_the_factory_names_its_method():
    assert [optimizers.optimizer_factory(name).method for name in optimizers.NAMES] == list(optimizers.NAMES)


def test_decay_biases_false_still_trains_the_biases():
    layer = weights_one_bias_twelve()
    opt = optimizers.optimizer_factory("sgd", lr=0.1, weight_decay=0.5, decay_biases=False)(layer.parameters())
    layer(torch.zeros(1, 2)).sum().backward()  # d/db = 1, d/dW = 0: the bias steps by -lr, undecayed
    opt.step()
    assert layer.bias.item() == pytest.approx(12.0 - 0.1)
    np.testing.assert_allclose(layer.weight.detach().numpy(), [[0.95, 0.95]])
    assert [len(group["params"]) for group in opt.param_groups] == [1, 1]


def test_decay_biases_false_refuses_parameter_groups():
    groups = [{"params": [torch.zeros(2, 2, requires_grad=True)]}, {"params": [torch.zeros(2, requires_grad=True)]}]
    factory = optimizers.optimizer_factory("sgd", lr=0.1, weight_decay=0.5, decay_biases=False)
    for given in groups, groups[:1]:
        with pytest.raises(ValueError) as error:
            factory(given)
        assert str(error.value) == "decay_biases=False needs a plain iterable of parameters, not parameter groups"
