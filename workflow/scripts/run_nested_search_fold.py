import numpy as np
from initlab.infra import runtime
from initlab.infra.atomic import write_json
from initlab.infra.joblog import job_log
from initlab.studies.search import nested

with job_log(snakemake.log[0]) as log:
    p, fold = snakemake.params.settings, int(snakemake.wildcards.fold)
    device = runtime.configure(threads=snakemake.threads, seed=runtime.derive_seed("search", "outer", fold),
                               **p["placement"])
    data = np.load(snakemake.input.features)
    record = nested.run_outer_fold(features=data["train_features"], labels=data["train_labels"],
                                   trainable=data["train_trainable"], fold=fold, folds=p["folds"], models=p["searches"],
                                   fine=p["fine"], seed=p["seed"], device=device)
    for name, search in record["searches"].items():
        log.info("%s: inner search picked %s (inner log-RMSE %.4f), outer %.4f", name, search["picked"],
                 search["inner_log_rmse"], record["model_outer_log_rmse"][name])
    log.info("outer fold %d: inner %.4f, outer %.4f; %.1f s (%.1f CPU s) on %s", fold, record["inner_log_rmse"],
             record["outer_log_rmse"], record["seconds"], record["cpu_seconds"], record["device"])
    record["provenance"] = runtime.provenance(device)
    write_json(snakemake.output.result, record)
