# Report stage: one papermill notebook per study, executed on the study's result files and
# converted to a self-contained HTML page with the code hidden. `snakemake --report` adds the figures.


include: "functions/report.smk"


NOTEBOOK_TEMPLATE = workflow_file("workflow/notebooks/{notebook}.py")
# nbconvert's lab template minus its CDN scripts
NBCONVERT_TEMPLATE = workflow_file("workflow/notebooks/nbconvert/offline.html.j2")
# Each notebook's papermill parameters: name -> upstream output(s). Each becomes an input and reaches
# the notebook as a parameter of that name (a path, or a list of paths).
STUDY_INPUTS = {
    "house_prices": dict(
        cv_summary=rules.summarize_house_prices.output.summary,
        cv_means=rules.summarize_house_prices.output.means,
        reference=rules.summarize_house_prices.output.reference,
        curves_figure=rules.summarize_house_prices.output.curves,
        initializers_figure=rules.summarize_house_prices.output.initializers,
        submission_choice=rules.write_submission.output.choice,
    ),
    "initializers": dict(
        summary=rules.summarize_initializers.output.summary,
        table=rules.summarize_initializers.output.table,
        comparison=rules.summarize_initializers.output.comparison,
        accuracy_figure=rules.plot_initializer_accuracy.output.figure,
        weights_figure=rules.plot_initial_weights.output.figure,
        loss_figures=expand(rules.plot_initializer_losses.output.figure, comparison=comparison_groups()),
    ),
    "stability": dict(
        demos_summary=rules.run_stability_demos.output.summary,
        powers_figure=rules.run_stability_demos.output.powers_figure,
        matrix_figure=rules.run_stability_demos.output.matrix_figure,
        curves_figure=rules.run_stability_demos.output.curves_figure,
        depth_summary=rules.plot_depth_statistics.output.summary,
        activation_figure=rules.plot_depth_statistics.output.activation_figure,
        gradient_figure=rules.plot_depth_statistics.output.gradient_figure,
        saturation_figure=rules.plot_depth_statistics.output.saturation_figure,
        diagnostics_summary=rules.plot_diagnostics.output.summary,
        ratios_figure=rules.plot_diagnostics.output.figure,
        histogram_figures=expand(
            rules.diagnose_training.output.histogram_figure,
            initializer=config["stability"]["diagnostics"]["initializers"],
        ),
        weights_figures=expand(
            rules.diagnose_training.output.weights_figure,
            initializer=config["stability"]["diagnostics"]["initializers"],
        ),
    ),
    "gradient_check": dict(
        gradient_summary=rules.summarize_gradient_check.output.summary,
        gradient_figure=rules.summarize_gradient_check.output.figure,
        sanity_summary=rules.run_sanity_checks.output.summary,
    ),
    "linear_regression": dict(
        summary=rules.fit_linear_regression.output.summary,
        figure=rules.fit_linear_regression.output.figure,
    ),
    "optimizers": dict(
        summary=rules.summarize_optimizers.output.summary,
        losses_figure=rules.plot_optimizers.output.optimizer_losses,
        schedule_figure=rules.plot_optimizers.output.schedule_losses,
        epochs_figure=rules.plot_optimizers.output.epochs,
    ),
    "search": dict(
        trials=rules.summarize_search.output.trials,
        summary=rules.summarize_search.output.summary,
        fit=rules.fit_search_best.output.fit,
        scores_figure=rules.plot_search.output.scores,
        **search_nested_page(),  # with search.nested.report only
    ),
}
NOTEBOOK_INPUTS = {
    "overview": dict(
        house_summary=rules.prepare_house_prices.output.summary,
        house_reference=STUDY_INPUTS["house_prices"]["reference"],
        house_choice=STUDY_INPUTS["house_prices"]["submission_choice"],
        house_cv=STUDY_INPUTS["house_prices"]["cv_summary"],  # with the two below: the devices jobs ran on
        initializers_summary=STUDY_INPUTS["initializers"]["summary"],
        fashion_summary=rules.prepare_fashion_mnist.output.summary,
        initializers_table=STUDY_INPUTS["initializers"]["table"],
        stability_demos=STUDY_INPUTS["stability"]["demos_summary"],
        stability_depth=STUDY_INPUTS["stability"]["depth_summary"],
        gradient_summary=STUDY_INPUTS["gradient_check"]["gradient_summary"],
        sanity_summary=STUDY_INPUTS["gradient_check"]["sanity_summary"],
        linear_regression=STUDY_INPUTS["linear_regression"]["summary"],
        optimizers_summary=STUDY_INPUTS["optimizers"]["summary"],
        search_summary=STUDY_INPUTS["search"]["summary"],
    ),
    "data": dict(
        house_summary=rules.prepare_house_prices.output.summary,
        house_features=rules.prepare_house_prices.output.features,
        fashion_summary=rules.prepare_fashion_mnist.output.summary,
        fashion_train=rules.prepare_fashion_mnist.output.train,
        fashion_valid=rules.prepare_fashion_mnist.output.valid,
        fashion_test=rules.prepare_fashion_mnist.output.test,
    ),
    **STUDY_INPUTS,
    "compare": dict(
        params=rules.compare_runs.output.params,
        metrics=rules.compare_runs.output.metrics,
        house_figure=rules.compare_runs.output.house_prices,
        initializers_figure=rules.compare_runs.output.initializers,
    ),
}
# Pages built only when named: the comparison needs a baseline (--config baseline=...).
OPT_IN_PAGES = ("compare",)
# Each notebook's `setup` parameter: the config sections it describes.
NOTEBOOK_SETUP = {
    "overview": None,  # every key that can change a result (page_setup), shown at the end of the page
    "data": ["fashion_mnist"],
    "house_prices": ["house_prices"],
    "initializers": ["initializers", "fashion_mnist", "device"],
    "stability": ["stability"],
    "gradient_check": ["gradient_check"],
    "linear_regression": ["linear_regression"],
    "optimizers": ["optimizers"],
    "search": ["search"],
    "compare": ["baseline", "current"],
}


wildcard_constraints:
    notebook="|".join(NOTEBOOK_INPUTS),


rule render_notebook:
    input:
        unpack(notebook_inputs),
    output:
        notebook="results/notebooks/{notebook}.ipynb",
        html=entry("results/notebooks/{notebook}.html", "study_page"),
    log:
        "results/logs/render_notebook/{notebook}.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(setup=page_setup),
        parameters=papermill_parameters,
    script:
        "../scripts/render_notebook.py"


rule notebooks:
    input:
        expand(rules.render_notebook.output.html, notebook=[n for n in NOTEBOOK_INPUTS if n not in OPT_IN_PAGES]),


# runs.smk's target, here because it includes the comparison page, which render_notebook builds
rule compare:
    input:
        rules.compare_runs.output,
        expand(rules.render_notebook.output.html, notebook="compare"),
