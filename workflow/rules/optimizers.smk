# Optimizer study (CS231n notes): the Fashion-MNIST MLP trained by each optimizer with its
# own learning rate (constant), and the optimizers in `scheduled` also under each learning-rate
# schedule; one job per (optimizer, schedule), training its seeds one after another, then a
# summary table and figures.


include: "functions/optimizers.smk"


OPTIM = config["optimizers"]


rule train_optimizer:
    input:
        train=rules.prepare_fashion_mnist.output.train,
        valid=rules.prepare_fashion_mnist.output.valid,
        code=code("train_optimizer.py"),
    output:
        runs=expand("results/optimizers/runs/{{optimizer}}/{{schedule}}/seed{seed}.json", seed=OPTIM["seeds"]),
    log:
        "results/logs/train_optimizer/{optimizer}/{schedule}.log",
    wildcard_constraints:
        optimizer=r"[a-z_]+",
        schedule=r"[a-z_]+",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job("train_optimizer"),
    params:
        settings=settings(
            settings=optimizer_settings,
            schedule_settings=schedule_settings,
            seeds=OPTIM["seeds"],
            mlp_run=mlp_run(OPTIM),
            train_samples=OPTIM["train_samples"],
            placement=placement("train_optimizer"),
        ),
    script:
        "../scripts/train_optimizer.py"


rule summarize_optimizers:
    input:
        runs=optimizer_runs(),
        code=code("summarize_optimizers.py"),
    output:
        summary=entry("results/optimizers/summary.csv", "optimizers_summary"),
    log:
        "results/logs/summarize_optimizers.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    script:
        "../scripts/summarize_optimizers.py"


rule plot_optimizers:
    input:
        runs=optimizer_runs(),
        code=code("plot_optimizers.py"),
    output:
        optimizer_losses=entry("results/optimizers/optimizer_losses.png", "optimizers_losses"),
        schedule_losses=entry("results/optimizers/schedule_losses.png", "optimizers_schedule_losses"),
        epochs=entry("results/optimizers/epochs.png", "optimizers_epochs"),
    log:
        "results/logs/plot_optimizers.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            scheduled=scheduled_optimizers(),
            window=OPTIM["loss_window"],
            batch_size=OPTIM["batch_size"],
        ),
    script:
        "../scripts/plot_optimizers.py"


rule optimizers:
    input:
        rules.summarize_optimizers.output,
        rules.plot_optimizers.output,
