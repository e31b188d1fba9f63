# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: data"
# ---

# %% [markdown]
# # Data: what every experiment trains on
#
# Two data sets feed the studies: the Kaggle House Prices tables (d2l's preprocessing) and
# Fashion-MNIST (split 80/20 into training and validation, as in the Udacity notebook).
# Both are fetched from the committed mirror and verified against their published checksums.

# %% tags=["parameters"]
house_summary = "results/data/house_prices/summary.json"
house_features = "results/data/house_prices/features.npz"
fashion_summary = "results/data/fashion_mnist/summary.json"
fashion_train = "results/data/fashion_mnist/train.npz"
fashion_valid = "results/data/fashion_mnist/valid.npz"
fashion_test = "results/data/fashion_mnist/test.npz"
setup = {}

# %%
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from initlab import report
from initlab.data import claims as data_claims
from initlab.data import fashion
from initlab.studies.house_prices import claims
from IPython.display import Markdown, display
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

report.setup_page()
house = json.loads(open(house_summary).read())
split = json.loads(open(fashion_summary).read())
features = np.load(house_features)

# %% [markdown]
# ## House prices

# %%
names = features["feature_names"]
numeric = [n for n in names if "_" not in n]  # one-hot columns are named <column>_<category>
display(pd.DataFrame(
    {"rows": [house["shapes"]["train_features"][0], house["shapes"]["test_features"][0]],
     "features": [house["shapes"]["train_features"][1], house["shapes"]["test_features"][1]]},
    index=pd.Index(["train", "test"], name="table")))
display(Markdown(claims.feature_count_text(
    features=house["features"], numeric=len(numeric), names=list(names))))

# %%
prices = features["train_labels"].ravel()
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.hist(prices, bins=np.geomspace(prices.min(), prices.max(), 50), color="#4c72b0")
ax.set_xscale("log")
ax.xaxis.set_major_locator(FixedLocator([5e4, 1e5, 2e5, 4e5, 8e5]))
ax.xaxis.set_major_formatter(FuncFormatter(lambda price, _: f"{price / 1e3:.0f}k"))
ax.xaxis.set_minor_formatter(NullFormatter())
ax.set(title="SalePrice of the 1460 training houses", xlabel="sale price (thousand USD, log scale)", ylabel="houses")
plt.show()
display(Markdown(
    f"Prices span {prices.min():,.0f} to {prices.max():,.0f} USD (median {np.median(prices):,.0f}). "
    "d2l trains on the raw price and scores with log-RMSE, the error of log(price), so a 10% "
    "miss costs the same on a cheap house as on an expensive one."))

# %% [markdown]
# ## Fashion-MNIST

# %%
labels = {name: np.load(path)["y"] for name, path in
          (("train", fashion_train), ("valid", fashion_valid), ("test", fashion_test))}
counts = pd.DataFrame({name: np.bincount(y, minlength=len(fashion.CLASSES)) for name, y in labels.items()},
                      index=pd.Index(fashion.CLASSES, name="class"))
counts.loc["total"] = counts.sum()
display(counts)
split_setup = setup.get("fashion_mnist", {})
fraction = split_setup.get("valid_fraction", split["valid"] / (split["train"] + split["valid"]))
display(Markdown(data_claims.split_sentence(counts.drop(index="total"), fraction=fraction,
                                           seed=split_setup.get("split_seed", "n/a"))))

# %%
x, y = np.load(fashion_train)["x"], labels["train"]
fig, axes = plt.subplots(2, 5, figsize=(8, 3.8))
for label, ax in enumerate(axes.flat):
    ax.imshow(x[np.flatnonzero(y == label)[0]].reshape(fashion.SIDE, fashion.SIDE), cmap="gray_r")
    ax.set_title(fashion.CLASSES[label], fontsize=9)
    ax.axis("off")
fig.suptitle("The first training image of each class (28x28 pixels, intensity 0-1)")
plt.show()
