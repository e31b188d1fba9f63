from initlab.data import fashion
from initlab.infra import runtime
from initlab.infra.atomic import write_json
from initlab.infra.joblog import job_log
from initlab.studies.initializers import training

with job_log(snakemake.log[0]) as log:
    p, name = snakemake.params.settings, snakemake.wildcards.initializer
    train = fashion.load_split(snakemake.input.train, p["train_samples"])
    valid = fashion.load_split(snakemake.input.valid)
    test = fashion.load_split(snakemake.input.test)
    for seed, path in zip(p["seeds"], snakemake.output.runs, strict=True):
        # weights and dropout masks: per (initializer, seed); batch order: per seed only, shared by all
        # initializers, so the comparison at one seed is paired. Seeded per run, as a job of its own would be.
        device = runtime.configure(
            threads=snakemake.threads, seed=runtime.derive_seed("initializers", name, seed), **p["placement"]
        )
        record = training.run(
            initializer=name,
            train=train,
            valid=valid,
            test=test,
            lr=p["lr"],
            batch_seed=runtime.derive_seed("initializers", "batches", seed),
            device=device,
            **p["mlp_run"],
        )
        record.update(seed=seed, provenance=runtime.provenance(device))
        log.info(
            "%s seed %d: valid %.4f test %.4f final loss %s diverged %s in %.1f s on %s",
            name, seed, record["valid_accuracy"], record["test_accuracy"], record["final_loss"],
            record["diverged"], record["seconds"], record["device"],
        )
        write_json(path, record)
