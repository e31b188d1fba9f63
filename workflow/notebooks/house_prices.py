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
from initlab import published, report
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
    f"{study.get('initializers', [])}: {len(folds)} training jobs on `{', '.join(folds.device.unique())}`. "
    f"d2l's settings are {d2l_model}, `{d2l_initializer}`, target `{d2l['target']}`, k = {d2l['folds']}, "
    f"{d2l['epochs']} epochs, lr {d2l['lr']}, batch {d2l['batch_size']}."))

# %% [markdown]
# ## Our numbers beside d2l's

# %%
display(beside_d2l[["ours", "d2l", "difference", "tolerance", "within_tolerance"]]
        .style.format({"ours": "{:.4f}", "d2l": "{:.4f}", "difference": "{:+.4f}", "tolerance": "{:.3f}"}, na_rep=""))
train, valid = (beside_d2l.loc[f"mean_{part}_log_rmse"] for part in ("train", "valid"))
d2l_settings = bool(beside_d2l["seed_settings"].iloc[0])  # True: d2l's (the output column keeps its name)
display(Markdown(
    f"With {'d2l' if d2l_settings else '**not** d2l'}'s settings the linear model with PyTorch's default "
    f"initialization reaches a mean train log-RMSE of **{train.ours:.4f}** (d2l {train.d2l:.4f}) and a mean "
    f"validation log-RMSE of **{valid.ours:.4f}** (d2l {valid.d2l:.4f}): train "
    f"{report.within(train.ours, train.d2l, train.tolerance)}, validation "
    f"{report.within(valid.ours, valid.d2l, valid.tolerance)} "
    f"the +-{train.tolerance:g} band around d2l's numbers. Single folds differ more: each fold holds different "
    "houses, and the batch order is random."))
display(Image(filename=curves_figure))

# %% [markdown]
# ## Models and initializers

# %%
table = means.sort_values("valid_mean").set_index(["model", "initializer"])
display(table[["folds", "diverged_folds", "train_mean", "train_std", "valid_mean", "valid_std", "cpu_seconds_mean",
               "seconds_mean"]].rename(columns={"cpu_seconds_mean": "CPU s per fold", "seconds_mean": "wall s per fold"})
        .style.format(precision=4, na_rep="diverged").format("{:.2f}", subset=["CPU s per fold", "wall s per fold"]))
display(Markdown(report.TIMING_NOTE))
ok = table[~table["diverged"]]
best = ok["valid_mean"].idxmin() if len(ok) else None
diverged = [f"{m}/{i}" for m, i in table.index[table["diverged"]]]
low, high = published.KAGGLE_ENSEMBLE_LOG_RMSE
display(Markdown(
    (f"**Conclusion.** The best candidate by mean validation log-RMSE is **{best[0]} / {best[1]}** at "
     f"{ok.loc[best, 'valid_mean']:.4f} ± {ok.loc[best, 'valid_std']:.4f} over the folds"
     f" (d2l's linear model: {published.D2L_HOUSE_MEAN_LOG_RMSE['valid']:.4f}; strong Kaggle ensembles reach about "
     f"{low:g}-{high:g}). " if best else "**Every candidate diverged.** ")
    + (f"Diverged (NaN or infinite loss, left out of the figure and never submitted): {', '.join(diverged)}."
       if diverged else "No run diverged.")))
display(Image(filename=initializers_figure))

# %% [markdown]
# ## Submission

# %%
display(Markdown(
    f"`submission.csv` holds {choice['rows']} predictions from **{choice['model']} / {choice['initializer']}**, "
    f"chosen {report.SUBMISSION_RULES.get(choice['chosen_by'], 'by the config')} "
    f"(validation log-RMSE {choice['cv_valid_log_rmse']:.4f} ± {choice['cv_valid_std']:.4f}; trained on all "
    f"houses: train log-RMSE {choice['final_train_log_rmse']:.4f}, d2l "
    f"{published.D2L_HOUSE_FINAL_TRAIN_LOG_RMSE:.4f}). It passed the validator: header `Id,SalePrice`, Ids "
    "1461-2919 once each, every price finite and positive."))
