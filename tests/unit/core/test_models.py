"""Model classes and predict() (initlab.core.models): layer layout, activations, forward by hand, eval-mode chunks."""

import math

import pytest
import torch
from initlab.core import models
from torch import nn


def test_mlp_layout_is_linear_activation_dropout_per_hidden_size_then_output():
    net = models.MLP(6, [5, 3], 2, activation="tanh", dropout=0.25)
    layers = list(net.layers)
    assert [type(m) for m in layers] == [nn.Linear, nn.Tanh, nn.Dropout, nn.Linear, nn.Tanh, nn.Dropout, nn.Linear]
    assert [(m.in_features, m.out_features) for m in layers if isinstance(m, nn.Linear)] == [(6, 5), (5, 3), (3, 2)]
    assert all(m.p == 0.25 for m in layers if isinstance(m, nn.Dropout))


def test_mlp_without_dropout_has_no_dropout_layers_and_without_hidden_is_one_linear():
    net = models.MLP(4, [8], 3, activation="relu", dropout=0.0)
    assert [type(m) for m in net.layers] == [nn.Linear, nn.ReLU, nn.Linear]
    bare = models.MLP(4, [], 3)
    assert [type(m) for m in bare.layers] == [nn.Linear]
    assert (bare.layers[0].in_features, bare.layers[0].out_features) == (4, 3)


ACTIVATION_ORACLES = {
    "relu": lambda z: torch.clamp(z, min=0),
    "tanh": lambda z: (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z)),
    "sigmoid": lambda z: 1 / (1 + torch.exp(-z)),
    "scaled_sigmoid": lambda z: 4 / (1 + torch.exp(-z)) - 2,
}


@pytest.mark.parametrize("activation", sorted(ACTIVATION_ORACLES))
def test_forward_flattens_the_input_and_matches_the_formula(activation):
    assert set(models.ACTIVATIONS) == set(ACTIVATION_ORACLES)
    torch.manual_seed(0)
    net = models.MLP(6, [4, 3], 2, activation=activation).double()
    x = torch.randn(5, 2, 3, dtype=torch.float64)  # (batch, 2, 3) is flattened to (batch, 6)
    w1, b1, w2, b2, w3, b3 = (p.detach() for p in net.parameters())
    f = ACTIVATION_ORACLES[activation]
    expected = f(f(x.reshape(5, 6) @ w1.T + b1) @ w2.T + b2) @ w3.T + b3
    out = net(x)
    assert out.shape == (5, 2)
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)


def test_scaled_sigmoid_has_value_zero_and_slope_one_at_zero():
    x = torch.tensor([0.0, 1.0, -3.0], dtype=torch.float64, requires_grad=True)
    y = models.ScaledSigmoid()(x)
    y.sum().backward()
    assert y[0].item() == 0.0
    assert x.grad[0].item() == pytest.approx(1.0, abs=1e-15)  # 4 s(0)(1 - s(0)) = 1
    assert y[1].item() == pytest.approx(4 / (1 + math.exp(-1)) - 2, rel=1e-14)


def test_unknown_activation_is_a_key_error_listing_the_choices():
    with pytest.raises(KeyError, match="activation 'gelu': expected one of relu, tanh, sigmoid, scaled_sigmoid"):
        models.MLP(3, [2], 1, activation="gelu")


def test_linear_is_one_affine_layer():
    torch.manual_seed(1)
    net = models.Linear(3)
    x = torch.randn(4, 3)
    assert net(x).shape == (4, 1)
    torch.testing.assert_close(net(x), x @ net.fc.weight.detach().T + net.fc.bias.detach())


def test_build_by_name():
    linear = models.build("linear", in_features=7, out_features=2, hidden=(5,), activation="tanh", dropout=0.5)
    assert isinstance(linear, models.Linear) and (linear.fc.in_features, linear.fc.out_features) == (7, 2)
    mlp = models.build("mlp", in_features=7, out_features=2, hidden=(5, 4), activation="sigmoid", dropout=0.5)
    assert isinstance(mlp, models.MLP)
    assert [type(m) for m in mlp.layers] == [nn.Linear, nn.Sigmoid, nn.Dropout] * 2 + [nn.Linear]
    assert [m.out_features for m in mlp.layers if isinstance(m, nn.Linear)] == [5, 4, 2]


def test_build_rejects_unknown_names():
    with pytest.raises(KeyError, match="model 'cnn': expected 'linear' or 'mlp'"):
        models.build("cnn", in_features=3, out_features=1)
    with pytest.raises(KeyError, match="activation 'swish'"):
        models.build("mlp", in_features=3, out_features=1, hidden=(2,), activation="swish")


def dropout_net():
    torch.manual_seed(0)
    return models.MLP(5, [64], 3, activation="relu", dropout=0.5)


def test_predict_runs_in_eval_mode_and_restores_train_mode():
    net = dropout_net()
    x = torch.randn(20, 5)
    net.train()
    with torch.no_grad():
        net.eval()
        expected = net(x)  # dropout off
        net.train()
        noisy = net(x)
    assert not torch.equal(noisy, expected)  # dropout 0.5 on 64 units does change the outputs
    out = models.predict(net, x)
    assert torch.equal(out, expected) and torch.equal(models.predict(net, x), expected)
    assert net.training and all(m.training for m in net.modules())
    assert not out.requires_grad


def test_predict_leaves_an_eval_model_in_eval_mode():
    net = dropout_net().eval()
    models.predict(net, torch.randn(3, 5))
    assert not net.training and not any(m.training for m in net.modules())


def test_chunks_give_the_same_outputs_as_one_pass_and_are_batch_size_rows():
    net = dropout_net().double()
    x = torch.randn(10, 5, dtype=torch.float64)
    seen = []
    net.layers[0].register_forward_hook(lambda module, inputs, output: seen.append(len(inputs[0])))
    chunked = models.predict(net, x, batch_size=3)
    assert seen == [3, 3, 3, 1]
    whole = models.predict(net, x)
    assert seen[4:] == [10]
    assert chunked.shape == (10, 3)
    torch.testing.assert_close(chunked, whole, rtol=1e-15, atol=1e-15)
    with torch.no_grad():
        torch.testing.assert_close(whole, net.eval()(x), rtol=0, atol=0)


class Exploding(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.dropout = nn.Dropout(0.5)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        assert not self.training and not self.dropout.training  # predict switched to eval
        if self.calls == 2:
            raise RuntimeError("boom in the second chunk")
        return self.fc(x)


def test_train_mode_is_restored_when_the_forward_raises():
    net = Exploding().train()
    with pytest.raises(RuntimeError, match="boom in the second chunk"):
        models.predict(net, torch.randn(5, 2), batch_size=2)
    assert net.training and net.dropout.training


def test_predict_on_no_rows_gives_an_empty_output_of_the_right_width():
    model = nn.Linear(3, 2)
    out = models.predict(model, torch.empty(0, 3))
    assert out.shape == (0, 2)


def test_parameter_labels_count_linear_layers_not_module_indices():
    with_dropout = models.MLP(784, [256, 128], 10, "relu", 0.2)  # layers.0, .3, .6 are the Linear layers
    labels = models.parameter_labels(with_dropout)
    assert labels == {"layers.0.weight": "layer 1 weights", "layers.0.bias": "layer 1 bias",
                      "layers.3.weight": "layer 2 weights", "layers.3.bias": "layer 2 bias",
                      "layers.6.weight": "output weights", "layers.6.bias": "output bias"}
    assert set(labels) == {name for name, _ in with_dropout.named_parameters()}
    assert models.parameter_labels(models.MLP(331, [64], 1))["layers.2.weight"] == "output weights"
    assert models.parameter_labels(models.Linear(331)) == {"fc.weight": "weights", "fc.bias": "bias"}
    assert models.parameter_labels(nn.Linear(3, 1)) == {"weight": "weights", "bias": "bias"}
