# House prices study (d2l Kaggle practice): k-fold jobs per model x initializer, summary, final fit, submission.


include: "functions/house_prices.smk"


HOUSE = config["house_prices"]
HOUSE_TRAINING = {key: HOUSE[key] for key in ("epochs", "lr", "weight_decay", "batch_size", "target")}


rule train_fold:
    input:
        features=rules.prepare_house_prices.output.features,
        code=code("train_fold.py"),
    output:
        result="results/house_prices/folds/{model}/{initializer}/fold{fold}.json",
    log:
        "results/logs/train_fold/{model}/{initializer}/fold{fold}.log",
    wildcard_constraints:
        model=r"[a-z_]+",
        initializer=r"[a-z_]+",
        fold=r"\d+",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job("train_fold"),
    params:
        settings=settings(
            **HOUSE_TRAINING,
            folds=HOUSE["folds"],
            mlp=house_mlp,
            placement=placement("train_fold"),
        ),
    script:
        "../scripts/train_fold.py"


rule summarize_house_prices:
    input:
        folds=expand(
            rules.train_fold.output.result,
            model=HOUSE["models"],
            initializer=HOUSE["initializers"],
            fold=range(1, HOUSE["folds"] + 1),
        ),
        code=code("summarize_house_prices.py"),
    output:
        summary=entry("results/house_prices/cv_summary.csv", "house_cv_summary"),
        means=entry("results/house_prices/cv_mean_std.csv", "house_cv_mean_std"),
        reference=entry("results/house_prices/reference.csv", "house_reference"),
        curves=entry("results/house_prices/fold1_curves.png", "house_fold1_curves"),
        initializers=entry("results/house_prices/initializers.png", "house_initializers"),
    log:
        "results/logs/summarize_house_prices.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(folds=HOUSE["folds"], **HOUSE_TRAINING),
    script:
        "../scripts/summarize_house_prices.py"


rule fit_final:
    input:
        features=rules.prepare_house_prices.output.features,
        code=code("fit_final.py"),
    output:
        fit="results/house_prices/final/{model}/{initializer}/fit.json",
        predictions="results/house_prices/final/{model}/{initializer}/predictions.csv",
    log:
        "results/logs/fit_final/{model}/{initializer}.log",
    wildcard_constraints:
        model=r"[a-z_]+",
        initializer=r"[a-z_]+",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job("fit_final"),
    params:
        settings=settings(
            **HOUSE_TRAINING,
            mlp=house_mlp,
            placement=placement("fit_final"),
        ),
    script:
        "../scripts/fit_final.py"


rule write_submission:
    input:
        unpack(house_search_candidate),
        means=rules.summarize_house_prices.output.means,
        fits=house_candidates(rules.fit_final.output.fit),
        predictions=house_candidates(rules.fit_final.output.predictions),
        code=code("write_submission.py"),
    output:
        submission=entry("results/house_prices/submission.csv", "house_submission"),
        choice="results/house_prices/submission.json",
    log:
        "results/logs/write_submission.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            choice=house_submission_choice(),
            hidden_units=house_hidden_units(),
            search=house_search_settings(),
        ),
    script:
        "../scripts/write_submission.py"


# Opt-in, never part of `rule all`: `snakemake --cores 1 submit_kaggle` needs the kaggle CLI and credentials.
rule submit_kaggle:
    input:
        submission=rules.write_submission.output.submission,
        choice=rules.write_submission.output.choice,
        code=code("submit_kaggle.py"),
    output:
        receipt="results/house_prices/kaggle_receipt.txt",
    log:
        "results/logs/submit_kaggle.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    script:
        "../scripts/submit_kaggle.py"


rule house_prices:
    input:
        rules.summarize_house_prices.output,
        rules.write_submission.output,
