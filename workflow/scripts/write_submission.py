import json

import pandas as pd
from initlab.infra.atomic import atomic_path, write_json
from initlab.infra.joblog import job_log
from initlab.studies.house_prices import submission

with job_log(snakemake.log[0]) as log:
    means = pd.read_csv(snakemake.input.means)
    fits = [json.loads(open(path).read()) for path in snakemake.input.fits]
    final = pd.DataFrame([{k: f[k] for k in ("model", "initializer", "diverged", "train_log_rmse")} for f in fits])
    final = final.rename(columns={"diverged": "final_diverged", "train_log_rmse": "final_train_log_rmse"})
    means = means.merge(final, on=["model", "initializer"], validate="one_to_one")
    means["hidden_units"] = means["model"].map(snakemake.params.settings["hidden_units"])
    source = dict(zip(zip(final["model"], final["initializer"]), snakemake.input.predictions))
    if "search_fit" in snakemake.input.keys():  # house_prices.search_candidate: the search's best competes
        fit, search = json.loads(open(snakemake.input.search_fit).read()), snakemake.params.settings["search"]
        candidate = submission.search_candidate(fit, folds=search["folds"],
                                                hidden_units=fit["hidden"] if search["model"] == "mlp" else 0)
        means = pd.concat([means, pd.DataFrame([candidate])], ignore_index=True)
        source["search", candidate["initializer"]] = snakemake.input.search_submission
    rule = snakemake.params.settings["choice"]
    row = submission.choose(means, rule)
    with atomic_path(snakemake.output.submission) as tmp:
        tmp.write_bytes(open(source[row["model"], row["initializer"]], "rb").read())
        rows = submission.validate(tmp)
    choice = {"model": row["model"], "initializer": row["initializer"], "cv_valid_log_rmse": row["valid_mean"],
              "cv_valid_std": row["valid_std"], "final_train_log_rmse": row["final_train_log_rmse"],
              "chosen_by": submission.RULES[rule] if isinstance(rule, str) else "config", "rows": rows}
    write_json(snakemake.output.choice, choice)
    log.info("submission: %s", choice)
