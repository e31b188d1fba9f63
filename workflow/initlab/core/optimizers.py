"""The optimizer and learning-rate schedule registries every training loop uses (CS231n lecture 7 notes).

One name per method: the same string is the config key, the Snakemake wildcard, the legend
label and the key of its colour. Every entry is a torch.optim class with the flags that make it
the method of the notes; no update rule is written by hand here.

torch's SGD momentum keeps b = mu b + g and steps x -= lr b; with a constant lr this is the notes'
v = mu v - lr g, x += v with v = -lr b. Nesterov steps x -= lr (g + mu b_new), which equals the
notes' "actual implementation" x += -mu v_prev + (1 + mu) v. Adam adds bias correction to the
notes' simplified form; Adagrad and RMSprop add eps outside the square root, as the notes do.

Schedules change the learning rate once per epoch (t counts finished epochs, from 0):
  none          lr_t = lr0
  step          lr_t = lr0 * gamma ** floor(t / step_size)      (StepLR)
  exponential   lr_t = lr0 * gamma ** t = lr0 * exp(-k t), gamma = exp(-k)   (ExponentialLR)
  inverse_time  lr_t = lr0 / (1 + k t)                           (LambdaLR)
"""

from dataclasses import dataclass, field

# torch is imported where an optimizer or scheduler is built, not here: the plotting and summary
# jobs read this registry's names and colours and should not pay torch's import.


@dataclass(frozen=True)
class Optimizer:
    cls: str  # the torch.optim class
    flags: dict = field(default_factory=dict)  # defaults that make the torch class this method
    colour: str = "#7f7f7f"
    formula: str = ""


REGISTRY = {
    "sgd": Optimizer("SGD", {}, "#7f7f7f", "x -= lr g"),
    "momentum": Optimizer("SGD", {"momentum": 0.9}, "#1f77b4", "v = mu v - lr g; x += v"),
    "nesterov": Optimizer("SGD", {"momentum": 0.9, "nesterov": True}, "#17becf",
                          "v = mu v - lr g(x + mu v); x += v"),
    "adagrad": Optimizer("Adagrad", {}, "#2ca02c", "c += g^2; x -= lr g / (sqrt(c) + eps)"),
    "rmsprop": Optimizer("RMSprop", {"alpha": 0.99}, "#ff7f0e",
                         "c = a c + (1-a) g^2; x -= lr g / (sqrt(c) + eps)"),
    "adam": Optimizer("Adam", {}, "#d62728", "m, v moving averages of g, g^2; x -= lr m / (sqrt(v) + eps)"),
    "adamw": Optimizer("AdamW", {}, "#8c564b", "adam, with weight decay applied to x directly (decoupled)"),
}
NAMES = tuple(REGISTRY)

# name -> (required keyword arguments, builder(optimizer, **kwargs) -> torch LR scheduler or None)
SCHEDULES = {
    "none": ((), None),
    "step": (("step_size", "gamma"), lambda opt, step_size, gamma: _scheduler("StepLR", opt, step_size, gamma)),
    "exponential": (("gamma",), lambda opt, gamma: _scheduler("ExponentialLR", opt, gamma)),
    "inverse_time": (("k",), lambda opt, k: _scheduler("LambdaLR", opt, lambda t: 1.0 / (1.0 + k * t))),
}
SCHEDULE_NAMES = tuple(SCHEDULES)
SCHEDULE_STYLES = {"none": "-", "step": "--", "exponential": "-.", "inverse_time": ":"}
SCHEDULE_COLOURS = {"none": "#7f7f7f", "step": "#9467bd", "exponential": "#e377c2", "inverse_time": "#bcbd22"}


def _scheduler(name, *args):
    from torch.optim import lr_scheduler  # wraps optimizer.step with its own counter, whichever class

    return getattr(lr_scheduler, name)(*args)


def colour(name):
    """Plot colour of optimizer `name`."""
    return _entry(name).colour


def _entry(name):
    if name not in REGISTRY:
        raise KeyError(f"optimizer {name!r}: expected one of {', '.join(NAMES)}")
    return REGISTRY[name]


def optimizer_factory(name, **settings):
    """A factory (params, **overrides) -> torch optimizer for the method `name`.

    `settings` (lr, weight_decay, momentum, fused, ...) override the method's flags, and call-time
    `overrides` override both, so the factory fits both training loops: classify.train_classifier
    calls factory(params, lr=lr), regression.fit calls factory(params).
    `decay_biases=False` puts 1-d parameters (biases) in a group with weight_decay 0: weight decay
    then shrinks only weights, as in ridge regression, and not the intercept (log prices are ~12).
    Unknown keywords fail when the factory is called, with torch's message naming the keyword.
    The optimizer is the torch class through core.nodynamo.without_dynamo: same numbers, no
    torch._dynamo import in a process that never compiles.
    """
    entry = _entry(name)

    def factory(params, **overrides):
        merged = {**entry.flags, **settings, **overrides}
        if merged.pop("decay_biases", True) is False:
            params = _bias_groups(params)
        return torch_class(entry.cls)(params, **merged)

    factory.method = name  # for logs and tests
    return factory


def torch_class(cls):
    """The torch.optim class named `cls`, as every optimizer here is built (core.nodynamo)."""
    import torch

    from initlab.core.nodynamo import without_dynamo

    return without_dynamo(getattr(torch.optim, cls))


def _bias_groups(params):
    params = list(params)
    if params and isinstance(params[0], dict):
        raise ValueError("decay_biases=False needs a plain iterable of parameters, not parameter groups")
    return [{"params": [p for p in params if p.ndim > 1]},
            {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0}]


def schedule_factory(name, **settings):
    """None for 'none', else a factory optimizer -> torch LR scheduler, stepped once per epoch.

    `settings` must be exactly the schedule's keyword arguments (see SCHEDULES); a missing or
    unexpected one raises ValueError naming the schedule and what it expects.
    """
    if name not in SCHEDULES:
        raise KeyError(f"schedule {name!r}: expected one of {', '.join(SCHEDULE_NAMES)}")
    required, build = SCHEDULES[name]
    missing = [key for key in required if key not in settings]
    extra = [key for key in settings if key not in required]
    if missing or extra:
        raise ValueError(
            f"schedule {name!r}: expects settings {list(required)}; missing {missing}, unexpected {extra}"
        )
    if build is None:
        return None

    def factory(optimizer):
        return build(optimizer, **settings)

    return factory


def schedule_lrs(name, *, lr, epochs, **settings):
    """The learning rate at the start of each of `epochs` epochs, read from the torch scheduler itself.

    Uses a throwaway SGD over one parameter, so it shows exactly what a training loop would use.
    """
    import torch

    opt = torch_class("SGD")([torch.zeros(1, requires_grad=True)], lr=lr)
    make = schedule_factory(name, **settings)
    sched = make(opt) if make is not None else None
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()  # the scheduler warns when stepped before its optimizer
        if sched is not None:
            sched.step()
    return lrs
