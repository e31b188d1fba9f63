# Gradient checks and sanity checks before training (CS231n notes).


include: "functions/gradient_check.smk"


rule check_gradients:
    input:
        data=checked_data,
        code=code("check_gradients.py"),
    output:
        entries="results/gradient_check/{model}/entries.csv",
        result="results/gradient_check/{model}/result.json",
    log:
        "results/logs/check_gradients/{model}.log",
    wildcard_constraints:
        model="|".join(CHECKED_MODELS),  # never sanity_checks, the folder beside the models' ones
    conda:
        "../envs/initlab.yaml"
    threads: 1
    params:
        settings=settings(
            spec=checked_spec,
            h=GRADIENT_CHECK["h"],
            entries=GRADIENT_CHECK["entries"],
            batch_size=GRADIENT_CHECK["batch_size"],
            warmup_steps=GRADIENT_CHECK["warmup_steps"],
            warmup_lr=GRADIENT_CHECK["warmup_lr"],
            weight_decay=GRADIENT_CHECK["weight_decay"],
            noise_factor=GRADIENT_CHECK["noise_factor"],
            seed=GRADIENT_CHECK["seed"],
        ),
    script:
        "../scripts/check_gradients.py"


rule summarize_gradient_check:
    input:
        entries=expand(rules.check_gradients.output.entries, model=CHECKED_MODELS),
        results=expand(rules.check_gradients.output.result, model=CHECKED_MODELS),
        code=code("summarize_gradient_check.py"),
    output:
        summary=entry("results/gradient_check/summary.csv", "gradient_check_summary"),
        figure=entry("results/gradient_check/relative_errors.png", "gradient_check_errors"),
    log:
        "results/logs/summarize_gradient_check.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            planted=planted_models(),
        ),
    script:
        "../scripts/summarize_gradient_check.py"


rule run_sanity_checks:
    input:
        data=rules.prepare_fashion_mnist.output.train,
        code=code("run_sanity_checks.py"),
    output:
        summary=entry("results/gradient_check/sanity_checks/summary.csv", "sanity_checks"),
        result="results/gradient_check/sanity_checks/result.json",
    log:
        "results/logs/run_sanity_checks.log",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    params:
        settings=settings(
            **{k: v for k, v in GRADIENT_CHECK["sanity_checks"].items() if k != "model"},
            spec=sanity_spec(),
        ),
    script:
        "../scripts/run_sanity_checks.py"


rule gradient_check:
    input:
        rules.summarize_gradient_check.output,
        rules.run_sanity_checks.output,
