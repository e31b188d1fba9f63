"""Per-layer statistics of a deep MLP at initialization, for one activation and every initializer."""

import time

import numpy as np
import pandas as pd
import torch
from initlab.infra import atomic, runtime
from initlab.infra.joblog import job_log
from initlab.studies.stability import measures
from initlab.studies.stability.summary import depth_summary

with job_log(snakemake.log[0]) as log:
    p, activation = snakemake.params.settings, snakemake.wildcards.activation
    start = time.perf_counter()
    device = runtime.configure(threads=snakemake.threads, seed=runtime.derive_seed("stability", activation),
                               **p["placement"])
    with np.load(snakemake.input.valid) as data:  # the first batch_size validation images: (batch, 784)
        inputs = torch.from_numpy(data["x"][: p["batch_size"]])
        labels = torch.from_numpy(data["y"][: p["batch_size"]])
    tables = []
    for name in p["initializers"]:
        seed = runtime.derive_seed("stability", "depth", name, activation)
        table = measures.layer_statistics(inputs=inputs, labels=labels, initializer=name, activation=activation,
                                          depth=p["depth"], width=p["width"], seed=seed, device=device)
        tables.append(table.assign(initializer=name, activation=activation))
    table = pd.concat(tables, ignore_index=True)
    summary = depth_summary(table)
    log.info("summary:\n%s", summary.to_string())
    atomic.write_csv(snakemake.output.table, table)
    seconds = time.perf_counter() - start
    atomic.write_json(snakemake.output.result, dict(activation=activation, seconds=seconds, device=str(device),
                                                    diverged=bool((summary.forward == "non-finite").any()),
                                                    provenance=runtime.provenance(device)))
