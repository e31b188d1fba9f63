"""Variance against depth per activation and initializer; the depth study's summary table."""

import matplotlib.pyplot as plt
import pandas as pd
from initlab.infra import atomic
from initlab.infra.joblog import job_log
from initlab.studies.stability import plots
from initlab.studies.stability.summary import depth_summary

PANELS = dict(
    activation_figure=("activation_variance", "activation variance", True),
    gradient_figure=("gradient_variance", "gradient variance dloss/dh", True),
    saturation_figure=("saturated_fraction", "fraction of saturated entries", False),
)

with job_log(snakemake.log[0]) as log:
    table = pd.concat([pd.read_csv(path) for path in snakemake.input.tables], ignore_index=True)
    summary = depth_summary(table)
    log.info("depth summary:\n%s", summary.to_string())
    atomic.write_csv(snakemake.output.summary, summary)
    for key, (column, label, log_scale) in PANELS.items():
        fig = plots.depth_figure(table, column=column, label=label, log=log_scale)
        atomic.save_figure(snakemake.output[key], fig)
        plt.close(fig)
