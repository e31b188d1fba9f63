import pandas as pd

from initlab import initplots
from initlab.atomic import save_figure
from initlab.joblog import job_log

with job_log(snakemake.log[0]):
    table = pd.read_csv(snakemake.input.table)
    save_figure(snakemake.output.figure, initplots.accuracy_figure(table))
