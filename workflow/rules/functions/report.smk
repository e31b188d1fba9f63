# Input and params functions of report.smk (kept apart: the linter wants no functions beside rules).

from initlab.infra.affects import result_config


def notebook_inputs(wildcards):
    """The template, the package modules it imports, the nbconvert template and its data inputs."""
    template = NOTEBOOK_TEMPLATE.format(notebook=wildcards.notebook)
    return dict(
        template=template,
        code=sorted({*module_files(template, PACKAGE_DIR), *code("render_notebook.py")}),
        page=NBCONVERT_TEMPLATE,
        **NOTEBOOK_INPUTS[wildcards.notebook],
    )


def papermill_parameters(wildcards, input):
    """The notebook's path parameters: each data input's path (a list for several files). Derived from
    the input files (it takes `input`), so Snakemake does not record it: the inputs already are."""
    return {
        name: input[name] if isinstance(input[name], str) else list(input[name])
        for name in NOTEBOOK_INPUTS[wildcards.notebook]
    }


def page_setup(wildcards):
    """Params function: the config the page describes, its `setup` parameter; recorded, so a change
    of it reruns the page. The overview shows every key that can change a result."""
    if wildcards.notebook == "overview":
        return result_config(config, CONFIG_SCHEMA)
    return {key: config[key] for key in NOTEBOOK_SETUP[wildcards.notebook]}
