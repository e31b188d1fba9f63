"""One study page: the percent-format template executed by papermill on its inputs, then HTML without code.

In one process (jupytext, papermill and nbconvert as libraries; the kernel is papermill's child).
Both outputs are written atomically at the end, so a failing cell leaves neither; papermill's error
names the cell and lands in the log.
"""

import jupytext
import nbformat
import papermill
from initlab.infra.atomic import atomic_path
from initlab.infra.joblog import job_log
from nbconvert import HTMLExporter

with job_log(snakemake.log[0]) as log:
    template = jupytext.read(snakemake.input.template)
    executed = papermill.execute_notebook(
        template, None, parameters={**snakemake.params.parameters, **snakemake.params.settings}, kernel_name="python3", log_output=True,
        progress_bar=False,
    )
    exporter = HTMLExporter(template_file=snakemake.input.page, exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    html, _ = exporter.from_notebook_node(executed)
    with atomic_path(snakemake.output.notebook) as tmp:
        nbformat.write(executed, tmp)
    with atomic_path(snakemake.output.html) as tmp:
        tmp.write_text(html)
    log.info("rendered %s: %d cells, %d bytes of HTML", snakemake.wildcards.notebook, len(executed.cells), len(html))
