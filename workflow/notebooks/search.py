# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: random search"
# ---

# %% [markdown]
# # Coarse-to-fine random search on Kaggle House Prices
#
# **Question.** How far below d2l's linear model does a hyperparameter search as the CS231n notes describe it
# take the house prices model? The notes' advice: search on a log scale, randomly rather than on a grid, coarse
# first (short training, wide ranges) and then fine (longer training, narrower ranges), and be wary of a best
# value on the border of its range. Here every trial is one job scored by its mean k-fold validation log-RMSE,
# the number d2l's linear model is judged by; the fine stage's ranges are computed from the best coarse trials.

# %% tags=["parameters"]
trials = "results/search/trials.csv"
summary = "results/search/summary.json"
fit = "results/search/best_fit.json"
scores_figure = "results/search/scores.png"
nested_table = None  # with search.nested.report: the nested cross-validation's per-fold table and summary
nested_summary = None
setup = {}

# %%
import json

import pandas as pd
from initlab import published, report
from initlab.studies.search import claims
from IPython.display import Image, Markdown, display

report.setup_page()
table = pd.read_csv(trials)
best = json.loads(open(summary).read())
final = json.loads(open(fit).read())
study = setup.get("search", {})
ranges = {name: study.get("ranges", {}).get(name) for name in best["params"]}
d2l = published.D2L_HOUSE_MEAN_LOG_RMSE["valid"]

# %% [markdown]
# ## Setup

# %%
schedule = study.get("schedule", {})
coarse, fine = study.get("coarse", {}), study.get("fine", {})
display(Markdown(
    f"Model `{study.get('model', 'n/a')}` ({study.get('activation', 'n/a')}, dropout {study.get('dropout', 'n/a')}, "
    f"initializer `{study.get('initializer', 'n/a')}`), target `{study.get('target', 'n/a')}`, "
    f"{study.get('optimizer', 'n/a')} with batches of {study.get('batch_size', 'n/a')}, learning-rate schedule "
    f"`{schedule.get('name', 'n/a')}` ({', '.join(f'{k} {v}' for k, v in schedule.items() if k != 'name')}), "
    "output bias started at the mean "
    f"target: {study.get('start_at_mean', 'n/a')}, features clipped: {study.get('clip') or 'no'}. Scored by the mean "
    f"validation log-RMSE over {study.get('folds', 'n/a')} contiguous folds (the house prices study's). Searched "
    f"ranges: {', '.join(f'{name} {bounds}' for name, bounds in ranges.items())}, sampled with seed "
    f"{study.get('seed', 'n/a')}. Coarse stage: {report.count(coarse.get('trials', 'n/a'), 'trial')} of "
    f"{report.count(coarse.get('epochs', 'n/a'), 'epoch')}; fine stage: "
    f"{report.count(fine.get('trials', 'n/a'), 'trial')} of {report.count(fine.get('epochs', 'n/a'), 'epoch')}, in "
    "ranges around the best "
    f"{report.count(fine.get('top', 'n/a'), 'coarse trial')} (widened by {fine.get('shrink', 'n/a')} / 2 of the coarse "
    f"log-width on each side). {len(table)} trial jobs on "
    f"{report.escape(', '.join(table.device.astype(str).unique()))}. These fixed settings "
    "were chosen while building the search, on the same folds: treat them as tuned too."))

# %% [markdown]
# ## The best trial beside d2l's linear model

# %%
headline = pd.DataFrame([
    ("mean validation log-RMSE over the folds",
     f"{best['valid_log_rmse']:.4f} ± {best['valid_std']:.4f} ({claims.trial_label(best['best_trial'])}, "
     f"{len(table)} trials)",
     f"{d2l:.4f} (linear model, {published.D2L_HOUSE_SETTINGS['folds']} folds)", f"<= {best['goal_log_rmse']:g}"),
    ("train log-RMSE, refit on all training houses",
     "diverged" if final["diverged"] else f"{final['train_log_rmse']:.4f}",
     f"{published.D2L_HOUSE_FINAL_TRAIN_LOG_RMSE:.4f} (linear model)", ""),
], columns=["quantity", "ours", "d2l", "goal (config)"]).set_index("quantity")
display(report.styled(headline))
display(Markdown("**Conclusion.** " + claims.search_conclusion(best, table, reference=d2l)))

# %% [markdown]
# ## The notes' advice beside this search

# %%
advice = claims.search_advice(best, table, ranges, tolerance=study.get("edge_tolerance", 0.1))
display(report.styled(advice).hide(axis="index").set_properties(**{"text-align": "left"}))

# %% [markdown]
# ## Score against each hyperparameter
#
# Every trial's mean validation log-RMSE against each sampled value (log axes); coarse trials open, fine trials
# filled, the best fine trial starred. Dotted lines mark the search range, shading the fine range, dashed lines
# the baseline and the goal.

# %%
display(Image(filename=scores_figure))

# %% [markdown]
# ## Every trial
#
# Ranked within its stage (1 = lowest score; a diverged trial scores NaN and is never ranked). The last column
# names the values within the edge tolerance of their search range (log scale), where the notes say the range
# should move.

# %%
tolerance = study.get("edge_tolerance", 0.1)
shown = table.assign(trial=table["trial"].map(claims.trial_label),
                     near=[claims.near_edges(row, ranges, tolerance=tolerance) for _, row in table.iterrows()])
columns = ["stage", "rank", *ranges, "epochs", "valid_log_rmse", "valid_std", "train_log_rmse", "cpu_seconds",
           "seconds", "near"]
display(report.styled(shown.set_index("trial")[columns].rename(columns={
    "cpu_seconds": "CPU s", "seconds": "wall s", "near": f"within {tolerance:.0%} of an edge"}),
    formatter={"rank": "{:.0f}", "lr": "{:.3g}", "weight_decay": "{:.3g}", "valid_log_rmse": "{:.4f}",
               "valid_std": "{:.4f}", "train_log_rmse": "{:.4f}", "CPU s": "{:.1f}", "wall s": "{:.1f}"}, na_rep=""))

# %% [markdown]
# ## Submission

# %%
display(Markdown(
    f"`results/search/submission.csv` holds {final['rows']} predictions of the best configuration "
    f"({claims.search_params_text(best['params'])}) refit on all training houses "
    f"({'diverged' if final['diverged'] else 'train log-RMSE ' + format(final['train_log_rmse'], '.4f')}). It passed "
    "the validator: header `Id,SalePrice`, one finite positive price per test Id."))

# %% [markdown]
# ## Nested cross-validation: how optimistic is the best score?
#
# The best trial's score is the lowest of many means on the same folds that chose it, so it is biased low.
# With `search.nested.report: true` (target `search_nested`) the whole search runs again inside each outer
# fold on that fold's training rows alone; its pick is refit on them and scored on the outer fold, whose
# prices the search never trained on or scored. Its features did enter the standardization: d2l's preprocessing
# standardizes the training and test features together (transductive: no labels, but every house's features).
# Inner minus outer < 0 means the search's own score was optimistic.

# %%
if nested_summary is None:
    display(Markdown("Not built in this run (`search.nested.report: false`; `snakemake --cores 8 search_nested`)."))
else:
    nested = json.loads(open(nested_summary).read())
    preprocessing = study.get("preprocessing", {})
    threshold = preprocessing.get("skew_threshold")
    display(Markdown(
        f"Models searched in each outer fold: {', '.join(nested['models'])}"
        f"{' (their predictions averaged in log-price space)' if len(nested['models']) > 1 else ''}; "
        f"{nested['folds']} outer folds, {study.get('nested', {}).get('inner_folds', 'n/a')} inner folds; "
        f"preprocessing: log1p of the features {f'with |skewness| > {threshold}' if threshold is not None else 'off'}, "
        f"large houses "
        f"`{preprocessing.get('large_houses', 'keep')}` (above {preprocessing.get('max_living_area', 'n/a')} sq ft"
        f"{'; the scores cover the other houses only' if preprocessing.get('large_houses') == 'drop_from_data' else ''}). "
        f"**Mean inner {nested['inner_log_rmse']:.4f}, mean outer {nested['outer_log_rmse']:.4f} "
        f"± {nested['outer_std']:.4f}, inner minus outer {nested['inner_minus_outer']:+.4f}**"
        + (f" (outer without the large houses, which no model trained on: {nested['outer_log_rmse_trainable_rows']:.4f})"
           if preprocessing.get("large_houses") == "drop_from_training" else "") + "; "
        f"{nested['cpu_seconds']:.0f} CPU s in all. Inner models train on fewer rows than the refit (inner folds of "
        "the outer-training rows), which raises inner scores; the plain search's best score "
        f"({nested['search_log_rmse']:.4f}, model `{nested['search_model']}`) comes from the same folds and training "
        "sizes as the outer scores"
        + (f", so **search minus outer ({nested['search_model']} alone), {nested['search_minus_outer']:+.4f}**, is "
           "the optimism of that reported number (negative: optimistic)." if nested["search_minus_outer"] is not None
           else "; its model is not among the nested ones.")))
    display(report.styled(pd.read_csv(nested_table).set_index("fold"), precision=4))
