"""Model classes (d2l's linear regressor, a configurable MLP) and the one way to run a model for outputs."""

import torch
from torch import nn


class ScaledSigmoid(nn.Module):
    """4 * sigmoid(x) - 2: slope 1 and value 0 at x = 0, like tanh and ReLU near zero."""

    def forward(self, x):
        return 4 * torch.sigmoid(x) - 2


ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "scaled_sigmoid": ScaledSigmoid}


class Linear(nn.Module):
    """One affine layer, as in the d2l house prices baseline: (batch, in) -> (batch, out)."""

    def __init__(self, in_features, out_features=1):
        super().__init__()
        self.fc = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.fc(x)


class MLP(nn.Module):
    """Linear -> activation -> dropout for each hidden size, then a linear output layer.

    Inputs of any shape (batch, ...) are flattened to (batch, in_features).
    """

    def __init__(self, in_features, hidden, out_features, activation="relu", dropout=0.0):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise KeyError(f"activation {activation!r}: expected one of {', '.join(ACTIVATIONS)}")
        sizes = [in_features, *hidden]
        layers = []
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            layers += [nn.Linear(fan_in, fan_out), ACTIVATIONS[activation]()]
            if dropout:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(sizes[-1], out_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x.flatten(1))


def parameter_labels(model):
    """{parameter name: words} for the nn.Linear layers of `model` in order: 'layers.3.weight' of an MLP with
    dropout reads 'layer 2 weights', the last layer 'output weights'; a single layer 'weights' and 'bias'."""
    linears = [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]
    labels = {}
    for i, name in enumerate(linears, 1):
        layer = "" if len(linears) == 1 else "output " if i == len(linears) else f"layer {i} "
        prefix = f"{name}." if name else ""
        labels.update({f"{prefix}weight": f"{layer}weights", f"{prefix}bias": f"{layer}bias"})
    return labels


def build(name, *, in_features, out_features, hidden=(), activation="relu", dropout=0.0):
    """Model by config name: 'linear' or 'mlp'."""
    if name == "linear":
        return Linear(in_features, out_features)
    if name == "mlp":
        return MLP(in_features, list(hidden), out_features, activation, dropout)
    raise KeyError(f"model {name!r}: expected 'linear' or 'mlp'")


@torch.no_grad()
def predict(model, x, batch_size=4096):
    """Model outputs (n, out) for x (n, ...) in eval mode (dropout off), `batch_size` rows at a time.

    Rows are moved to the model's device chunk by chunk; outputs stay there. The model's
    train/eval mode is restored afterwards, also when the forward pass raises.
    """
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        # no rows still runs the model once, on an empty batch, for an (0, out) result
        chunks = [model(x[i:i + batch_size].to(device)) for i in range(0, max(len(x), 1), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(chunks)
