# Linear regression from scratch, concisely and in closed form (d2l).

LINEAR_REGRESSION = config["linear_regression"]


rule fit_linear_regression:
    input:
        code=code("fit_linear_regression.py"),
    output:
        summary=report(
            "results/linear_regression/summary.csv",
            caption="../report/linear_regression_summary.rst",
            category="Linear regression",
            labels={"result": "summary table"},
        ),
        figure=report(
            "results/linear_regression/fit.png",
            caption="../report/linear_regression_fit.rst",
            category="Linear regression",
            labels={"result": "loss and fitted plane"},
        ),
        result="results/linear_regression/result.json",
    log:
        "results/logs/fit_linear_regression.log",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    params:
        **LINEAR_REGRESSION,
    script:
        "../scripts/fit_linear_regression.py"


rule linear_regression:
    input:
        rules.fit_linear_regression.output,
