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
        powers_figure=entry("results/stability/demos/powers.png", "stability_powers"),
        matrix_figure=entry("results/stability/demos/matrix_product.png", "stability_matrix_product"),
        curves_figure=entry("results/stability/demos/activation_curves.png", "stability_activation_curves"),
    log:
        "results/logs/run_stability_demos.log",
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            powers=STABILITY["demos"]["powers"],
            matrices=STABILITY["demos"]["matrices"],
            activations=STABILITY["demos"]["activations"],
            range=STABILITY["demos"]["range"],
            points=STABILITY["demos"]["points"],
        ),
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
        gpu=gpus_per_job("measure_depth_statistics"),
    params:
        settings=settings(
            initializers=STABILITY["depth"]["initializers"],
            depth=STABILITY["depth"]["depth"],
            width=STABILITY["depth"]["width"],
            batch_size=STABILITY["depth"]["batch_size"],
            placement=placement("measure_depth_statistics"),
        ),
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
        summary=entry("results/stability/depth/summary.csv", "stability_depth_summary"),
        activation_figure=entry("results/stability/depth/activation_variance.png", "stability_activation_variance"),
        gradient_figure=entry("results/stability/depth/gradient_variance.png", "stability_gradient_variance"),
        saturation_figure=entry("results/stability/depth/saturation.png", "stability_saturation"),
    log:
        "results/logs/plot_depth_statistics.log",
    localrule: True
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
        histogram_figure=entry("results/stability/diagnostics/{initializer}/histograms.png", "stability_histograms"),
        weights_figure=entry("results/stability/diagnostics/{initializer}/first_layer.png", "stability_first_layer"),
    log:
        "results/logs/diagnose_training/{initializer}.log",
    wildcard_constraints:
        initializer=r"[a-z_]+",
    conda:
        "../envs/initlab.yaml"
    threads: 1
    resources:
        gpu=gpus_per_job("diagnose_training"),
    params:
        settings=settings(
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
            placement=placement("diagnose_training"),
        ),
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
        summary=entry("results/stability/diagnostics/summary.csv", "stability_diagnostics_summary"),
        figure=entry("results/stability/diagnostics/update_ratios.png", "stability_update_ratios"),
    log:
        "results/logs/plot_diagnostics.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(
            guide=CS231N_UPDATE_RATIO,
        ),
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
