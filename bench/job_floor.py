"""One training job's fixed cost, as a fresh process (bench_reproduction.py runs it, routes alternated).

    python bench/job_floor.py torch|registry

Imports what a train_fold job imports (Snakemake's script preamble modules, numpy, the package), builds
the house MLP (331 -> 64 -> 1, the config's) and takes 20 Adam steps on one batch of 64 rows, then
prints the final loss's bits. `torch`: the optimizer is the plain torch.optim class (the registry before
core.nodynamo), whose first step imports torch._dynamo; `registry`: the registry's own class.
"""

import sys
from pathlib import Path

import snakemake.iocontainers  # noqa: F401  (the preamble of every `script:` job)
import snakemake.logging  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from initlab.core import optimizers  # noqa: E402
from initlab.infra import runtime  # noqa: E402
from initlab.infra.atomic import write_json  # noqa: E402, F401
from initlab.infra.joblog import job_log  # noqa: E402, F401
from initlab.studies.house_prices import training  # noqa: E402


def main(route):
    if route == "torch":
        optimizers.torch_class = lambda cls: getattr(torch.optim, cls)
    elif route != "registry":
        sys.exit(f"route {route!r}: expected torch or registry")
    runtime.configure(threads=1, seed=0)
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.standard_normal((64, 331)), dtype=torch.float32)
    y = torch.as_tensor(rng.standard_normal((64, 1)), dtype=torch.float32)
    net = training.build_model(model="mlp", initializer="default", in_features=331,
                               mlp={"hidden": [64], "activation": "relu", "dropout": 0.0})
    opt = training.d2l_adam(0.01, 0.0)(net.parameters())
    for _ in range(20):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
    print(f"{type(opt).__module__} loss={loss.item().hex()} dynamo={int('torch._dynamo' in sys.modules)}")


if __name__ == "__main__":
    main(sys.argv[1])
