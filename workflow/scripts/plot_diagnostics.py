"""Update/weight ratios of every diagnosed run in one figure, and the diagnostics summary table."""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from initlab.infra import atomic
from initlab.infra.devices import check_one_kind
from initlab.infra.joblog import job_log
from initlab.studies.stability import plots
from initlab.studies.stability.summary import update_ratios

with job_log(snakemake.log[0]) as log:
    ratios = pd.concat([pd.read_csv(path) for path in snakemake.input.ratios], ignore_index=True)
    results = [json.loads(Path(path).read_text()) for path in snakemake.input.results]
    check_one_kind(results, snakemake.input.results, "diagnose_training")
    summary = update_ratios(ratios, results)
    log.info("diagnostics summary:\n%s", summary.to_string())
    atomic.write_csv(snakemake.output.summary, summary)
    fig = plots.update_ratio_figure(ratios, guide=snakemake.params.settings["guide"])
    atomic.save_figure(snakemake.output.figure, fig)
    plt.close(fig)
