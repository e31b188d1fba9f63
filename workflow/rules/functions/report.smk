# Input and params functions of report.smk (kept apart: the linter wants no functions beside rules).


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
    """The notebook's parameters: each data input's path (a list for several files) and `setup`,
    the config sections the page describes."""
    parameters = {
        name: input[name] if isinstance(input[name], str) else list(input[name])
        for name in NOTEBOOK_INPUTS[wildcards.notebook]
    }
    return {**parameters, "setup": {key: config[key] for key in NOTEBOOK_SETUP[wildcards.notebook]}}
