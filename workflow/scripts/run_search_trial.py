import numpy as np
from initlab.infra import runtime
from initlab.infra.atomic import write_json
from initlab.infra.joblog import job_log
from initlab.studies.search import trials

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    device = runtime.configure(threads=snakemake.threads, seed=runtime.derive_seed("search", p["trial"]["trial"]),
                               **p["placement"])
    data = np.load(snakemake.input.features)
    record = trials.run_trial(trial=p["trial"], features=data["train_features"], labels=data["train_labels"],
                              settings=p["settings"], device=device, trainable=data["train_trainable"])
    log.info("%s: %s -> mean valid log-RMSE %.4f (folds %s), diverged %s, %.1f s on %s", p["trial"]["trial"], p["trial"],
             record["valid_log_rmse"], record["fold_valid_log_rmse"], record["diverged"], record["seconds"],
             record["device"])
    record["provenance"] = runtime.provenance(device)
    write_json(snakemake.output.result, record)
