import json

import matplotlib.pyplot as plt
from initlab.infra.atomic import save_figure, write_csv
from initlab.infra.devices import check_one_kind
from initlab.infra.joblog import job_log
from initlab.studies.house_prices import summary

with job_log(snakemake.log[0]) as log:
    out = snakemake.output
    results = [json.loads(open(path).read()) for path in snakemake.input.folds]
    check_one_kind(results, snakemake.input.folds, "train_fold")
    cv = summary.cv_summary(results)
    means = summary.mean_std(cv)
    write_csv(out.summary, cv)
    write_csv(out.means, means)
    write_csv(out.reference, summary.reference(cv, snakemake.params.settings))
    for path, fig in ((out.curves, summary.plot_fold_curves(results, fold=1)),
                      (out.initializers, summary.plot_initializers(means))):
        save_figure(path, fig)
        plt.close(fig)
    log.info("mean/std over folds:\n%s", means.to_string())
