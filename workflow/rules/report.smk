# Report stage: one papermill notebook per study, executed on the study's result files and
# converted to a self-contained HTML page with the code hidden. `snakemake --report` adds the figures.

NOTEBOOK_TEMPLATE = "workflow/notebooks/{notebook}.py"
# nbconvert's lab template minus its CDN scripts
NBCONVERT_TEMPLATE = "workflow/notebooks/nbconvert/offline.html.j2"
# Each notebook's papermill parameters: name -> upstream output. Each becomes an input and `-p name path`.
NOTEBOOK_INPUTS = {
    "data": dict(
        house_summary=rules.prepare_house_prices.output.summary,
        house_features=rules.prepare_house_prices.output.features,
        fashion_summary=rules.prepare_fashion_mnist.output.summary,
        fashion_train=rules.prepare_fashion_mnist.output.train,
        fashion_valid=rules.prepare_fashion_mnist.output.valid,
        fashion_test=rules.prepare_fashion_mnist.output.test,
    ),
    "overview": dict(
        house_summary=rules.prepare_house_prices.output.summary,
        fashion_summary=rules.prepare_fashion_mnist.output.summary,
    ),
}
# Each notebook's `setup` parameter: the config sections it describes (passed as YAML with -y).
NOTEBOOK_SETUP = {
    "data": ["fashion_mnist"],
    "overview": list(config),  # all of it, shown at the end of the page
}


wildcard_constraints:
    notebook="|".join(NOTEBOOK_INPUTS),


rule render_notebook:
    input:
        unpack(notebook_inputs),
    output:
        notebook="results/notebooks/{notebook}.ipynb",
        html=report(
            "results/notebooks/{notebook}.html",
            caption="../report/study_page.rst",
            category="Study pages",
            labels={"page": "{notebook}"},
        ),
    log:
        "results/logs/render_notebook/{notebook}.log",
    params:
        parameters=papermill_parameters,
    shell:
        # Everything is built in a temporary directory and moved into place only when all steps
        # succeeded, so a failing cell leaves no HTML; papermill writes the cell's error to the log.
        """
        (
            tmp=$(mktemp -d {output.html:q}.XXXXXX)
            trap 'rm -rf "$tmp"' EXIT
            jupytext --to ipynb --output "$tmp/template.ipynb" {input.template:q}
            papermill --kernel python3 --no-progress-bar --log-output "$tmp/template.ipynb" "$tmp/executed.ipynb" {params.parameters}
            jupyter nbconvert --to html --no-input --template-file {input.page:q} --output-dir "$tmp" --output page "$tmp/executed.ipynb"
            mv "$tmp/executed.ipynb" {output.notebook:q}
            mv "$tmp/page.html" {output.html:q}
        ) >{log:q} 2>&1
        """


rule notebooks:
    input:
        expand(rules.render_notebook.output.html, notebook=NOTEBOOK_INPUTS),
