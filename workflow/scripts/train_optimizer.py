from initlab.data import fashion
from initlab.infra import runtime
from initlab.infra.atomic import write_json
from initlab.infra.joblog import job_log
from initlab.studies.optimizers import training

with job_log(snakemake.log[0]) as log:
    p, w = snakemake.params.settings, snakemake.wildcards
    train = fashion.load_split(snakemake.input.train, p["train_samples"])
    valid = fashion.load_split(snakemake.input.valid)
    for seed, path in zip(p["seeds"], snakemake.output.runs, strict=True):
        # initial weights and batch order depend on the seed only: the runs of one seed start from the
        # same weights and see the same batches, so they differ only by optimizer and schedule (paired)
        device = runtime.configure(
            threads=snakemake.threads, seed=runtime.derive_seed("optimizers", "weights", seed), **p["placement"]
        )
        record = training.run(
            optimizer=w.optimizer,
            settings=p["settings"],
            schedule=w.schedule,
            schedule_settings=p["schedule_settings"],
            train=train,
            valid=valid,
            batch_seed=runtime.derive_seed("optimizers", "batches", seed),
            device=device,
            **p["mlp_run"],
        )
        record.update(seed=seed, provenance=runtime.provenance(device))
        log.info(
            "%s + %s seed %d: valid accuracy per epoch %s, diverged %s, %.1f s on %s", w.optimizer, w.schedule,
            seed, record["valid_accuracy"], record["diverged"], record["seconds"], record["device"],
        )
        write_json(path, record)
