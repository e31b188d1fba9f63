import json

from initlab.infra.atomic import atomic_path
from initlab.infra.joblog import job_log
from initlab.studies.house_prices import submission

with job_log(snakemake.log[0]) as log:
    choice = json.loads(open(snakemake.input.choice).read())
    text = submission.message(choice["model"], choice["initializer"], choice["cv_valid_log_rmse"])
    output = submission.submit(snakemake.input.submission, text)
    with atomic_path(snakemake.output.receipt) as tmp:
        tmp.write_text(f"message: {text}\n{output}")
    log.info("submitted %s with message %r:\n%s", snakemake.input.submission, text, output)
