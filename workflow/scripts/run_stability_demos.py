"""Scalar powers, the random matrix product and activation curves: tables and figures."""

import matplotlib.pyplot as plt
from initlab.infra import atomic
from initlab.infra.joblog import job_log
from initlab.studies.stability import measures, plots

with job_log(snakemake.log[0]) as log:
    p = snakemake.params.settings
    powers = measures.power_table(p["powers"])
    matrix = measures.matrix_product(**p["matrices"])
    low, high = p["range"]
    curves = measures.activation_curves(names=p["activations"], low=low, high=high, points=p["points"])
    summary = measures.demo_summary(powers=powers, matrix=matrix, curves=curves, size=p["matrices"]["size"])
    log.info("demo summary:\n%s", summary.to_string())
    for key, table in dict(powers=powers, matrix=matrix, curves=curves, summary=summary).items():
        atomic.write_csv(snakemake.output[key], table)
    rate = measures.gaussian_product_rate(p["matrices"]["size"])
    figures = dict(
        powers_figure=plots.powers_figure(powers),
        matrix_figure=plots.matrix_figure(matrix, rate=rate, size=p["matrices"]["size"]),
        curves_figure=plots.activations_figure(curves),
    )
    for key, fig in figures.items():
        atomic.save_figure(snakemake.output[key], fig)
        plt.close(fig)
