import json
from pathlib import Path

from initlab.infra.atomic import atomic_path, write_csv
from initlab.infra.devices import check_one_kind
from initlab.infra.joblog import job_log
from initlab.studies.initializers import summary

# the lesson's comparisons, in its order
PAIRS = [("zeros", "ones"), ("uniform", "centered"), ("centered", "general_rule"), ("general_rule", "normal"),
         ("default", "general_rule"), ("default", "normal")]

with job_log(snakemake.log[0]) as log:
    records = [json.loads(Path(path).read_text()) for path in snakemake.input.runs]
    check_one_kind(records, snakemake.input.runs, "train_initializer")
    runs = summary.summary_frame(records)
    table = summary.mean_std_table(runs, snakemake.params.settings["initializers"])
    checks = summary.expected_outcome(table)
    text = summary.honest_comparison(table, PAIRS)
    text += "\n## Expected outcome (mean validation accuracy)\n\n" + "".join(
        f"- {'holds' if ok else 'FAILS'}: {name} ({detail})\n" for name, (ok, detail) in checks.items()
    )
    write_csv(snakemake.output.summary, runs)
    write_csv(snakemake.output.table, table)
    for target, content in ((snakemake.output.markdown, summary.markdown_table(table)),
                            (snakemake.output.comparison, text)):
        with atomic_path(target) as tmp:
            tmp.write_text(content)
    log.info("%d runs, %d diverged\n%s", len(runs), int(runs["diverged"].sum()), summary.markdown_table(table))
