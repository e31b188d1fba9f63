"""Kink detection for gradient checks: on which side of each ReLU/max-style kink the inputs lie.

The CS231n notes: track the identity of the winner in every max-like operation while computing
f(x+h) and f(x-h); if any winner changed, a kink was crossed and the numeric gradient is not
to be trusted there. KinkRecorder does this for functional code and modules alike (nn.ReLU
calls F.relu, which dispatches through torch function modes).
"""

import torch
from torch.overrides import TorchFunctionMode

# default bounds of the clamp-like activations
BOUNDS = {"hardtanh": (-1.0, 1.0), "hardtanh_": (-1.0, 1.0), "relu6": (0.0, 6.0)}


def _arg(args, kwargs, index, name, default=None):
    return args[index] if len(args) > index else kwargs.get(name, default)


def _branch(name, args, kwargs):
    """Which side of each kink the inputs of one call lie on, or None for a smooth call."""
    x = args[0] if args else None
    if not isinstance(x, torch.Tensor):
        return None
    x = x.detach()
    if name in ("relu", "relu_", "leaky_relu", "leaky_relu_", "abs", "abs_", "sign"):
        return (torch.sign(x),)
    if name in ("clamp", "clamp_", "clip", "clip_", "hardtanh", "hardtanh_", "relu6"):
        low, high = BOUNDS.get(name, (None, None))
        low = _arg(args, kwargs, 1, "min", _arg(args, kwargs, 1, "min_val", low))
        high = _arg(args, kwargs, 2, "max", _arg(args, kwargs, 2, "max_val", high))
        return tuple(torch.sign(x - bound) for bound in (low, high) if bound is not None)
    if name in ("maximum", "minimum", "fmax", "fmin") or (
        name in ("max", "min") and isinstance(_arg(args, kwargs, 1, "other"), torch.Tensor)
    ):
        return (torch.sign(x - _arg(args, kwargs, 1, "other").detach()),)
    if name in ("max", "min", "amax", "amin", "max_pool1d", "max_pool2d", "max_pool3d"):
        if name.startswith("max_pool"):
            return None  # pooling windows are not tracked; see the module docstring of callers
        dim = _arg(args, kwargs, 1, "dim")
        pick = torch.argmax if name in ("max", "amax") else torch.argmin
        return (pick(x) if dim is None or isinstance(dim, (tuple, list)) else pick(x, dim=dim),)
    return None


class KinkRecorder(TorchFunctionMode):
    """Records the branch pattern of every ReLU/clamp/abs/max-style call made while active.

    Works for modules (nn.ReLU calls F.relu) and functional code alike. Max-pooling is not
    tracked: none of this project's models uses it.
    """

    def __init__(self):
        super().__init__()
        self.patterns = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        pattern = _branch(getattr(func, "__name__", ""), args, kwargs)
        if pattern is not None:
            self.patterns.append(pattern)
        return func(*args, **kwargs)


def same_side(first, second):
    """Whether two recordings (lists of patterns) saw every kink on the same side."""
    if len(first) != len(second):
        return False
    return all(
        len(a) == len(b) and all(u.shape == v.shape and torch.equal(u, v) for u, v in zip(a, b))
        for a, b in zip(first, second)
    )
