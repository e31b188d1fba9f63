# Random search for the house prices model (CS231n notes): log-uniform trials from config
# ranges with a fixed seed; a coarse stage (few epochs), then a fine stage (full epochs) in ranges
# shrunk around the best coarse trials. The fine trial list depends on coarse scores, so it is
# written by a checkpoint. Every trial is one job scored by mean k-fold validation log-RMSE.
# The opt-in target search_nested reruns the whole search inside each outer fold (one job per outer
# fold: a job per inner trial would pay torch's start-up hundreds of times) to measure its optimism.


include: "functions/search.smk"


from initlab.studies.search import sampling

SEARCH = config["search"]
COARSE_TRIALS = coarse_trials()


# The search's own copy of the data: d2l's preprocessing unless search.preprocessing says otherwise.


rule prepare_search_features:
    input:
        **{key: raw(name) for key, name in HOUSE_FILES.items()},
        code=code("prepare_search_features.py"),
    output:
        features="results/search/features.npz",
        summary="results/search/features.json",
    log:
        "results/logs/prepare_search_features.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            checksums=checksums(**HOUSE_FILES),
            preprocessing=SEARCH["preprocessing"],
        ),
    script:
        "../scripts/prepare_search_features.py"


rule run_coarse_trial:
    input:
        features=rules.prepare_search_features.output.features,
        code=code("run_search_trial.py"),
    output:
        result="results/search/coarse/{trial}.json",
    log:
        "results/logs/run_coarse_trial/{trial}.log",
    wildcard_constraints:
        trial=r"coarse\d+",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job("run_coarse_trial"),
    params:
        settings=settings(
            trial=coarse_trial,
            settings=search_settings("coarse"),
            placement=placement("run_coarse_trial"),
        ),
    script:
        "../scripts/run_search_trial.py"


checkpoint plan_fine_trials:
    input:
        coarse=[rules.run_coarse_trial.output.result.format(trial=t) for t in COARSE_TRIALS],
        code=code("plan_fine_trials.py"),
    output:
        plan="results/search/fine_plan.json",
    log:
        "results/logs/plan_fine_trials.log",
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            ranges=search_ranges(),
            top=SEARCH["fine"]["top"],
            shrink=SEARCH["fine"]["shrink"],
            trials=SEARCH["fine"]["trials"],
            seed=sampling.fine_seed(SEARCH["seed"]),
        ),
    script:
        "../scripts/plan_fine_trials.py"


rule run_fine_trial:
    input:
        features=rules.prepare_search_features.output.features,
        plan=rules.plan_fine_trials.output.plan,
        code=code("run_search_trial.py"),
    output:
        result="results/search/fine/{trial}.json",
    log:
        "results/logs/run_fine_trial/{trial}.log",
    wildcard_constraints:
        trial=r"fine\d+",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job("run_fine_trial"),
    params:
        settings=settings(
            trial=fine_trial,
            settings=search_settings("fine"),
            placement=placement("run_fine_trial"),
        ),
    script:
        "../scripts/run_search_trial.py"


rule summarize_search:
    input:
        coarse=rules.plan_fine_trials.input.coarse,
        fine=fine_results,
        plan=rules.plan_fine_trials.output.plan,
        code=code("summarize_search.py"),
    output:
        trials=entry("results/search/trials.csv", "search_trials"),
        summary="results/search/summary.json",
    log:
        "results/logs/summarize_search.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            ranges=search_ranges(),
            tolerance=SEARCH["edge_tolerance"],
            baseline=SEARCH["baseline"],
            goal=SEARCH["goal"],
        ),
    script:
        "../scripts/summarize_search.py"


rule plot_search:
    input:
        trials=rules.summarize_search.output.trials,
        summary=rules.summarize_search.output.summary,
        code=code("plot_search.py"),
    output:
        scores=entry("results/search/scores.png", "search_scores"),
    log:
        "results/logs/plot_search.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            ranges=search_ranges(),
            baseline=SEARCH["baseline"],
            goal=SEARCH["goal"],
        ),
    script:
        "../scripts/plot_search.py"


rule fit_search_best:
    input:
        features=rules.prepare_search_features.output.features,
        summary=rules.summarize_search.output.summary,
        code=code("fit_search_best.py"),
    output:
        fit="results/search/best_fit.json",
        submission=entry("results/search/submission.csv", "search_submission"),
    log:
        "results/logs/fit_search_best.log",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job("fit_search_best"),
    params:
        settings=settings(
            settings=search_settings("fine"),
            placement=placement("fit_search_best"),
        ),
    script:
        "../scripts/fit_search_best.py"


rule run_nested_search_fold:
    input:
        features=rules.prepare_search_features.output.features,
        code=code("run_nested_search_fold.py"),
    output:
        result="results/search/nested/outer{fold}.json",
    log:
        "results/logs/run_nested_search_fold/outer{fold}.log",
    wildcard_constraints:
        fold=r"\d+",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job("run_nested_search_fold"),
    params:
        settings=settings(
            folds=SEARCH["folds"],
            searches=nested_searches(),
            fine={key: SEARCH["fine"][key] for key in ("trials", "top", "shrink")},
            seed=SEARCH["seed"],
            placement=placement("run_nested_search_fold"),
        ),
    script:
        "../scripts/run_nested_search_fold.py"


rule summarize_nested_search:
    input:
        folds=expand(rules.run_nested_search_fold.output.result, fold=outer_folds()),
        search=rules.summarize_search.output.summary,  # the plain search's own score, on the same outer folds
        code=code("summarize_nested_search.py"),
    output:
        table=entry("results/search/nested/summary.csv", "search_nested"),
        summary="results/search/nested/summary.json",
    log:
        "results/logs/summarize_nested_search.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            models=nested_models(),
            search_model=SEARCH["model"],
        ),
    script:
        "../scripts/summarize_nested_search.py"


rule search:
    input:
        rules.summarize_search.output,
        rules.plot_search.output,
        rules.fit_search_best.output,


# opt-in, never in `rule all`: nested cross-validation of the whole search
rule search_nested:
    input:
        rules.summarize_nested_search.output,
