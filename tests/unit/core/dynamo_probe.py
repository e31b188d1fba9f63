"""Run as a fresh process by test_nodynamo.py: a training job's imports and training, then its Dynamo verdict.

Imports every package module that any job script imports (found statically by infra.codedeps, so the
list follows the scripts) and the modules of Snakemake's script preamble, trains a few steps through
every study's training function, and prints one JSON line: whether torch._dynamo was imported, then
whether a plain torch.optim.Adam step imports it (the canary: once torch stops doing that, the skip
in core.nodynamo can go, docs/development.md "Why optimizers skip torch._dynamo").
"""

import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "workflow" / "initlab"


def import_job_modules():
    from initlab.infra.codedeps import module_files

    importlib.import_module("snakemake.script")  # what the preamble of a `script:` job imports
    names = set()
    for script in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        for path in module_files(str(script), str(PACKAGE)):
            parts = Path(path).relative_to(PACKAGE.parent).with_suffix("").parts
            names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    for name in sorted(names):
        importlib.import_module(name)
    return len(names)


def train_every_study():
    import numpy as np
    import torch
    from initlab.infra import runtime
    from initlab.studies.gradient_check import sanity, subjects
    from initlab.studies.house_prices import training as house
    from initlab.studies.initializers import training as initializers
    from initlab.studies.linear_regression import fit
    from initlab.studies.optimizers import training as optimizers
    from initlab.studies.search import trials

    cpu = runtime.configure(threads=1, seed=0)
    g = torch.Generator().manual_seed(0)
    split = (torch.randn(60, 784, generator=g), torch.randint(0, 10, (60,), generator=g))
    mlp = dict(hidden=[8], activation="relu", dropout=0.0, batch_size=20, epochs=2, batch_seed=1, device=cpu)
    optimizers.run(optimizer="sgd", settings={"lr": 0.1}, schedule="step",
                   schedule_settings={"step_size": 1, "gamma": 0.5}, train=split, valid=split, **mlp)
    initializers.run(initializer="normal", train=split, valid=split, test=split, lr=0.01, **mlp)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 5)).astype(np.float32)
    prices = np.exp(11 + 0.1 * x.sum(1, keepdims=True)).astype(np.float32)
    house.run_fold(features=x, labels=prices, fold=1, folds=4, model="mlp", initializer="default",
                   mlp={"hidden": [4], "activation": "relu", "dropout": 0.0}, epochs=2, batch_size=8,
                   target="log_price", device=cpu, seed=0, optimizer=house.d2l_adam(0.01, 0.0))
    settings = {"folds": 2, "epochs": 2, "model": "linear", "activation": "relu", "dropout": 0.0,
                "initializer": "default", "target": "log_price", "batch_size": 8, "optimizer": "adam",
                "schedule": {"name": "exponential", "gamma": 0.9}, "clip": None, "start_at_mean": True}
    trials.run_trial(trial={"trial": "t", "lr": 0.01, "weight_decay": 1e-4}, features=x, labels=prices,
                     settings=settings, device=cpu)
    model = torch.nn.Sequential(torch.nn.Linear(784, 10))
    batches = [(split[0][:20], split[1][:20]), (split[0][20:40], split[1][20:40])]
    subjects.warm_up(model, torch.nn.functional.cross_entropy, batches, lr=0.01)
    sanity.overfit_small_subset(model, *batches[0], steps=3, lr=0.01, max_loss=1.0)
    fit.train_concise(torch.randn(20, 2, generator=g), torch.randn(20, 1, generator=g), lr=0.03, batch_size=10,
                      epochs=1, generator=g)


def main():
    modules = import_job_modules()
    train_every_study()
    verdict = {"modules": modules, "dynamo_in_job": "torch._dynamo" in sys.modules}
    import torch

    x = torch.zeros(2, requires_grad=True)
    x.sum().backward()
    torch.optim.Adam([x]).step()
    verdict["dynamo_after_torch_adam"] = "torch._dynamo" in sys.modules
    print(json.dumps(verdict))


if __name__ == "__main__":
    main()
