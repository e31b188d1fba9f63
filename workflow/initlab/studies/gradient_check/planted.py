"""A deliberately wrong backward pass, planted so the gradient check must flag it."""

import torch
from torch import nn


class WrongTanh(torch.autograd.Function):
    """tanh whose backward forgets to square: it returns grad * (1 - y) instead of grad * (1 - y**2).

    The forward is exact, so losses look normal; only a gradient check reveals the bug, and only
    for parameters upstream of it (the output layer's gradient stays correct).
    """

    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y)  # the planted bug: should be (1 - y * y)


class PlantedMLP(nn.Module):
    """Linear -> WrongTanh -> Linear: (batch, ...) -> (batch, out_features)."""

    def __init__(self, in_features, hidden, out_features):
        super().__init__()
        self.hidden = nn.Linear(in_features, hidden)
        self.out = nn.Linear(hidden, out_features)

    def forward(self, x):
        return self.out(WrongTanh.apply(self.hidden(x.flatten(1))))
