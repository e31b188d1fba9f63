# Linear regression from scratch, concisely and in closed form (d2l).

LINEAR_REGRESSION = config["linear_regression"]


rule fit_linear_regression:
    input:
        code=code("fit_linear_regression.py"),
    output:
        summary=entry("results/linear_regression/summary.csv", "linear_regression_summary"),
        figure=entry("results/linear_regression/fit.png", "linear_regression_fit"),
        result="results/linear_regression/result.json",
    log:
        "results/logs/fit_linear_regression.log",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    params:
        settings=settings(**LINEAR_REGRESSION),
    script:
        "../scripts/fit_linear_regression.py"


rule linear_regression:
    input:
        rules.fit_linear_regression.output,
