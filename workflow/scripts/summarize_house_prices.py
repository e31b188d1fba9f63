import json

import matplotlib.pyplot as plt

from initlab import house_report
from initlab.atomic import save_figure, write_csv
from initlab.joblog import job_log

with job_log(snakemake.log[0]) as log:
    out = snakemake.output
    results = [json.loads(open(path).read()) for path in snakemake.input.folds]
    cv = house_report.cv_summary(results)
    means = house_report.mean_std(cv)
    write_csv(out.summary, cv)
    write_csv(out.means, means)
    write_csv(out.reference, house_report.reference(cv, snakemake.params.settings))
    for path, fig in ((out.curves, house_report.plot_fold_curves(results, fold=1)),
                      (out.initializers, house_report.plot_initializers(means))):
        save_figure(path, fig)
        plt.close(fig)
    log.info("mean/std over folds:\n%s", means.to_string())
