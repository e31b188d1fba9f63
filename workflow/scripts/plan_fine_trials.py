import json

from initlab.infra.atomic import write_json
from initlab.infra.joblog import job_log
from initlab.studies.search import sampling

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    coarse = [json.loads(open(path).read()) for path in snakemake.input.coarse]
    plan = sampling.plan_fine(coarse, p["ranges"], top=p["top"], shrink=p["shrink"], trials=p["trials"],
                              seed=p["seed"])
    write_json(snakemake.output.plan, plan)
    log.info("fine ranges %s around %s: %d trials", plan["ranges"], plan["best_coarse"], len(plan["trials"]))
