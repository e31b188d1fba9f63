import json

import pandas as pd
from initlab.infra.atomic import save_figure, write_csv
from initlab.infra.joblog import job_log
from initlab.studies.gradient_check import plots
from initlab.studies.gradient_check.summary import failures

COLUMNS = ["model", "planted", "term", "parameter", "label", "entries", "max_rel_error", "verdict", "kinks",
           "below_precision", "max_rel_error_at_kinks"]

with job_log(snakemake.log[0]) as log:
    planted = snakemake.params.settings["planted"]
    rows = []
    for path in snakemake.input.results:
        result = json.loads(open(path).read())
        rows += [dict(row, model=result["model"], planted=planted[result["model"]]) for row in result["summary"]]
    summary = pd.DataFrame(rows)[COLUMNS]
    write_csv(snakemake.output.summary, summary)
    entries = pd.concat([pd.read_csv(path) for path in snakemake.input.entries], ignore_index=True)
    save_figure(snakemake.output.figure, plots.relative_errors(entries, planted))
    problems = failures(rows, planted)
    for problem in problems:
        log.error(problem)
    if problems:
        raise SystemExit("gradient check failed:\n  " + "\n  ".join(problems))
    log.info("all %d models as expected; planted bugs flagged: %s", len(planted),
             [m for m, p in planted.items() if p])
