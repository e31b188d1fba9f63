# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # initlab: overview
#
# The experiments every deep-learning student meets first (numerical stability, weight initialization,
# gradient checking, linear regression, the Kaggle House Prices practice), each rerun as cached
# Snakemake jobs. This page gathers the headline numbers beside the published ones; each study has its
# own page with the setup, the tables and the figures.

# %% tags=["parameters"]
house_summary = "results/data/house_prices/summary.json"
fashion_summary = "results/data/fashion_mnist/summary.json"
setup = {}

# %%
import json

import pandas as pd
import yaml
from IPython.display import Markdown, display

house = json.loads(open(house_summary).read())
split = json.loads(open(fashion_summary).read())

# %% [markdown]
# ## Data ([details](data.html))

# %%
display(pd.DataFrame(
    [("House prices: training houses x features", f"{house['shapes']['train_features'][0]} x {house['features']}",
      "1460 x 331"),
     ("House prices: test houses", house["shapes"]["test_features"][0], 1459),
     ("Fashion-MNIST: train / valid / test images", f"{split['train']} / {split['valid']} / {split['test']}",
      "48000 / 12000 / 10000")],
    columns=["quantity", "ours", "expected"]).set_index("quantity"))
display(Markdown(f"Training jobs ran with `device: {setup.get('device', 'auto')}`."))

# %% [markdown]
# ## Configuration of this run
#
# `config.yaml` after validation against the schema (which fills in defaults). Change a value and rerun
# `snakemake --cores 8`: only the jobs that depend on it run again.

# %%
display(Markdown(f"```yaml\n{yaml.safe_dump(setup, sort_keys=False, width=100)}```"))
