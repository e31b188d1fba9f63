import numpy as np
from initlab.infra import runtime
from initlab.infra.atomic import atomic_path, write_json
from initlab.infra.joblog import job_log
from initlab.studies.house_prices import submission, training

with job_log(snakemake.log[0]) as log:
    p, w = snakemake.params.settings, snakemake.wildcards
    seed = runtime.derive_seed("house_prices", w.model, w.initializer, "final")
    device = runtime.configure(threads=snakemake.threads, seed=seed, **p["placement"])
    data = np.load(snakemake.input.features)
    summary, prices = training.fit_final(
        features=data["train_features"], labels=data["train_labels"], test_features=data["test_features"],
        model=w.model, initializer=w.initializer, mlp=p["mlp"], epochs=p["epochs"], batch_size=p["batch_size"],
        optimizer=training.d2l_adam(p["lr"], p["weight_decay"]), target=p["target"], device=device, seed=seed,
    )
    with atomic_path(snakemake.output.predictions) as tmp:
        submission.build(data["test_ids"], prices).to_csv(tmp, index=False)
    summary["provenance"] = runtime.provenance(device)
    write_json(snakemake.output.fit, summary)
    log.info("final fit: train %.4f diverged=%s in %.2f s", summary["train_log_rmse"], summary["diverged"],
             summary["seconds"])
