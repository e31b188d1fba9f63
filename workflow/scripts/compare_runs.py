"""Compare the current run (or snapshot `current`) with snapshot `baseline`: params.csv, metrics.csv and
both as a plain-text table at the end of the log (initlab.runs)."""

from initlab.infra.atomic import write_csv
from initlab.infra.joblog import job_log
from initlab.runs import compare, snapshot

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    baseline = snapshot.read(p.baseline)
    if p.current:
        current = snapshot.read(p.current)
    else:
        current = snapshot.current(results="results", config=p.config, code=snapshot.code_version(p.checkout))
    params = compare.params_diff(baseline=baseline, current=current)
    metrics = compare.metrics(baseline=baseline, current=current)
    write_csv(snakemake.output.params, params)
    write_csv(snakemake.output.metrics, metrics)
    log.info("baseline %s, current %s\n%s", p.baseline, p.current or "results/",
             compare.text_table(params, metrics))
