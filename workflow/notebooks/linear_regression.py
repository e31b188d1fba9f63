# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: linear regression"
# ---

# %% [markdown]
# # Linear regression from scratch
#
# **Question.** Does minibatch stochastic gradient descent, written by hand, recover the weights of a
# noisy linear model as well as PyTorch's own layers and the exact least-squares solution? d2l's lesson
# generates y = Xw + b + noise and fits it three epochs with plain SGD.

# %% tags=["parameters"]
summary = "results/linear_regression/summary.csv"
figure = "results/linear_regression/fit.png"
setup = {}

# %%
import pandas as pd
from initlab import published, report
from initlab.studies.linear_regression import claims
from IPython.display import Image, Markdown, display

report.setup_page()
fits = pd.read_csv(summary).set_index("method")
config = setup.get("linear_regression", {})
d2l_losses = config.get("reference_losses", published.D2L_LINREG_LOSSES)

# %% [markdown]
# ## Setup

# %%
display(Markdown(
    f"True weights w = {config.get('w', 'n/a')}, bias b = {config.get('b', 'n/a')}; "
    f"{config.get('examples', 'n/a')} examples with N(0, 1) features and Gaussian noise of standard deviation "
    f"{config.get('noise', 'n/a')}. Both iterative fits use learning rate {config.get('lr', 'n/a')}, "
    f"batches of {config.get('batch_size', 'n/a')} and {config.get('epochs', 'n/a')} epochs: *scratch* has its "
    "own shuffled minibatch iterator, squared loss and SGD update (divided by the actual batch size); "
    "*concise* uses nn.Linear, MSELoss and torch.optim.SGD; *closed_form* solves least squares exactly."))

# %% [markdown]
# ## Results

# %%
epochs = sorted(c for c in fits.columns if c.startswith("loss_epoch_"))
losses = report.beside_reference(
    {int(c.rsplit("_", 1)[1]): fits.loc["scratch", c] for c in epochs},
    {i + 1: value for i, value in enumerate(d2l_losses)}, ours_name="scratch (ours)", reference_name="d2l")
if "concise" in fits.index:
    losses.insert(1, "concise (ours)", [fits.loc["concise", f"loss_epoch_{e}"] for e in losses.index])
losses.index.name = "epoch"
display(report.styled(losses, formatter="{:.6f}", na_rep=""))
display(report.styled(fits[["final_loss", "w_hat", "b_hat", "w_error", "b_error"]], formatter={
    "final_loss": "{:.2e}", "w_error": "{:.1e}", "b_error": "{:.1e}", "b_hat": "{:.4f}"}))
display(Image(filename=figure))

# %%
display(Markdown("**Conclusion.** " + claims.conclusion(fits, d2l_losses, noise=config.get("noise"))))
