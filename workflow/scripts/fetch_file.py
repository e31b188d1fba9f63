from initlab.data.fetch import fetch
from initlab.infra.joblog import job_log

with job_log(snakemake.log[0]) as log:
    fetch(target=snakemake.output[0], log=log, name=snakemake.wildcards.file, **snakemake.params.settings,
          **snakemake.params.network)
