"""Every optimizer registry entry against its own update formula (CS231n lecture 7 notes, numpy), weight decay
included: L2 added to the gradient for the coupled methods, x shrunk directly for adamw (decoupled).

The oracles hard-code the notes' constants (mu 0.9, decay 0.99, Adam's betas, each eps) rather than read the
registry's flags, so a wrong flag in the registry fails here.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from initlab.core import optimizers

A = np.diag([1.0, 10.0])  # quadratic f(x) = 0.5 x^T A x, gradient A x
X0 = np.array([1.0, -2.0])
B1, B2 = 0.9, 0.999


def _adam(x, d, state, t, lr):
    state["m"] = B1 * state.get("m", 0) + (1 - B1) * d
    state["v"] = B2 * state.get("v", 0) + (1 - B2) * d**2
    return x - lr * (state["m"] / (1 - B1**t)) / (np.sqrt(state["v"] / (1 - B2**t)) + 1e-8)


def _momentum(x, d, state, lr, nesterov):
    state["b"] = 0.9 * state["b"] + d if "b" in state else d  # torch's buffer b = -v / lr, b_1 = d
    return x - lr * (d + 0.9 * state["b"] if nesterov else state["b"])


def _adagrad(x, d, state, lr):
    state["c"] = state.get("c", 0) + d**2
    return x - lr * d / (np.sqrt(state["c"]) + 1e-10)


def _rmsprop(x, d, state, lr):
    state["c"] = 0.99 * state.get("c", 0) + 0.01 * d**2
    return x - lr * d / (np.sqrt(state["c"]) + 1e-8)


# name -> step(x, g, state, t, lr, wd) -> new x; `state` is the method's memory (a dict), t counts from 1
ORACLES = {
    "sgd": lambda x, g, s, t, lr, wd: x - lr * (g + wd * x),
    "momentum": lambda x, g, s, t, lr, wd: _momentum(x, g + wd * x, s, lr, nesterov=False),
    "nesterov": lambda x, g, s, t, lr, wd: _momentum(x, g + wd * x, s, lr, nesterov=True),
    "adagrad": lambda x, g, s, t, lr, wd: _adagrad(x, g + wd * x, s, lr),
    "rmsprop": lambda x, g, s, t, lr, wd: _rmsprop(x, g + wd * x, s, lr),
    "adam": lambda x, g, s, t, lr, wd: _adam(x, g + wd * x, s, t, lr),
    "adamw": lambda x, g, s, t, lr, wd: _adam(x * (1 - lr * wd), g, s, t, lr),  # decay first, on x itself
}


def oracle_steps(name, steps, lr, wd):
    x, state, out = X0.copy(), {}, []
    for t in range(1, steps + 1):
        x = ORACLES[name](x, A @ x, state, t, lr, wd)
        out.append(x)
    return out


def torch_steps(name, steps, **settings):
    """Positions after each of `steps` steps of the registry's optimizer on the quadratic."""
    x = torch.tensor(X0, requires_grad=True)
    opt = optimizers.optimizer_factory(name, **settings)([x])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * x @ torch.tensor(A) @ x).backward()
        opt.step()
        out.append(x.detach().numpy().copy())
    return out


def test_every_registry_entry_has_an_oracle():
    assert set(ORACLES) == set(optimizers.NAMES)


@settings(max_examples=60)
@given(name=st.sampled_from(optimizers.NAMES), lr=st.floats(1e-3, 0.1), steps=st.integers(1, 4),
       wd=st.one_of(st.just(0.0), st.floats(1e-3, 0.5)))
def test_each_entry_follows_its_formula_with_weight_decay(name, lr, steps, wd):
    got = torch_steps(name, steps, lr=lr, weight_decay=wd)
    np.testing.assert_allclose(got, oracle_steps(name, steps, lr, wd), rtol=1e-10, atol=1e-12)


def test_adamw_decays_x_directly_not_through_the_gradient():
    """Coupled L2 (Adam with weight_decay) rescales the decay by 1 / sqrt(v): a different trajectory."""
    lr, wd = 0.01, 0.1
    got = torch_steps("adamw", 3, lr=lr, weight_decay=wd)
    np.testing.assert_allclose(got, oracle_steps("adamw", 3, lr, wd), rtol=1e-12, atol=1e-14)
    coupled = oracle_steps("adam", 3, lr, wd)
    assert np.abs(got[-1] - coupled[-1]).max() > 1e-4


def test_adamw_default_weight_decay_is_torchs_001():
    """Without a weight_decay setting adamw decays by 0.01 (torch's AdamW default); adam by nothing."""
    np.testing.assert_allclose(torch_steps("adamw", 2, lr=0.01), oracle_steps("adamw", 2, 0.01, 0.01), rtol=1e-12)
    np.testing.assert_allclose(torch_steps("adam", 2, lr=0.01), oracle_steps("adam", 2, 0.01, 0.0), rtol=1e-12)


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_registry_methods_are_distinct_on_the_quadratic(name):
    """No two entries build the same optimizer: each one's three steps differ from every other's."""
    mine = torch_steps(name, 3, lr=0.05, weight_decay=0.1)[-1]
    for other in optimizers.NAMES:
        if other != name:
            assert not np.allclose(mine, torch_steps(other, 3, lr=0.05, weight_decay=0.1)[-1]), other
