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
display(models)
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
         .agg(parameter=("parameter", "first"), max_rel_error=("max_rel_error", "first"),
              entries=("entries", "sum"), kinks=("kinks", "sum"), planted=("planted", "first"))
         .reset_index())
worst["verdict"] = [checks[(checks.model == m) & (checks.term == t)].verdict.tolist() for m, t in
                    zip(worst.model, worst.term)]
worst["verdict"] = worst["verdict"].map(lambda v: "wrong" if "wrong" in v else ", ".join(sorted(set(v))))
worst = worst.sort_values(["model", "term"], key=lambda col: col.map(order) if col.name == "model" else col)
display(worst.set_index(["model", "term"]).style.format({"max_rel_error": "{:.2e}"}))
display(Image(filename=gradient_figure))

# %%
own = checks[~checks.planted.astype(bool)]
planted = checks[checks.planted.astype(bool)]
own_worst = own.loc[own.max_rel_error.idxmax()] if len(own) else None
unresolved = int(own_worst.get("below_precision", 0)) if own_worst is not None and pd.notna(
    own_worst.get("below_precision", 0)) else 0
lines = []
if own_worst is not None:
    flagged = own[own.verdict == "wrong"]
    lines.append(
        f"**Project models**: {own.model.nunique()} models, {int(own.entries.sum())} entries checked; "
        + ("none is flagged wrong" if flagged.empty else f"**{len(flagged)} tensors flagged wrong**")
        + f"; the largest relative error is {report.sci(own_worst.max_rel_error)} "
        f"({own_worst.model}, {own_worst.parameter}, {own_worst.term} term, verdict {own_worst.verdict}"
        + (f"; {unresolved} of its entries differ by less than float64 rounding can resolve" if unresolved else "")
        + ").")
if len(planted):
    wrong = planted[planted.verdict == "wrong"]
    lines.append(
        f"**Planted bug**: {len(wrong)} of {len(planted)} tensors of `{planted.model.iloc[0]}` flagged wrong "
        f"(relative error up to {report.sci(planted.max_rel_error.max())}): "
        + (", ".join(f"{r.parameter} ({r.term})" for r in wrong.itertuples()) or "none, so the checker missed it")
        + "; the tensors downstream of the wrong tanh backward stay correct, which locates the bug.")
display(Markdown("\n\n".join(lines)))

# %% [markdown]
# ## Sanity checks before training

# %%
display(sanity.set_index("check"))
initial = sanity.set_index("check").loc["initial_loss"] if "initial_loss" in set(sanity.check) else None
passed = sanity.passed.astype(str).str.lower().eq("true")
display(Markdown(
    f"{int(passed.sum())} of {len(sanity)} sanity checks pass"
    + (f"; the initial loss {float(initial.value):.4f} is {abs(float(initial.value) - float(initial.expected)):.1e} "
       f"from ln(10) = {float(initial.expected):.3f}, the loss of a uniform guess over 10 classes"
       if initial is not None else "")
    + "." + ("" if passed.all() else " **Failed: " + ", ".join(sanity.check[~passed]) + ".**")))
