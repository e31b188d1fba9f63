import json

import numpy as np
from initlab.infra import runtime
from initlab.infra.atomic import atomic_path, write_json
from initlab.infra.joblog import job_log
from initlab.studies.house_prices import submission
from initlab.studies.search import trials

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    best = json.loads(open(snakemake.input.summary).read())
    trial = {"trial": best["best_trial"], **best["params"]}
    seed = runtime.derive_seed("search", "final")
    device = runtime.configure(threads=snakemake.threads, seed=seed, **p["placement"])
    data = np.load(snakemake.input.features)
    fit, prices = trials.fit_best(trial=trial, features=data["train_features"], labels=data["train_labels"],
                                  test_features=data["test_features"], settings=p["settings"], device=device,
                                  seed=seed, trainable=data["train_trainable"])
    fit.update(cv_valid_log_rmse=best["valid_log_rmse"], cv_valid_std=best["valid_std"],
               baseline_log_rmse=best["baseline_log_rmse"], edge_warnings=best["edge_warnings"])
    with atomic_path(snakemake.output.submission) as tmp:
        submission.build(data["test_ids"], prices).to_csv(tmp, index=False)
        fit["rows"] = submission.validate(tmp)  # Kaggle's format: header, one positive price per test Id
    fit["provenance"] = runtime.provenance(device)
    write_json(snakemake.output.fit, fit)
    log.info("final fit of %s: train log-RMSE %.4f, diverged %s", trial, fit["train_log_rmse"], fit["diverged"])
