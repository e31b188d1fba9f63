import json

from initlab.infra.atomic import write_csv
from initlab.infra.devices import check_one_kind
from initlab.infra.joblog import job_log
from initlab.studies.optimizers import summary

with job_log(snakemake.log[0]) as log:
    records = [json.loads(open(path).read()) for path in snakemake.input.runs]
    check_one_kind(records, snakemake.input.runs, "train_optimizer")
    table = summary.summarize(records)
    write_csv(snakemake.output.summary, table)
    log.info("optimizer study:\n%s", table.to_string(index=False))
