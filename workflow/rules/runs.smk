# Keeping a run as a named snapshot and comparing two runs (docs/compare.md). Neither is in `rule all`.
# Included before report.smk, whose comparison page reads compare_runs' outputs; the target rule
# `compare` (tables, figures and that page) is in report.smk, after render_notebook.


include: "functions/runs.smk"


# keep_run has no output on purpose: its product is a folder under resources/snapshots/, outside
# results/, that must be written once when asked and never rewritten by a later run. A rule without
# output runs each time it is named and never otherwise; the package refuses an existing name. Its
# inputs are the current run's tables and per-job results, so stale ones are rebuilt first and the
# kept config matches the kept numbers.
rule keep_run:
    input:
        code=code("keep_run.py"),
        run=current_run_files,
    log:
        "results/logs/keep_run.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            name=config["snapshot"],
            destination=SNAPSHOTS,
            config=snapshots.experiment_config(config),
            checkout=str(WORKFLOW_DIR),  # the git checkout whose commit the snapshot records
        ),
    script:
        "../scripts/keep_run.py"


rule compare_runs:
    input:
        code=code("compare_runs.py"),
        baseline=baseline_files,
        current=compared_files,
    output:
        params=entry("results/compare/params.csv", "compare_params"),
        metrics=entry("results/compare/metrics.csv", "compare_metrics"),
        house_prices=entry("results/compare/house_prices.png", "compare_house_prices"),
        initializers=entry("results/compare/initializers.png", "compare_initializers"),
    log:
        "results/logs/compare_runs.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            baseline=config["baseline"],
            current=config["current"],
            config=snapshots.experiment_config(config),
            checkout=str(WORKFLOW_DIR),
        ),
    script:
        "../scripts/compare_runs.py"
