# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: comparison"
# ---

# %% [markdown]
# # Comparison of two runs
#
# **Question.** What did the change between a kept run (the baseline) and this run do, and which of the
# differences are larger than the seed-to-seed or fold-to-fold spread? (docs/compare.md)

# %% tags=["parameters"]
params = "results/compare/params.csv"
metrics = "results/compare/metrics.csv"
house_figure = "results/compare/house_prices.png"
initializers_figure = "results/compare/initializers.png"
setup = {}

# %%
import pandas as pd
from initlab import report, tables
from initlab.runs import compare
from IPython.display import Image, Markdown, display

report.setup_page()
changed = pd.read_csv(params, dtype=str, keep_default_na=False)
table = pd.read_csv(metrics)

# %% [markdown]
# ## What changed

# %%
display(Markdown(f"Baseline: {report.escape(setup.get('baseline'))}; current: "
                 f"{report.escape(setup.get('current') or 'results/')}."))
display(report.styled(changed.set_index("key")) if len(changed) else Markdown("Same config and code version."))

# %% [markdown]
# ## Headline quantities

# %%
judged = int(table["verdict"].isin(["differs", "within spread"]).sum())
display(Markdown(f"Verdict: {compare.VERDICT_RULE}. Difference = current - baseline, each the mean over its seeds or "
                 "folds; spread = the pooled standard deviation. "
                 + (tables.chance_note(judged, n=tables.MIN_REPEATS) if judged else "")))
display(report.styled(table.set_index(["study", "quantity"]), formatter={
    c: "{:.6g}" for c in ("baseline", "current", "difference", "spread", "p")}, na_rep=""))
display(Image(filename=house_figure))
display(Image(filename=initializers_figure))

# %%
display(Markdown("**Conclusion.** " + report.escape(compare.conclusion(table))))
