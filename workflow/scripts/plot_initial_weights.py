import json
from pathlib import Path

from initlab.infra.atomic import save_figure
from initlab.infra.joblog import job_log
from initlab.studies.initializers import plots

with job_log(snakemake.log[0]):
    records = [json.loads(Path(path).read_text()) for path in snakemake.input.runs]
    histograms = {record["initializer"]: record["initial_weights"] for record in records}
    ordered = {name: histograms[name] for name in snakemake.params.settings["initializers"]}
    save_figure(snakemake.output.figure, plots.histograms_figure(ordered, seed=snakemake.params.settings["seed"]))
