# Initializer study (Udacity weight-initialization lesson): one job per initializer, training its
# seeds one after another (one process start per initializer; each seed keeps its own file), then
# a summary with the honest comparison, loss figures per comparison group, accuracy bars
# and initial-weight histograms.


include: "functions/initializers.smk"


INITIALIZERS = config["initializers"]


wildcard_constraints:
    initializer=r"[a-z0-9_]+",
    comparison=r"[A-Za-z0-9_]+",


rule train_initializer:
    input:
        train=rules.prepare_fashion_mnist.output.train,
        valid=rules.prepare_fashion_mnist.output.valid,
        test=rules.prepare_fashion_mnist.output.test,
        code=code("train_initializer.py"),
    output:
        runs=expand("results/initializers/runs/{{initializer}}/seed{seed}.json", seed=INITIALIZERS["seeds"]),
    log:
        "results/logs/train_initializer/{initializer}.log",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job("train_initializer"),
    params:
        settings=settings(
            seeds=INITIALIZERS["seeds"],
            mlp_run=mlp_run(INITIALIZERS),
            lr=INITIALIZERS["lr"],
            train_samples=INITIALIZERS["train_samples"],
            placement=placement("train_initializer"),
        ),
    script:
        "../scripts/train_initializer.py"


rule summarize_initializers:
    input:
        runs=initializer_runs(INITIALIZERS["initializers"]),
        code=code("summarize_initializers.py"),
    output:
        summary=entry("results/initializers/summary.csv", "initializers_summary"),
        table=entry("results/initializers/table.csv", "initializers_table"),
        markdown="results/initializers/table.md",
        comparison=entry("results/initializers/comparison.md", "initializers_comparison"),
    log:
        "results/logs/summarize_initializers.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            initializers=INITIALIZERS["initializers"],
            seeds=INITIALIZERS["seeds"],
        ),
    script:
        "../scripts/summarize_initializers.py"


rule plot_initializer_losses:
    input:
        runs=comparison_runs,
        code=code("plot_initializer_losses.py"),
    output:
        figure=entry("results/initializers/figures/losses_{comparison}.png", "initializers_losses"),
    log:
        "results/logs/plot_initializer_losses/{comparison}.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            members=comparison_members,
            plot_batches=INITIALIZERS["plot_batches"],
        ),
    script:
        "../scripts/plot_initializer_losses.py"


rule plot_initializer_accuracy:
    input:
        table=rules.summarize_initializers.output.table,
        code=code("plot_initializer_accuracy.py"),
    output:
        figure=entry("results/initializers/figures/accuracy.png", "initializers_accuracy"),
    log:
        "results/logs/plot_initializer_accuracy.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    script:
        "../scripts/plot_initializer_accuracy.py"


rule plot_initial_weights:
    input:
        runs=histogram_runs,
        code=code("plot_initial_weights.py"),
    output:
        figure=entry("results/initializers/figures/initial_weights.png", "initializers_weights"),
    log:
        "results/logs/plot_initial_weights.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            initializers=INITIALIZERS["initializers"],
            seed=INITIALIZERS["seeds"][0],
        ),
    script:
        "../scripts/plot_initial_weights.py"


rule initializers:
    input:
        rules.summarize_initializers.output,
        expand(rules.plot_initializer_losses.output.figure, comparison=comparison_groups()),
        rules.plot_initializer_accuracy.output.figure,
        rules.plot_initial_weights.output.figure,
