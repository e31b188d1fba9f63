# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: numerical stability"
# ---

# %% [markdown]
# # Numerical stability: exploding and vanishing signals
#
# **Question.** Why do deep networks need careful initial weights and activations? The gradient of a deep
# network is a product of one Jacobian per layer; a per-layer factor a little above or below 1 explodes or
# vanishes over many layers. The d2l lessons show it with scalar powers and a product of random matrices;
# Xavier and Kaiming initialization choose the weight scale that keeps each layer's variance constant. The
# CS231n notes add what to watch while training: the size of each update against the weights, and per-layer
# histograms.

# %% tags=["parameters"]
demos_summary = "results/stability/demos/summary.csv"
powers_figure = "results/stability/demos/powers.png"
matrix_figure = "results/stability/demos/matrix_product.png"
curves_figure = "results/stability/demos/activation_curves.png"
depth_summary = "results/stability/depth/summary.csv"
activation_figure = "results/stability/depth/activation_variance.png"
gradient_figure = "results/stability/depth/gradient_variance.png"
saturation_figure = "results/stability/depth/saturation.png"
diagnostics_summary = "results/stability/diagnostics/summary.csv"
ratios_figure = "results/stability/diagnostics/update_ratios.png"
histogram_figures = []
weights_figures = []
setup = {}

# %%
from pathlib import Path

import pandas as pd
from initlab import published, report
from initlab.studies.stability import claims
from IPython.display import Image, Markdown, display

report.setup_page()
demos = pd.read_csv(demos_summary).set_index("quantity")["value"]
depth = pd.read_csv(depth_summary)
diagnostics = pd.read_csv(diagnostics_summary)
study = setup.get("stability", {})

# %% [markdown]
# ## Products of many factors

# %%
matrix_key = next((q for q in demos.index if q.startswith("matrix product max |entry|")), None)
low, high = published.D2L_MATRIX_PRODUCT_RANGE
display(report.styled((demos + 0.0).to_frame("value"), formatter="{:.4g}"))  # + 0.0: tanh(-0.0) prints 0, not -0
if matrix_key:
    count = study.get("demos", {}).get("matrices", {}).get("count", 100)
    display(Markdown(claims.matrix_product_sentence(demos[matrix_key], (low, high), count=count)))
display(Image(filename=powers_figure))
display(Image(filename=matrix_figure))

# %% [markdown]
# ## Activations near zero
#
# Sigmoid's slope is at most 0.25, so each sigmoid layer shrinks the gradient; tanh and the rescaled sigmoid
# 4 sigmoid(x) - 2 have slope 1 at zero, like ReLU for positive inputs.

# %%
display(Image(filename=curves_figure))

# %% [markdown]
# ## Variance through a deep network

# %%
config = study.get("depth", {})
display(Markdown(
    f"A fresh MLP with {config.get('depth', 'n/a')} hidden layers of width {config.get('width', 'n/a')}, pushed "
    f"forward and backward on {config.get('batch_size', 'n/a')} real validation images, for every "
    "(initializer, activation) pair. Ratios compare the last hidden layer with the first (forward) and the "
    "first with the last (backward: the gradient flows from the output towards the input)."))
for column, title in (("forward_ratio", "Forward: activation variance, last layer / first layer"),
                      ("backward_ratio", "Backward: gradient variance, first layer / last layer")):
    table = depth.pivot_table(index="initializer", columns="activation", values=column, sort=False)
    display(Markdown(f"**{title}** (1 = flat; within a factor 10 counts as flat)"))
    display(report.styled(table, formatter=report.sci))
display(Markdown("**Verdict per pair** (forward, backward and the saturated share of the last layer)"))
display(report.styled(claims.depth_matrix(depth)))
display(Markdown("**Conclusion.** " + claims.depth_conclusion(depth)))
if config.get("width"):
    display(Markdown(claims.coinciding_lines(depth, width=config["width"])))
for path in (activation_figure, gradient_figure, saturation_figure):
    display(Image(filename=path))

# %% [markdown]
# ## Monitoring a training run
#
# Per layer, the ratio of the size of each update to the size of the weights (CS231n names a healthy size, given
# below; much larger, the learning rate is too high; much smaller, too low), then histograms of activations and
# gradients and the first layer's weights drawn as 28x28 images.

# %%
display(report.styled(diagnostics.set_index(["initializer", "layer"]), formatter={
    "median_update_ratio": "{:.1e}", "first_update_ratio": "{:.1e}", "last_update_ratio": "{:.1e}",
    "valid_accuracy": "{:.3f}", "seconds": "{:.1f}"}))
medians = diagnostics.groupby("initializer", sort=False)["median_update_ratio"].median()
display(Markdown(claims.update_ratio_sentence(medians, published.CS231N_UPDATE_RATIO)
                 + " Within a factor 10 counts as near."))
display(Image(filename=ratios_figure))
for histograms, weights in zip(histogram_figures, weights_figures):
    display(Markdown(f"**{Path(histograms).parent.name}**"))
    display(Image(filename=histograms))
    display(Image(filename=weights))
