# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: house prices"
# ---

# %% [markdown]
# # Kaggle House Prices: k-fold cross-validation and a submission
#
# **Question.** How well does d2l's linear model predict house prices, judged honestly by k-fold
# cross-validation, and does a small MLP or another initializer do better? d2l trains one linear layer with
# Adam on the preprocessed features, scores each fold by the log-RMSE (the RMSE of log prices, with
# predictions clamped to at least 1), then fits all training houses and writes `submission.csv`.

# %% tags=["parameters"]
cv_summary = "results/house_prices/cv_summary.csv"
cv_means = "results/house_prices/cv_mean_std.csv"
reference = "results/house_prices/reference.csv"
curves_figure = "results/house_prices/fold1_curves.png"
initializers_figure = "results/house_prices/initializers.png"
submission_choice = "results/house_prices/submission.json"
setup = {}

# %%
import json

import pandas as pd
from initlab import published, report, tables
from initlab.studies.house_prices import claims
from IPython.display import Image, Markdown, display

report.setup_page()
folds = pd.read_csv(cv_summary)
means = pd.read_csv(cv_means)
beside_d2l = pd.read_csv(reference).set_index("quantity")
choice = json.loads(open(submission_choice).read())
study = setup.get("house_prices", {})

# %% [markdown]
# ## Setup

# %%
mlp = study.get("mlp", {})
d2l_model, d2l_initializer = published.D2L_HOUSE_CANDIDATE
d2l = published.D2L_HOUSE_SETTINGS
display(Markdown(
    f"{study.get('folds', 'n/a')} contiguous folds, {study.get('epochs', 'n/a')} epochs of Adam with learning rate "
    f"{study.get('lr', 'n/a')}, weight decay {study.get('weight_decay', 'n/a')}, batches of "
    f"{study.get('batch_size', 'n/a')}, target `{study.get('target', 'n/a')}`. Models {study.get('models', [])} "
    f"(the MLP: hidden {mlp.get('hidden', 'n/a')}, {mlp.get('activation', 'n/a')}), initializers "
    f"{study.get('initializers', [])}: {len(folds)} training jobs on "
    f"{report.escape(', '.join(folds.device.astype(str).unique()))}. "
    f"d2l's settings are {d2l_model}, `{d2l_initializer}`, target `{d2l['target']}`, k = {d2l['folds']}, "
    f"{d2l['epochs']} epochs, lr {d2l['lr']}, batch {d2l['batch_size']}."))

# %% [markdown]
# ## Our numbers beside d2l's

# %%
display(report.styled(beside_d2l[["ours", "d2l", "difference", "tolerance", "within_tolerance"]], formatter={
    "ours": "{:.4f}", "d2l": "{:.4f}", "difference": "{:+.4f}", "tolerance": "{:.3f}"}, na_rep=""))
display(Markdown(claims.reference_sentence(beside_d2l) + f" Rule: {tables.DIFFERS_RULE}."))
display(Image(filename=curves_figure))

# %% [markdown]
# ## Models and initializers

# %%
table = means.sort_values("valid_mean").set_index(["model", "initializer"])
shown = table[["folds", "diverged_folds", "train_mean", "train_std", "valid_mean", "valid_std", "cpu_seconds_mean",
               "seconds_mean"]].rename(columns={
    "cpu_seconds_mean": "CPU s per fold", "seconds_mean": "wall s per fold", "train_std": "train std over folds",
    "valid_std": "valid std over folds"})
display(report.styled(shown, precision=4, na_rep="diverged"))
low, high = published.KAGGLE_ENSEMBLE_LOG_RMSE
display(Markdown("**Conclusion.** " + claims.best_candidate_sentence(means, folds)
                 + f" Strong Kaggle ensembles reach about {low:g}-{high:g}."))
display(Image(filename=initializers_figure))

# %% [markdown]
# ## Submission

# %%
display(Markdown(claims.submission_sentence(choice, means, folds) + " It passed the validator: header `Id,SalePrice`, "
                 "Ids 1461-2919 once each, every price finite and positive."))
