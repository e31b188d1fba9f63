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
display(demos.to_frame("value").style.format("{:.4g}"))
if matrix_key:
    ours = demos[matrix_key]
    display(Markdown(
        f"The product of {study.get('demos', {}).get('matrices', {}).get('count', 100)} random 4x4 N(0, 1) matrices "
        f"reaches a largest entry of **{report.sci(ours)}** (d2l's run: entries around {report.rough(low)} to "
        f"{report.rough(high)}; {'inside' if low / 10 <= ours <= high * 10 else 'outside'} that range give or take "
        "a decade, since the magnitude depends on the random draws)."))
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
    "(initializer, activation) pair. Ratios compare the last hidden layer with the first."))
table = depth.pivot_table(index="initializer", columns="activation", values="forward_ratio", sort=False)
display(Markdown("**Forward: activation variance, last layer / first layer** (1 = flat)"))
display(table.style.format(report.sci))
display(Markdown("**Conclusion.** " + report.depth_conclusion(depth)))
for path in (activation_figure, gradient_figure, saturation_figure):
    display(Image(filename=path))

# %% [markdown]
# ## Monitoring a training run
#
# Per layer, the ratio of the size of each update to the size of the weights (CS231n names a healthy size, given
# below; much larger, the learning rate is too high; much smaller, too low), then histograms of activations and
# gradients and the first layer's weights drawn as 28x28 images.

# %%
display(diagnostics.set_index(["initializer", "layer"]).style.format({"median_update_ratio": "{:.1e}", "first_update_ratio": "{:.1e}",
                                  "last_update_ratio": "{:.1e}", "valid_accuracy": "{:.3f}",
                                  "seconds": "{:.1f}"}))
ratio = published.CS231N_UPDATE_RATIO  # within a decade of it counts as near
medians = diagnostics.groupby("initializer", sort=False)["median_update_ratio"].median()
display(Markdown("Median update/weight ratio per run: " + ", ".join(
    f"{name} {report.sci(value)} ({'near' if ratio / 10 <= value <= ratio * 10 else 'far from'} {report.rough(ratio)})"
    for name, value in medians.items()) + "."))
display(Image(filename=ratios_figure))
for histograms, weights in zip(histogram_figures, weights_figures):
    display(Markdown(f"**{Path(histograms).parent.name}**"))
    display(Image(filename=histograms))
    display(Image(filename=weights))
