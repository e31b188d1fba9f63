import json

from initlab.infra.atomic import write_csv, write_json
from initlab.infra.joblog import job_log
from initlab.studies.search.summary import nested_summary, nested_table

with job_log(snakemake.log[0]) as log:
    table = nested_table([json.loads(open(path).read()) for path in snakemake.input.folds])
    search = json.loads(open(snakemake.input.search).read())
    summary = nested_summary(table, models=snakemake.params.settings["models"], search_log_rmse=search["valid_log_rmse"],
                             search_model=snakemake.params.settings["search_model"])
    write_csv(snakemake.output.table, table)
    write_json(snakemake.output.summary, summary)
    log.info("nested search (%s): mean inner %.4f, mean outer %.4f, inner - outer %+.4f; the plain search's "
             "best (%s) %.4f, minus the outer score of its model %s", ", ".join(summary["models"]),
             summary["inner_log_rmse"], summary["outer_log_rmse"], summary["inner_minus_outer"],
             summary["search_model"], summary["search_log_rmse"], summary["search_minus_outer"])
