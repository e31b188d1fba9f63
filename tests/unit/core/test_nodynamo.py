"""core.nodynamo: registry optimizers skip torch._dynamo's import, with torch's numbers to the last bit.

Two routes build every optimizer: "torch" (the plain torch.optim class) and "skip" (the registry's
class, with nothing compiling). They must agree bit for bit; a training job must never import
torch._dynamo; under torch.compile torch's own methods must run.
"""

import json
import os
import subprocess
import sys
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import torch
import yaml
from conftest import ROOT
from initlab.core import nodynamo, optimizers
from initlab.studies.house_prices import training as house
from initlab.studies.optimizers import training as study

CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())["optimizers"]
SCHEDULES = {"none": {}, **CONFIG["schedules"]}  # every schedule the project configures
SETTINGS = {name: CONFIG["optimizers"].get(name, {"lr": 0.001, "weight_decay": 0.01}) for name in optimizers.NAMES}
TIMING = ("seconds", "cpu_seconds")


@contextmanager
def route(monkeypatch, which):
    with monkeypatch.context() as patch:
        if which == "torch":
            patch.setattr(optimizers, "torch_class", lambda cls: getattr(torch.optim, cls))
        else:  # the skip is taken whatever this test process has imported before
            patch.setattr(nodynamo, "dynamo_route", lambda: False)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. "lr_scheduler.step() before optimizer.step()"
            yield


def fifty_steps(name, schedule):
    """Parameters, optimizer state, groups and scheduler counters after 50 steps (an epoch = 5 steps)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    opt = optimizers.optimizer_factory(name, **SETTINGS[name])(model.parameters())
    make = optimizers.schedule_factory(schedule, **SCHEDULES[schedule])
    sched = make(opt) if make else None
    start = [p.detach().clone() for p in model.parameters()]
    g = torch.Generator().manual_seed(1)
    for step in range(50):
        opt.zero_grad()
        x, y = torch.randn(32, 6, generator=g), torch.randint(0, 3, (32,), generator=g)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if sched and step % 5 == 4:
            sched.step()
    params = list(model.parameters())
    return type(opt), {
        "start": start,
        "params": [p.detach().clone() for p in params],
        "state": [dict(opt.state[p]) for p in params],
        "groups": [{k: v for k, v in group.items() if k != "params"} for group in opt.param_groups],
        "scheduler": sched and (sched.last_epoch, sched._step_count, sched.get_last_lr()),
    }


def assert_identical(a, b, where="result"):
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_identical(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    else:
        assert a == b or (a != a and b != b), where  # NaN == NaN here


@pytest.mark.parametrize("schedule", list(SCHEDULES))
@pytest.mark.parametrize("name", optimizers.NAMES)
def test_fifty_steps_are_bit_identical_through_both_routes(monkeypatch, name, schedule):
    results = {}
    for which in ("torch", "skip"):
        with route(monkeypatch, which):
            results[which] = fifty_steps(name, schedule)
    (torch_cls, plain), (skip_cls, skipped) = results["torch"], results["skip"]
    assert torch_cls is getattr(torch.optim, optimizers.REGISTRY[name].cls)
    assert skip_cls.__module__ == nodynamo.__name__ and skip_cls.__bases__ == (torch_cls,)
    assert not torch.equal(plain["params"][0], plain["start"][0])  # they trained
    assert len(plain["state"][0]) > 0 or name == "sgd"  # the state compared is there (plain SGD keeps none)
    assert_identical(plain, skipped)


def test_every_registry_class_skips_all_three_methods():
    """Fails when a torch release changes the decorators: the skip then silently costs ~1.2 CPU-s per job."""
    for name, entry in optimizers.REGISTRY.items():
        cls = getattr(torch.optim, entry.cls)
        assert nodynamo.skipped(cls) == ["add_param_group", "step", "zero_grad"], (name, torch.__version__)


def test_an_unknown_decorator_leaves_torchs_method():
    class Custom(torch.optim.SGD):
        def zero_grad(self, set_to_none=True):  # not torch's decorator: must be inherited as is
            super().zero_grad(set_to_none)

    built = nodynamo.without_dynamo(Custom)
    assert nodynamo.skipped(Custom) == ["add_param_group", "step"] and built.zero_grad is Custom.zero_grad
    assert nodynamo.without_dynamo(Custom) is built  # one class per torch class


def test_training_functions_give_the_same_record_to_the_last_bit(monkeypatch):
    g = torch.Generator().manual_seed(0)
    split = (torch.randn(200, 20, generator=g), torch.randint(0, 10, (200,), generator=g))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 5)).astype(np.float32)
    prices = np.exp(11 + 0.1 * x.sum(1, keepdims=True)).astype(np.float32)
    records = {}
    for which in ("torch", "skip"):
        with route(monkeypatch, which):
            torch.manual_seed(3)
            run = study.run(optimizer="momentum", settings={"lr": 0.05, "momentum": 0.9}, schedule="inverse_time",
                            schedule_settings={"k": 0.5}, train=split, valid=split, hidden=[16], activation="relu",
                            dropout=0.1, batch_size=25, epochs=3, batch_seed=5, device=torch.device("cpu"))
            fold = house.run_fold(features=x, labels=prices, fold=2, folds=3, model="mlp", initializer="default",
                                  mlp={"hidden": [8], "activation": "relu", "dropout": 0.0}, epochs=5, batch_size=8,
                                  target="log_price", device=torch.device("cpu"), seed=4,
                                  optimizer=house.d2l_adam(0.05, 1e-3))
        records[which] = [{k: v for k, v in record.items() if k not in TIMING} for record in (run, fold)]
    assert records["torch"][0]["lrs"] == [0.05, 0.05 / 1.5, 0.025]  # the schedule ran
    assert_identical(records["torch"], records["skip"])


def test_a_training_job_never_imports_dynamo():
    """A fresh process with a job's imports and every study's training: torch._dynamo stays out."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "workflow")}
    done = subprocess.run([sys.executable, str(ROOT / "tests/unit/core/dynamo_probe.py")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    verdict = json.loads(done.stdout.splitlines()[-1])
    assert verdict["modules"] > 30  # the job scripts' package modules were imported
    assert verdict["dynamo_in_job"] is False, f"a training job imports torch._dynamo on torch {torch.__version__}"
    assert verdict["dynamo_after_torch_adam"] is True, (
        f"torch {torch.__version__} no longer imports torch._dynamo in Optimizer.step: delete core.nodynamo "
        "(docs/development.md, 'Why optimizers skip torch._dynamo')")


def test_under_torch_compile_torchs_own_methods_run(monkeypatch):
    """Compiled, the skip route is never taken: the graph breaks of torch's step wrapper are there."""
    import torch._dynamo  # noqa: F401 -- torch.compile imports it anyway
    from torch._dynamo.utils import counters

    taken = []
    real = nodynamo.dynamo_route
    monkeypatch.setattr(nodynamo, "dynamo_route", lambda: taken.append(real()) or taken[-1])
    breaks, params = {}, {}
    for which, factory in (("torch", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
                           ("skip", optimizers.optimizer_factory("momentum", lr=0.1))):
        torch._dynamo.reset()
        counters.clear()
        torch.manual_seed(0)
        model = torch.nn.Linear(4, 2)
        opt = factory(model.parameters())

        @torch.compile(backend="eager")
        def train_step(x):
            opt.zero_grad()
            model(x).square().sum().backward()
            opt.step()

        for i in range(3):
            train_step(torch.full((3, 4), float(i)))
        breaks[which] = sum(counters["graph_break"].values())
        params[which] = [p.detach().clone() for p in model.parameters()]
    assert type(opt).__module__ == nodynamo.__name__ and taken and all(taken)  # torch's route, every call
    assert breaks["skip"] == breaks["torch"] > 0
    assert_identical(params["torch"], params["skip"])
