# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: gradient check"
# ---

# %% [markdown]
# # Gradient check and sanity checks
#
# **Question.** Do this project's models compute the gradients of their losses correctly, and does the
# Fashion-MNIST model behave as it should before any real training? The CS231n notes check an analytic
# gradient against the centered difference (f(x+h) - f(x-h)) / 2h in double precision, judge the relative
# error |a - n| / max(|a|, |n|) against fixed thresholds, and run three sanity checks before training.

# %% tags=["parameters"]
gradient_summary = "results/gradient_check/summary.csv"
gradient_figure = "results/gradient_check/relative_errors.png"
sanity_summary = "results/gradient_check/sanity_checks/summary.csv"
setup = {}

# %%
import pandas as pd
from initlab import published, report
from initlab.studies.gradient_check import claims
from IPython.display import Image, Markdown, display

report.setup_page()
checks = pd.read_csv(gradient_summary)
sanity = pd.read_csv(sanity_summary)
config = setup.get("gradient_check", {})

# %% [markdown]
# ## Setup

# %%
models = pd.DataFrame.from_dict(config.get("models", {}), orient="index").astype(object)
models = models.where(models.notna(), "")
models.index.name = "model"
display(report.styled(models))
display(Markdown(
    f"Step h = {config.get('h', 'n/a')}, {config.get('entries', 'n/a')} entries sampled per parameter tensor "
    f"(biases included), a batch of {config.get('batch_size', 'n/a')} examples, checked after "
    f"{config.get('warmup_steps', 'n/a')} Adam warm-up steps (a check at initialization alone can mislead), "
    f"the weight penalty (weight decay {config.get('weight_decay', 'n/a')}) checked apart from the data loss. "
    "`planted_wrong_tanh` carries a deliberately wrong backward pass: the check must flag it."))
display(pd.DataFrame([(f"> {bound:g}" if bound else "smaller", word) for bound, word in published.CS231N_VERDICTS],
                     columns=["relative error", "CS231n verdict"]).set_index("relative error"))

# %% [markdown]
# ## Results

# %%
order = {name: i for i, name in enumerate(checks.model.unique())}
worst = (checks.sort_values("max_rel_error", ascending=False)
         .groupby(["model", "term"])
         .agg(tensor=("label", "first"), max_rel_error=("max_rel_error", "first"),
              entries=("entries", "sum"), kinks=("kinks", "sum"), planted=("planted", "first"))
         .reset_index())
worst["verdict"] = [checks[(checks.model == m) & (checks.term == t)].verdict.tolist() for m, t in
                    zip(worst.model, worst.term)]
worst["verdict"] = worst["verdict"].map(lambda v: "wrong" if "wrong" in v else ", ".join(sorted(set(v))))
worst = worst.sort_values(["model", "term"], key=lambda col: col.map(order) if col.name == "model" else col)
display(report.styled(worst.set_index(["model", "term"]), formatter={"max_rel_error": "{:.2e}"}))
display(Image(filename=gradient_figure))

# %%
display(Markdown("\n\n".join(t for t in (claims.project_sentence(checks), claims.planted_sentence(checks)) if t)))

# %% [markdown]
# ## Sanity checks before training

# %%
display(report.styled(sanity.set_index("check")))
display(Markdown(claims.sanity_sentence(sanity)))
