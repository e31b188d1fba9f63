import numpy as np
from initlab.infra import runtime
from initlab.infra.atomic import write_json
from initlab.infra.joblog import job_log
from initlab.studies.house_prices import training

with job_log(snakemake.log[0]) as log:
    p, w = snakemake.params.settings, snakemake.wildcards
    seed = runtime.derive_seed("house_prices", w.model, w.initializer, w.fold)
    device = runtime.configure(threads=snakemake.threads, seed=seed, **p["placement"])
    data = np.load(snakemake.input.features)
    result = training.run_fold(
        features=data["train_features"], labels=data["train_labels"], fold=int(w.fold), folds=p["folds"],
        model=w.model, initializer=w.initializer, mlp=p["mlp"], epochs=p["epochs"], batch_size=p["batch_size"],
        optimizer=training.d2l_adam(p["lr"], p["weight_decay"]), target=p["target"], device=device, seed=seed,
    )
    result["provenance"] = runtime.provenance(device)
    write_json(snakemake.output.result, result)
    log.info("fold %s: train %.4f valid %.4f diverged=%s in %.2f s",
             w.fold, result["train_log_rmse"], result["valid_log_rmse"], result["diverged"], result["seconds"])
