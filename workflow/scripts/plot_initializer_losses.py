import json
from pathlib import Path

from initlab.infra.atomic import save_figure
from initlab.infra.joblog import job_log
from initlab.studies.initializers import plots

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    curves = {name: [] for name in p["members"]}
    for path in snakemake.input.runs:
        record = json.loads(Path(path).read_text())
        if record["diverged"]:  # plots skip diverged runs; the tables count them
            log.warning("%s: diverged, left out of the figure", path)
            continue
        curves[record["initializer"]].append(record["batch_losses"])
    title = plots.title_of(snakemake.wildcards.comparison, p["members"], p["plot_batches"])
    save_figure(snakemake.output.figure, plots.losses_figure(curves, n_batches=p["plot_batches"], title=title))
