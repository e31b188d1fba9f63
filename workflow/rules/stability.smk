# Stability stage (d2l, CS231n notes): exploding/vanishing demos, per-layer statistics against depth,
# and training diagnostics (update/weight ratios, histograms, first-layer weights).

from initlab.published import CS231N_UPDATE_RATIO

STABILITY = config["stability"]
DIAGNOSTICS = STABILITY["diagnostics"]


rule run_stability_demos:
    input:
        code=code("run_stability_demos.py"),
    output:
        powers="results/stability/demos/powers.csv",
        matrix="results/stability/demos/matrix_product.csv",
        curves="results/stability/demos/activation_curves.csv",
        summary="results/stability/demos/summary.csv",
        powers_figure=report(
            "results/stability/demos/powers.png",
            caption="../report/stability_powers.rst",
            category="Stability",
            subcategory="Demos",
        ),
        matrix_figure=report(
            "results/stability/demos/matrix_product.png",
            caption="../report/stability_matrix_product.rst",
            category="Stability",
            subcategory="Demos",
        ),
        curves_figure=report(
            "results/stability/demos/activation_curves.png",
            caption="../report/stability_activation_curves.rst",
            category="Stability",
            subcategory="Demos",
        ),
    log:
        "results/logs/run_stability_demos.log",
    conda:
        "../envs/initlab.yaml"
    params:
        powers=STABILITY["demos"]["powers"],
        matrices=STABILITY["demos"]["matrices"],
        activations=STABILITY["demos"]["activations"],
        range=STABILITY["demos"]["range"],
        points=STABILITY["demos"]["points"],
    script:
        "../scripts/run_stability_demos.py"


rule measure_depth_statistics:
    input:
        valid=rules.prepare_fashion_mnist.output.valid,
        code=code("measure_depth_statistics.py"),
    output:
        table="results/stability/depth/{activation}.csv",
        result="results/stability/depth/{activation}.json",
    log:
        "results/logs/measure_depth_statistics/{activation}.log",
    wildcard_constraints:
        activation=r"[a-z_]+",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job(),
    params:
        activation="{activation}",
        initializers=STABILITY["depth"]["initializers"],
        depth=STABILITY["depth"]["depth"],
        width=STABILITY["depth"]["width"],
        batch_size=STABILITY["depth"]["batch_size"],
        device=config["device"],
    script:
        "../scripts/measure_depth_statistics.py"


rule plot_depth_statistics:
    input:
        tables=expand(
            rules.measure_depth_statistics.output.table,
            activation=STABILITY["depth"]["activations"],
        ),
        code=code("plot_depth_statistics.py"),
    output:
        summary=report(
            "results/stability/depth/summary.csv",
            caption="../report/stability_depth_summary.rst",
            category="Stability",
            subcategory="Depth",
        ),
        activation_figure=report(
            "results/stability/depth/activation_variance.png",
            caption="../report/stability_activation_variance.rst",
            category="Stability",
            subcategory="Depth",
        ),
        gradient_figure=report(
            "results/stability/depth/gradient_variance.png",
            caption="../report/stability_gradient_variance.rst",
            category="Stability",
            subcategory="Depth",
        ),
        saturation_figure=report(
            "results/stability/depth/saturation.png",
            caption="../report/stability_saturation.rst",
            category="Stability",
            subcategory="Depth",
        ),
    log:
        "results/logs/plot_depth_statistics.log",
    conda:
        "../envs/initlab.yaml"
    script:
        "../scripts/plot_depth_statistics.py"


rule diagnose_training:
    input:
        train=rules.prepare_fashion_mnist.output.train,
        valid=rules.prepare_fashion_mnist.output.valid,
        code=code("diagnose_training.py"),
    output:
        ratios="results/stability/diagnostics/{initializer}/ratios.csv",
        histograms="results/stability/diagnostics/{initializer}/histograms.npz",
        first_layer="results/stability/diagnostics/{initializer}/first_layer.npz",
        result="results/stability/diagnostics/{initializer}/result.json",
        histogram_figure=report(
            "results/stability/diagnostics/{initializer}/histograms.png",
            caption="../report/stability_histograms.rst",
            category="Stability",
            subcategory="Diagnostics",
            labels={"initializer": "{initializer}", "figure": "histograms"},
        ),
        weights_figure=report(
            "results/stability/diagnostics/{initializer}/first_layer.png",
            caption="../report/stability_first_layer.rst",
            category="Stability",
            subcategory="Diagnostics",
            labels={"initializer": "{initializer}", "figure": "first-layer weights"},
        ),
    log:
        "results/logs/diagnose_training/{initializer}.log",
    wildcard_constraints:
        initializer=r"[a-z_]+",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job(),
    params:
        log_every=DIAGNOSTICS["log_every"],
        bins=DIAGNOSTICS["bins"],
        images=DIAGNOSTICS["images"],
        hidden=DIAGNOSTICS["hidden"],
        activation=DIAGNOSTICS["activation"],
        dropout=DIAGNOSTICS["dropout"],
        optimizer=DIAGNOSTICS["optimizer"],
        lr=DIAGNOSTICS["lr"],
        batch_size=DIAGNOSTICS["batch_size"],
        epochs=DIAGNOSTICS["epochs"],
        train_samples=DIAGNOSTICS["train_samples"],
        device=config["device"],
    script:
        "../scripts/diagnose_training.py"


rule plot_diagnostics:
    input:
        ratios=expand(
            rules.diagnose_training.output.ratios,
            initializer=DIAGNOSTICS["initializers"],
        ),
        results=expand(
            rules.diagnose_training.output.result,
            initializer=DIAGNOSTICS["initializers"],
        ),
        code=code("plot_diagnostics.py"),
    output:
        summary=report(
            "results/stability/diagnostics/summary.csv",
            caption="../report/stability_diagnostics_summary.rst",
            category="Stability",
            subcategory="Diagnostics",
            labels={"initializer": "all", "figure": "summary table"},
        ),
        figure=report(
            "results/stability/diagnostics/update_ratios.png",
            caption="../report/stability_update_ratios.rst",
            category="Stability",
            subcategory="Diagnostics",
            labels={"initializer": "all", "figure": "update ratios"},
        ),
    log:
        "results/logs/plot_diagnostics.log",
    conda:
        "../envs/initlab.yaml"
    params:
        guide=CS231N_UPDATE_RATIO,
    script:
        "../scripts/plot_diagnostics.py"


rule stability:
    input:
        rules.run_stability_demos.output,
        rules.plot_depth_statistics.output,
        rules.plot_diagnostics.output,
        expand(
            rules.diagnose_training.output,
            initializer=DIAGNOSTICS["initializers"],
        ),
