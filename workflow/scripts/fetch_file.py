from initlab.fetch import fetch
from initlab.joblog import job_log

with job_log(snakemake.log[0]) as log:
    fetch(target=snakemake.output[0], log=log, **snakemake.params)
