"""The planted wrong backward (initlab.studies.gradient_check.planted): exact forward, wrong hidden gradients only."""

import torch
from initlab.studies.gradient_check.planted import PlantedMLP, WrongTanh
from torch import nn


def test_wrong_tanh_forward_is_exact_and_its_backward_forgets_the_square():
    x = torch.linspace(-3, 3, 13, dtype=torch.float64, requires_grad=True)
    y = WrongTanh.apply(x)
    torch.testing.assert_close(y, torch.tanh(x.detach()), rtol=0, atol=0)
    upstream = torch.linspace(0.5, 2.0, 13, dtype=torch.float64)
    (grad,) = torch.autograd.grad(y, x, upstream)
    t = torch.tanh(x.detach())
    torch.testing.assert_close(grad, upstream * (1 - t), rtol=1e-15, atol=0)  # the planted formula
    (true,) = torch.autograd.grad(torch.tanh(x), x, upstream)
    torch.testing.assert_close(true, upstream * (1 - t**2), rtol=1e-15, atol=1e-15)  # tanh' = 1 - tanh^2
    differs = (grad - true).abs() > 1e-12
    assert differs.tolist() == (t.abs() > 1e-12).tolist()  # equal only where tanh(x) = 0 (so y = y^2 = 0)


def models(seed=0):
    """The planted model and a reference Linear -> Tanh -> Linear with the same parameters, in float64."""
    torch.manual_seed(seed)
    planted = PlantedMLP(6, 5, 3).double()
    reference = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3)).double()
    reference.load_state_dict({"0.weight": planted.hidden.weight, "0.bias": planted.hidden.bias,
                               "2.weight": planted.out.weight, "2.bias": planted.out.bias})
    return planted, reference


def test_planted_forward_flattens_and_matches_the_true_network():
    planted, reference = models()
    x = torch.randn(4, 2, 3, dtype=torch.float64)
    out = planted(x)
    assert out.shape == (4, 3)
    torch.testing.assert_close(out, reference(x.flatten(1)), rtol=0, atol=0)


def test_only_the_parameters_upstream_of_the_wrong_tanh_get_wrong_gradients():
    planted, reference = models()
    x = torch.randn(8, 6, dtype=torch.float64)
    target = torch.randn(8, 3, dtype=torch.float64)
    wrong = torch.autograd.grad(((planted(x) - target) ** 2).sum(), list(planted.parameters()))
    true = torch.autograd.grad(((reference(x) - target) ** 2).sum(), list(reference.parameters()))
    hidden_w, hidden_b, out_w, out_b = wrong
    torch.testing.assert_close(out_w, true[2], rtol=1e-14, atol=1e-14)  # downstream: correct
    torch.testing.assert_close(out_b, true[3], rtol=1e-14, atol=1e-14)
    assert (hidden_w - true[0]).abs().max() > 1e-2 and (hidden_b - true[1]).abs().max() > 1e-2
    # the chain rule with the planted derivative, by hand
    with torch.no_grad():
        y = torch.tanh(x @ planted.hidden.weight.T + planted.hidden.bias)
        g_out = 2 * (y @ planted.out.weight.T + planted.out.bias - target)
        g_pre = (g_out @ planted.out.weight) * (1 - y)
        g_pre_true = (g_out @ planted.out.weight) * (1 - y**2)
    torch.testing.assert_close(hidden_w, g_pre.T @ x, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(hidden_b, g_pre.sum(0), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(true[0], g_pre_true.T @ x, rtol=1e-12, atol=1e-12)


def test_the_wrong_gradient_disagrees_with_centered_differences():
    planted, _ = models(seed=1)
    x = torch.randn(5, 6, dtype=torch.float64)

    def loss():
        return planted(x).pow(2).sum()

    (analytic,) = torch.autograd.grad(loss(), [planted.hidden.bias])
    h = 1e-6
    numeric = torch.zeros(5, dtype=torch.float64)
    with torch.no_grad():
        for j in range(5):
            planted.hidden.bias[j] += h
            up = loss()
            planted.hidden.bias[j] -= 2 * h
            down = loss()
            planted.hidden.bias[j] += h
            numeric[j] = (up - down) / (2 * h)
    relative = (analytic - numeric).abs() / torch.maximum(analytic.abs(), numeric.abs())
    assert relative.max() > 1e-2  # "wrong" by the CS231n threshold
