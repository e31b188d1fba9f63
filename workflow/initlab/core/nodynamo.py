"""torch.optim classes whose step, zero_grad and add_param_group skip importing torch._dynamo.

Why (docs/development.md, "Why optimizers skip torch._dynamo"): torch 2.13 to 2.15 decorate every
optimizer's `step` with `_use_grad_for_differentiable`, whose first line imports torch._dynamo for a
`graph_break()` that matters only under torch.compile, and `zero_grad` and `add_param_group` with
`torch._disable_dynamo`, which imports it on the first call (pytorch/pytorch#162595 made
`import torch` lazy about Dynamo, not these). The import costs a training job about 1.2 CPU-s.

`without_dynamo(cls)` is a subclass of `cls` whose three methods call the undecorated functions that
`functools.wraps` keeps as `__wrapped__` (step under `set_grad_enabled(differentiable)`, as torch's
wrapper does) while nothing compiles: not while tracing, and never once torch._dynamo is loaded,
whoever loaded it. Then torch's own decorated methods run. It fails safe: a method whose decorator
is not the one named here (a torch release that changed them) is left as torch's own, and
tests/unit/core/test_nodynamo.py fails so that someone notices the lost time.
"""

import functools
import importlib
import sys

# torch is imported inside the functions: plotting jobs import core.optimizers, which imports this
# module, for names and colours only, and should not pay torch's import.

# method -> (module, function name) of the torch decorator layer that is skipped
_DECORATORS = {
    "step": ("torch.optim.optimizer", "_use_grad"),  # _use_grad_for_differentiable
    "zero_grad": ("torch._compile", "inner"),  # torch._disable_dynamo
    "add_param_group": ("torch._compile", "inner"),
}
_CLASSES = {}  # torch class -> its subclass, built once per process


def dynamo_route():
    """Whether torch's own (decorated) methods must run: while compiling, or once torch._dynamo is loaded."""
    import torch

    # is_compiling() first: Dynamo, tracing this, reads it as True and never looks at sys.modules
    return torch.compiler.is_compiling() or "torch._dynamo" in sys.modules


def without_dynamo(cls):
    """A subclass of the torch.optim class `cls`, with the same name, that skips the Dynamo import.

    Methods whose torch decorator is not the expected one are inherited unchanged; `cls` itself is
    returned when that is all three. Results are bit-identical to `cls` (tests/unit/core/test_nodynamo.py).
    """
    if cls not in _CLASSES:
        methods = {name: _skipping(name, decorated) for name in _DECORATORS
                   if (decorated := _decorated(cls, name)) is not None}
        _CLASSES[cls] = type(cls.__name__, (cls,), {**methods, "__module__": __name__}) if methods else cls
    return _CLASSES[cls]


def skipped(cls):
    """The method names that `without_dynamo(cls)` overrides (empty if torch's decorators changed)."""
    return sorted(name for name in _DECORATORS if _decorated(cls, name) is not None)


def _decorated(cls, name):
    """torch's decorated function behind `cls.<name>`, or None if it is not the known decorator."""
    method = getattr(cls, name)
    if getattr(method, "hooked", False):  # Optimizer._patch_step_function's profiler hook around step
        method = getattr(method, "__wrapped__", None)  # (it is applied again to the subclass)
    module, function = _DECORATORS[name]
    code = getattr(method, "__code__", None)
    file = importlib.import_module(module).__file__
    known = code is not None and (code.co_name, code.co_filename) == (function, file)
    return method if known and callable(getattr(method, "__wrapped__", None)) else None


def _skipping(name, decorated):
    import torch

    undecorated = decorated.__wrapped__

    if name == "step":
        @functools.wraps(undecorated)
        def method(self, *args, **kwargs):
            if dynamo_route():
                return decorated(self, *args, **kwargs)
            previous = torch.is_grad_enabled()
            try:
                torch.set_grad_enabled(self.defaults["differentiable"])
                return undecorated(self, *args, **kwargs)
            finally:
                torch.set_grad_enabled(previous)
    else:
        @functools.wraps(undecorated)
        def method(self, *args, **kwargs):
            return (decorated if dynamo_route() else undecorated)(self, *args, **kwargs)

    return method
