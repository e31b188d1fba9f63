import time

import numpy as np
import pandas as pd
from initlab.infra import runtime
from initlab.infra.atomic import write_csv, write_json
from initlab.infra.joblog import job_log
from initlab.studies.gradient_check import checker
from initlab.studies.gradient_check.subjects import check_subject

with job_log(snakemake.log[0]) as log:
    start, params = time.perf_counter(), snakemake.params.settings
    seed = runtime.derive_seed("gradient_check", snakemake.wildcards.model, params["seed"])
    # float64 checks on tiny batches: CPU by design (see README), whatever config["device"] says
    device = runtime.configure(threads=snakemake.threads, seed=seed, device="cpu")
    results, info = check_subject(
        params["spec"], np.load(snakemake.input.data), seed=seed, h=params["h"], entries=params["entries"],
        batch_size=params["batch_size"], warmup_steps=params["warmup_steps"], warmup_lr=params["warmup_lr"],
        weight_decay=params["weight_decay"], noise_factor=params["noise_factor"],
    )
    entries = pd.DataFrame(checker.as_rows(results)).assign(model=snakemake.wildcards.model)
    entries["label"] = entries["parameter"].map(info["labels"])  # 'layer 2 weights' for a page, not 'layers.3.weight'
    write_csv(snakemake.output.entries, entries)
    summary = [dict(row, label=info["labels"][row["parameter"]]) for row in checker.summarize(results)]
    for row in summary:
        log.info("%(term)s %(parameter)s: max rel error %(max_rel_error).3g, kinks %(kinks)d, %(verdict)s", row)
    info.update(model=snakemake.wildcards.model, seed=seed, device=str(device), summary=summary,
                seconds=time.perf_counter() - start)
    write_json(snakemake.output.result, info)
