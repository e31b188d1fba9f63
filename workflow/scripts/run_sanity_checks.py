import time

import numpy as np
import pandas as pd
import torch
from initlab.infra import runtime
from initlab.infra.atomic import write_csv, write_json
from initlab.infra.joblog import job_log
from initlab.studies.gradient_check import sanity
from initlab.studies.gradient_check.subjects import build

with job_log(snakemake.log[0]) as log:
    start, p = time.perf_counter(), snakemake.params.settings
    seed = runtime.derive_seed("sanity_checks", p["seed"])
    device = runtime.configure(threads=snakemake.threads, seed=seed, device="cpu")  # tiny: CPU by design
    arrays = np.load(snakemake.input.data)
    rows = np.random.default_rng(seed).permutation(len(arrays["y"]))[: p["examples"]]
    x, y = torch.as_tensor(arrays["x"][rows]), torch.as_tensor(arrays["y"][rows])  # (examples, 784), (examples,)
    model = build(p["spec"], in_features=x.shape[1], out_features=10, dtype=torch.float32)
    fresh = build(p["spec"], in_features=x.shape[1], out_features=10, dtype=torch.float32)  # default init
    checks = [
        sanity.initial_loss(sanity.small_init(model, p["init_std"]), x, y, classes=10, tolerance=p["tolerance"]),
        sanity.regularization_raises_loss(model, x, y, weight_decays=p["weight_decays"]),
        sanity.overfit_small_subset(fresh, x[: p["overfit_examples"]], y[: p["overfit_examples"]],
                                    steps=p["overfit_steps"], lr=p["overfit_lr"], max_loss=p["overfit_max_loss"]),
    ]
    for check in checks:
        (log.info if check["passed"] else log.warning)("%(check)s passed=%(passed)s value=%(value)s: %(detail)s", check)
    write_csv(snakemake.output.summary, pd.DataFrame(checks))
    write_json(snakemake.output.result, dict(checks=checks, seed=seed, device=str(device),
                                             seconds=time.perf_counter() - start))
