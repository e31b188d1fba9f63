"""Compare the current run (or snapshot `current`) with snapshot `baseline`: params.csv, metrics.csv, the
overlaid figures, and both tables as plain text at the end of the log (initlab.runs)."""

import matplotlib.pyplot as plt
from initlab.infra.atomic import save_figure, write_csv
from initlab.infra.joblog import job_log
from initlab.runs import compare, plots, snapshot

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    baseline = snapshot.read(p["baseline"])
    if p["current"]:
        current = snapshot.read(p["current"])
    else:
        current = snapshot.current(results="results", config=p["config"], code=snapshot.code_version(p["checkout"]))
    params = compare.params_diff(baseline=baseline, current=current)
    metrics = compare.metrics(baseline=baseline, current=current)
    write_csv(snakemake.output.params, params)
    write_csv(snakemake.output.metrics, metrics)
    for target, draw in ((snakemake.output.house_prices, plots.house_prices_figure),
                         (snakemake.output.initializers, plots.initializers_figure)):
        fig = draw(baseline=baseline, current=current)
        save_figure(target, fig)
        plt.close(fig)
    log.info("baseline %s, current %s\n%s", p["baseline"], p["current"] or "results/",
             compare.text_table(params, metrics))
