# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: weight initialization"
# ---

# %% [markdown]
# # Weight initialization on Fashion-MNIST
#
# **Question.** How much does the choice of initial weights matter? The Udacity lesson trains the same
# multilayer perceptron from different initial weights (all zeros, all ones, uniform [0, 1), centered
# [-0.5, 0.5), the general rule [-y, y) with y = 1/sqrt(n), normal N(0, y), PyTorch's default) and compares the
# first batch losses and the validation accuracy after two epochs. Here every initializer is trained from
# several seeds (one job per initializer, its seeds in turn), so each difference can be weighed against the
# seed-to-seed spread.

# %% tags=["parameters"]
summary = "results/initializers/summary.csv"
table = "results/initializers/table.csv"
comparison = "results/initializers/comparison.md"
accuracy_figure = "results/initializers/figures/accuracy.png"
weights_figure = "results/initializers/figures/initial_weights.png"
loss_figures = []
setup = {}

# %%
from pathlib import Path

import pandas as pd
from initlab import report, tables
from initlab.studies.initializers import claims
from IPython.display import Image, Markdown, display

report.setup_page()
runs = pd.read_csv(summary)
means = pd.read_csv(table).set_index("initializer")
study = setup.get("initializers", {})

# %% [markdown]
# ## Setup

# %%
display(Markdown(
    f"{report.mlp_text(study)}, Adam with learning rate {study.get('lr', 'n/a')}; "
    f"seeds {study.get('seeds', 'n/a')} per initializer ({len(runs)} runs on "
    f"{report.escape(', '.join(runs.device.astype(str).unique()))}, one job per initializer). Accuracy is measured "
    "with dropout off (`model.eval()`); the published numbers were measured with dropout still on. "
    + claims.dropout_effect(means)))

# %% [markdown]
# ## Accuracy, dropout off

# %%
shown = means[["runs", "diverged", "valid_mean", "valid_std", "test_mean"]].rename(columns={
    "valid_mean": "valid % (mean)", "valid_std": "valid % (std over seeds)", "test_mean": "test % (mean)"})
display(report.styled(shown, precision=2, na_rep=""))
display(Markdown("**Conclusion.** " + claims.outcome_conclusion(means)))
display(Image(filename=accuracy_figure))

# %% [markdown]
# ## Like for like: the lesson's protocol
#
# The lesson measured validation accuracy with dropout still on (its helper never switched the model to
# evaluation mode) and trained each initializer once, unseeded. Here every run is measured that way too,
# after the numbers above: the mean, lowest and highest over our seeds beside the published run.

# %%
like = means[means["reference_valid"].notna()]
shown = like[["reference_valid", "lesson_valid_mean", "lesson_valid_std", "lesson_valid_min", "lesson_valid_max",
              "reference_within_lesson_spread", "valid_mean"]].rename(columns={
    "reference_valid": "published valid % (dropout on)", "lesson_valid_mean": "ours, dropout on (mean)",
    "lesson_valid_std": "std over seeds", "lesson_valid_min": "min", "lesson_valid_max": "max",
    "reference_within_lesson_spread": "published within our spread", "valid_mean": "ours, dropout off (mean)"})
shown["published within our spread"] = like["reference_within_lesson_spread"].map(
    lambda flag: "cannot tell" if pd.isna(flag) else "yes" if flag else "no")
display(report.styled(shown, precision=2, na_rep=""))
judged = int(like["reference_within_lesson_spread"].notna().sum())
display(Markdown(f"Rule: {tables.WITHIN_RULE}. " + (tables.chance_note(judged, n=int(like["lesson_valid_n"].max()),
                                                                         rule="within_spread") if judged else "")))
display(Markdown("**Conclusion.** " + claims.lesson_protocol_conclusion(means)))

# %% [markdown]
# ## Which differences are real
#
# Two initializers differ only when their means are further apart than the seeds scatter, judged by a t test
# whose false-alarm rate is stated below.

# %%
text = Path(comparison).read_text()
text = text.split("\n", 1)[1] if text.startswith("# ") else text  # this page has its own title
display(Markdown(text.replace("\n## ", "\n#### ")))

# %% [markdown]
# ## The first batch losses
#
# The lesson's comparisons, one figure each: the mean over seeds with a band from the lowest to the highest seed.

# %%
for path in loss_figures:
    display(Markdown(f"**{Path(path).stem.removeprefix('losses_').replace('_', ' ')}**"))
    display(Image(filename=path))

# %% [markdown]
# ## The initial weights
#
# Histograms of each initializer's initial weight values per layer (the lesson's `hist_dist`): constant
# initializers are a single spike, uniform [0, 1) is all positive, the scaled rules shrink with the fan-in.

# %%
display(Image(filename=weights_figure))
