# Input and params functions of report.smk (kept apart: the linter wants no functions beside rules).

import json
import shlex


def notebook_inputs(wildcards):
    """The template, the package modules it imports, the nbconvert template and its data inputs."""
    template = NOTEBOOK_TEMPLATE.format(notebook=wildcards.notebook)
    return dict(
        template=template,
        code=list(module_files(template, PACKAGE_DIR)),
        page=NBCONVERT_TEMPLATE,
        **NOTEBOOK_INPUTS[wildcards.notebook],
    )


def papermill_parameters(wildcards, input):
    """The notebook's parameters: `-p name path` per data file; lists of files and the setup
    (config sections) as one YAML mapping (`-y`), since `-p` passes only scalars."""
    options, mapping = [], {}
    for name in NOTEBOOK_INPUTS[wildcards.notebook]:
        value = input[name]
        if isinstance(value, str):
            options.append(f"-p {name} {shlex.quote(value)}")
        else:
            mapping[name] = list(value)
    mapping["setup"] = {key: config[key] for key in NOTEBOOK_SETUP[wildcards.notebook]}
    options.append(f"-y {shlex.quote(json.dumps(mapping))}")
    return " ".join(options)
