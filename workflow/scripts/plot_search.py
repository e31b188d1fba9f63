import json

import pandas as pd
from initlab.infra.atomic import save_figure
from initlab.infra.joblog import job_log
from initlab.studies.search import plots

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    table = pd.read_csv(snakemake.input.trials)
    summary = json.loads(open(snakemake.input.summary).read())
    fig = plots.scores_figure(table, ranges=p["ranges"], fine_ranges=summary["fine_ranges"],
                              baseline=p["baseline"], goal=p["goal"], best=summary["best_trial"])
    save_figure(snakemake.output.scores, fig)
    log.info("plotted %d trials", len(table))
