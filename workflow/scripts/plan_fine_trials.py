import json

from initlab.infra.atomic import write_json
from initlab.infra.joblog import job_log
from initlab.studies.search import sampling

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    coarse = [json.loads(open(path).read()) for path in snakemake.input.coarse]
    best = sampling.best_trials([{n: r[n] for n in p["ranges"]} for r in coarse],
                                [r["valid_log_rmse"] for r in coarse], top=p["top"])
    ranges = sampling.fine_ranges(best, p["ranges"], shrink=p["shrink"])
    trials = sampling.sample_trials(ranges, p["trials"], seed=p["seed"], prefix="fine")
    write_json(snakemake.output.plan, {"best_coarse": best, "ranges": ranges, "trials": trials})
    log.info("fine ranges %s around %s: %d trials", ranges, best, len(trials))
