import pandas as pd
from initlab.infra.atomic import save_figure
from initlab.infra.joblog import job_log
from initlab.studies.initializers import plots

with job_log(snakemake.log[0]):
    table = pd.read_csv(snakemake.input.table)
    save_figure(snakemake.output.figure, plots.accuracy_figure(table))
