import json

from initlab.infra.atomic import write_csv, write_json
from initlab.infra.devices import check_one_kind
from initlab.infra.joblog import job_log
from initlab.studies.search.summary import summarize, tabulate

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    paths = [*snakemake.input.coarse, *snakemake.input.fine]
    records = [json.loads(open(path).read()) for path in paths]
    check_one_kind(records, paths, "run_coarse_trial run_fine_trial")
    table = tabulate(records, p["ranges"], p["tolerance"])
    summary = summarize(table, ranges=p["ranges"], tolerance=p["tolerance"], stage="fine",
                                    baseline=p["baseline"], goal=p["goal"])
    summary["fine_ranges"] = json.loads(open(snakemake.input.plan).read())["ranges"]
    write_csv(snakemake.output.trials, table)
    write_json(snakemake.output.summary, summary)
    for warning in summary["edge_warnings"]:
        log.warning("best trial %s: %s", summary["best_trial"], warning)
    log.info("best %s: valid log-RMSE %.4f (baseline %.3f)", summary["best_trial"], summary["valid_log_rmse"],
             p["baseline"])
