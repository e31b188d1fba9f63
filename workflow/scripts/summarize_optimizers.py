import json

from initlab import optstudy
from initlab.atomic import write_csv
from initlab.joblog import job_log

with job_log(snakemake.log[0]) as log:
    records = [json.loads(open(path).read()) for path in snakemake.input.runs]
    table = optstudy.summarize(records)
    write_csv(snakemake.output.summary, table)
    log.info("optimizer study:\n%s", table.to_string(index=False))
