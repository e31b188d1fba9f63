# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: overview"
# ---

# %% [markdown]
# # initlab: overview
#
# The experiments every deep-learning student meets first (numerical stability, weight initialization,
# gradient checking, linear regression, the Kaggle House Prices practice, optimizers and learning-rate
# schedules, a random hyperparameter search), each rerun as cached Snakemake jobs. This page gathers the
# headline numbers beside the published ones; each study has its own page, in the same folder, with the setup,
# the tables, the figures and a conclusion.

# %% tags=["parameters"]
house_summary = "results/data/house_prices/summary.json"
fashion_summary = "results/data/fashion_mnist/summary.json"
house_reference = ""
house_choice = ""
initializers_table = ""
stability_demos = ""
stability_depth = ""
gradient_summary = ""
sanity_summary = ""
linear_regression = ""
optimizers_summary = ""
search_summary = ""
setup = {}

# %%
import json

import pandas as pd
from initlab import published, report
from IPython.display import Markdown, display

report.setup_page()
rows = []  # (study page, quantity, ours, published or expected)


def add(page, quantity, ours, reference):
    rows.append((f"[{page}]({page}.html)", quantity, ours, reference))


house = json.loads(open(house_summary).read())
split = json.loads(open(fashion_summary).read())
add("data", "house prices: training houses x features", f"{house['shapes']['train_features'][0]} x "
    f"{house['features']}", f"{published.D2L_HOUSE_TRAIN_ROWS} x {published.D2L_HOUSE_FEATURES}")
add("data", "Fashion-MNIST: train / valid / test images", f"{split['train']} / {split['valid']} / {split['test']}",
    "48000 / 12000 / 10000")

# %%
if house_reference:
    beside_d2l = pd.read_csv(house_reference).set_index("quantity")
    for part in ("train", "valid"):
        row = beside_d2l.loc[f"mean_{part}_log_rmse"]
        add("house_prices", f"linear + default, k-fold: mean {part} log-RMSE", f"{row.ours:.4f}", f"{row.d2l:.4f}")
if house_choice:
    choice = json.loads(open(house_choice).read())
    low, high = published.KAGGLE_ENSEMBLE_LOG_RMSE
    add("house_prices", f"submission ({choice['chosen_by']})", f"{choice['model']} / {choice['initializer']}: "
        f"{choice['cv_valid_log_rmse']:.4f} ± {choice['cv_valid_std']:.4f}",
        f"d2l {published.D2L_HOUSE_MEAN_LOG_RMSE['valid']:.4f}; ensembles {low:g}-{high:g}")

# %%
if initializers_table:
    table = pd.read_csv(initializers_table).set_index("initializer")
    for name, accuracy in published.UDACITY_VALID_ACCURACY.items():
        if name in table.index:
            row = table.loc[name]
            add("initializers", f"{name}: validation accuracy %", f"{row.valid_mean:.2f} ± {row.valid_std:.2f} "
                f"({int(row.runs)} seeds)", f"{accuracy:.3f} (dropout on)")

# %%
if stability_demos:
    demos = pd.read_csv(stability_demos).set_index("quantity")["value"]
    key = next((q for q in demos.index if q.startswith("matrix product max |entry|")), None)
    if key:
        add("stability", "product of 100 random 4x4 matrices: largest entry", report.sci(demos[key]),
            " - ".join(map(report.rough, published.D2L_MATRIX_PRODUCT_RANGE)))
    for quantity, value in published.D2L_POWERS.items():
        if quantity in demos.index:
            add("stability", quantity, report.sci(demos[quantity], 3), report.rough(value))
if stability_depth:
    depth = pd.read_csv(stability_depth)
    for init, act in (("xavier_uniform", "tanh"), ("kaiming_normal", "relu"), ("standard_normal", "relu")):
        pair = depth[(depth.initializer == init) & (depth.activation == act)]
        if len(pair):
            add("stability", f"{init} + {act}: last / first layer activation variance",
                f"{report.sci(pair.forward_ratio.iloc[0])} ({pair.forward.iloc[0]})",
                "flat" if init != "standard_normal" else "explodes")

# %%
if gradient_summary:
    checks = pd.read_csv(gradient_summary)
    own, planted = checks[~checks.planted.astype(bool)], checks[checks.planted.astype(bool)]
    if len(own):
        add("gradient_check", "project models: largest relative error", f"{report.sci(own.max_rel_error.max())} "
            f"({', '.join(sorted(set(own.verdict)))})",
            f"< {report.rough(published.CS231N_CORRECT)} correct, < {report.rough(published.CS231N_SUSPECT)} with kinks")
    if len(planted):
        add("gradient_check", "planted wrong tanh backward", f"{(planted.verdict == 'wrong').sum()} tensors "
            f"flagged wrong", "flagged wrong")
if sanity_summary:
    sanity = pd.read_csv(sanity_summary).set_index("check")
    if "initial_loss" in sanity.index:
        initial = sanity.loc["initial_loss"]  # expected: ln(classes), the loss of a uniform guess
        add("gradient_check", "initial softmax loss, small weights", f"{float(initial.value):.4f}",
            f"ln(10) = {float(initial.expected):.3f}")
    add("gradient_check", "sanity checks passed", f"{sanity.passed.astype(str).str.lower().eq('true').sum()} of "
        f"{len(sanity)}", f"{len(sanity)} of {len(sanity)}")

# %%
if linear_regression:
    fits = pd.read_csv(linear_regression).set_index("method")
    if "scratch" in fits.index:
        losses = [fits.loc["scratch", c] for c in sorted(c for c in fits.columns if c.startswith("loss_epoch_"))]
        add("linear_regression", "from scratch: loss after each epoch", ", ".join(f"{v:.6f}" for v in losses),
            ", ".join(f"{v:.6f}" for v in published.D2L_LINREG_LOSSES))
    add("linear_regression", "largest error in w or b (all methods)",
        report.sci(fits[["w_error", "b_error"]].max().max()), f"< {report.rough(published.D2L_LINREG_MAX_ERROR)}")

# %%
if optimizers_summary:
    runs = pd.read_csv(optimizers_summary)  # best first
    finished = runs.dropna(subset=["valid_accuracy_mean"])
    epochs = setup.get("optimizers", {}).get("epochs", "n/a")
    if len(finished):
        top = finished.iloc[0]
        seeds = int(top.seeds - top.diverged)
        add("optimizers", f"best optimizer / schedule: validation accuracy % after {epochs} epochs",
            f"{report.run_name(top.optimizer, top.schedule)} (lr {top.lr:g}): {100 * top.valid_accuracy_mean:.1f} "
            f"[{100 * top.valid_accuracy_min:.1f}, {100 * top.valid_accuracy_max:.1f}] "
            f"({seeds} seed{'s' if seeds != 1 else ''})", "no published run")
    claims = report.optimizer_claims(runs)
    if len(claims):
        counts = claims.verdict.value_counts()
        add("optimizers", "comparisons agreeing with the notes' claims", f"{counts.get('agrees', 0)} of "
            f"{len(claims)} ({counts.get('within the seed spread', 0)} within the seed spread, "
            f"{counts.get('disagrees', 0)} against)", f"{len(claims)} of {len(claims)}")
if search_summary:
    search = json.loads(open(search_summary).read())
    add("search", "best random-search trial: mean k-fold validation log-RMSE",
        f"{search['valid_log_rmse']:.4f} ± {search['valid_std']:.4f} ({search['best_trial']}, "
        f"{sum(search['trials'].values())} trials)",
        f"d2l linear {published.D2L_HOUSE_MEAN_LOG_RMSE['valid']:.4f}; goal {search['goal_log_rmse']:g}")

# %% [markdown]
# ## Headline numbers

# %%
headline = pd.DataFrame(rows, columns=["study", "quantity", "ours", "published / expected"])
display(Markdown(headline.to_markdown(index=False)))
display(Markdown(f"Training jobs ran with `device: {setup.get('device', 'auto')}`. Published numbers come "
                 "from the course notes' own runs; where ours differ, the study page says why."))

# %% [markdown]
# ## Configuration of this run
#
# `config.yaml` after validation against the schema (which fills in defaults). Change a value and rerun
# `snakemake --cores 8`: only the jobs that depend on it run again.

# %%
settings = pd.DataFrame(report.flat_config(setup), columns=["key", "value"]).set_index("key")
display(settings.style.set_properties(**{"text-align": "left"}))
