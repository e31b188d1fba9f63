import json

from initlab.infra.atomic import save_figure
from initlab.infra.joblog import job_log
from initlab.studies.optimizers import plots

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    records = [json.loads(open(path).read()) for path in snakemake.input.runs]
    plain = [r for r in records if r["schedule"] == "none"]
    scheduled = [r for r in records if r["optimizer"] in p["scheduled"]]
    figures = {
        "optimizer_losses": plots.losses_figure(
            plain, window=p["window"], batch_size=p["batch_size"], title="Training loss by optimizer (constant learning rate)"
        ),
        "schedule_losses": plots.losses_figure(
            scheduled, window=p["window"], batch_size=p["batch_size"], title="Training loss by learning-rate schedule",
            colour_by="schedule",
        ),
        "epochs": plots.epochs_figure(records, title="Learning rate and validation metrics per epoch"),
    }
    for name, fig in figures.items():
        save_figure(snakemake.output[name], fig)
    log.info("plotted %d runs (%d with schedules)", len(records), len(scheduled))
