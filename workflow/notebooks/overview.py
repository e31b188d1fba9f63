# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: overview"
# ---

# %% [markdown]
# # initlab: overview
#
# The experiments every deep-learning student meets first (numerical stability, weight initialization,
# gradient checking, linear regression, the Kaggle House Prices practice, optimizers and learning-rate
# schedules, a random hyperparameter search), each rerun as cached Snakemake jobs. This page says, one line per
# study, what we found and whether it agrees with the course notes, then the numbers behind each line; each
# study has its own page, in the same folder, with the setup, the tables, the figures and a conclusion. The
# timing columns on those pages (CPU s, wall s) are explained once, below the table of numbers.

# %% tags=["parameters"]
house_summary = "results/data/house_prices/summary.json"
fashion_summary = "results/data/fashion_mnist/summary.json"
house_reference = ""
house_choice = ""
house_cv = ""
initializers_table = ""
initializers_summary = ""
stability_demos = ""
stability_depth = ""
gradient_summary = ""
sanity_summary = ""
linear_regression = ""
optimizers_summary = ""
search_summary = ""
setup = {}

# %%
import json

import pandas as pd
from initlab import published, report
from initlab.data import claims as data_claims
from initlab.studies.gradient_check import claims as gradient_claims
from initlab.studies.house_prices import claims as house_claims
from initlab.studies.initializers import claims as initializer_claims
from initlab.studies.linear_regression import claims as linreg_claims
from initlab.studies.optimizers import claims as optimizer_claims
from initlab.studies.search import claims as search_claims
from initlab.studies.stability import claims as stability_claims
from IPython.display import Markdown, display

report.setup_page()
QUESTIONS = {
    "data": "Do we read the same data as the notes?",
    "house_prices": "Does k-fold cross-validation reproduce d2l's linear model?",
    "initializers": "Does the initial weight scheme change accuracy as the Udacity lesson found?",
    "stability": "Do signals explode or vanish with depth, and do Xavier and Kaiming keep them flat?",
    "gradient_check": "Are our gradients right by CS231n's gradient check and sanity checks?",
    "linear_regression": "Does linear regression from scratch recover w and b as in d2l?",
    "optimizers": "Do the update rules behave as the CS231n notes claim?",
    "search": "How far does a random search get beyond d2l's linear model?",
}
rows = []  # (study, quantity, ours, notes, agrees?, why)


def add(study, *found):
    rows.extend((study, *row) for row in found)


add("data", *data_claims.overview_rows(json.loads(open(house_summary).read()),
                                      json.loads(open(fashion_summary).read())))

# %%
if house_reference:
    add("house_prices", *house_claims.overview_rows(pd.read_csv(house_reference).set_index("quantity")))
if house_choice:
    choice = json.loads(open(house_choice).read())
    low, high = published.KAGGLE_ENSEMBLE_LOG_RMSE
    add("house_prices", ("submitted candidate: mean valid log-RMSE", f"{choice['model']} / {choice['initializer']}: "
                         f"{choice['cv_valid_log_rmse']:.4f}", f"d2l {published.D2L_HOUSE_MEAN_LOG_RMSE['valid']:.4f}; "
                         f"ensembles {low:g}-{high:g}", "n/a", "no claim to test: a number to place ours"))
if initializers_table:
    add("initializers", *initializer_claims.overview_rows(pd.read_csv(initializers_table),
                                                          setup.get("initializers")))
if stability_demos and stability_depth:
    demos = pd.read_csv(stability_demos).set_index("quantity")["value"]
    key = next((q for q in demos.index if q.startswith("matrix product max |entry|")), None)
    add("stability", *stability_claims.overview_rows(demos, pd.read_csv(stability_depth), matrix_key=key,
                                                     published_range=published.D2L_MATRIX_PRODUCT_RANGE,
                                                     powers=published.D2L_POWERS))
if gradient_summary and sanity_summary:
    add("gradient_check", *gradient_claims.overview_rows(pd.read_csv(gradient_summary), pd.read_csv(sanity_summary),
                                                         correct=published.CS231N_CORRECT,
                                                         suspect=published.CS231N_SUSPECT))
if linear_regression:
    add("linear_regression", *linreg_claims.overview_rows(pd.read_csv(linear_regression).set_index("method"),
                                                          published.D2L_LINREG_LOSSES))
if optimizers_summary:
    verdicts = optimizer_claims.optimizer_claims(pd.read_csv(optimizers_summary))
    add("optimizers", *optimizer_claims.overview_rows(verdicts))
if search_summary:
    search = json.loads(open(search_summary).read())
    add("search", *search_claims.overview_rows(search, reference=published.D2L_HOUSE_MEAN_LOG_RMSE["valid"]))
table = pd.DataFrame(rows, columns=["study", "quantity", "ours", "notes", "agrees?", "why"])

# %% [markdown]
# ## At a glance
#
# One line per study: the question, how many of its numbers agree with the course notes, and the reason for
# each disagreement (or *unexplained*). The rows behind each line follow.

# %%
lines = [(f"[{study}]({study}.html)", QUESTIONS.get(study, ""),
          *report.glance(group.drop(columns="study").itertuples(index=False, name=None)))
         for study, group in table.groupby("study", sort=False)]
display(Markdown(report.markdown_table(pd.DataFrame(lines, columns=["study", "question", "our result",
                                                                    "agrees with the notes?", "why not"]),
                                       index=False)))

# %% [markdown]
# ## Every number beside the notes'

# %%
display(Markdown(report.markdown_table(table, index=False)))

# %%
found = {study: pd.read_csv(path) for path, study in ((house_cv, "house prices folds"),
                                                      (initializers_summary, "initializer runs"),
                                                      (optimizers_summary, "optimizer runs")) if path}
display(Markdown(report.where_trained(found, setup.get("device", "auto"))))

# %% [markdown]
# ## Appendix: the configuration of this run
#
# `config.yaml` after validation against the schema (which fills in defaults). Change a value and rerun
# `snakemake --cores 8`: only the jobs that depend on it run again.

# %%
settings = pd.DataFrame(report.flat_config(setup), columns=["key", "value"]).set_index("key")
display(report.styled(settings).set_properties(**{"text-align": "left"}))
