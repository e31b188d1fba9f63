import json

import pandas as pd

from initlab import searchplots
from initlab.atomic import save_figure
from initlab.joblog import job_log

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    table = pd.read_csv(snakemake.input.trials)
    summary = json.loads(open(snakemake.input.summary).read())
    fig = searchplots.scores_figure(table, ranges=p.ranges, fine_ranges=summary["fine_ranges"],
                                    baseline=p.baseline, goal=p.goal, best=summary["best_trial"])
    save_figure(snakemake.output.scores, fig)
    log.info("plotted %d trials", len(table))
