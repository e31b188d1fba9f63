# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: "initlab: optimizers"
# ---

# %% [markdown]
# # Optimizers and learning-rate schedules on Fashion-MNIST
#
# **Question.** Do the update rules of the CS231n notes behave as the notes say? The notes present the plain
# update `x += -lr * dx`, momentum and Nesterov momentum, learning-rate annealing (step, exponential and 1/t
# decay) and the per-parameter methods Adagrad, RMSprop and Adam, and claim that momentum almost always
# converges faster than the plain update, that annealing usually helps, and that Adagrad's shrinking rate stops
# learning too early. The notes publish no run of their own, so their claims are tested here: the same MLP is
# trained by each optimizer from the same initial weights and batch order (per seed), so each claim is judged
# by a paired comparison over the seeds on the training loss the claim speaks of.

# %% tags=["parameters"]
summary = "results/optimizers/summary.csv"
losses_figure = "results/optimizers/optimizer_losses.png"
schedule_figure = "results/optimizers/schedule_losses.png"
epochs_figure = "results/optimizers/epochs.png"
setup = {}

# %%
import pandas as pd
from initlab import published, report, tables
from initlab.studies.optimizers import claims as notes
from initlab.studies.optimizers import sentences
from IPython.display import Image, Markdown, display

report.setup_page()
runs = pd.read_csv(summary)
study = setup.get("optimizers", {})
claims = notes.optimizer_claims(runs)

# %% [markdown]
# ## Setup

# %%
optimizers = study.get("optimizers", {})
schedules = study.get("schedules", {})
display(Markdown(
    f"{report.mlp_text(study)}; validation loss and accuracy (dropout off) on the 12000 "
    f"validation images after every epoch. Seeds {study.get('seeds', 'n/a')}: the runs of one seed share their "
    f"initial weights and batch order. {int(runs.seeds.sum())} runs on "
    f"{report.escape(', '.join(runs.device.astype(str).unique()))}."))


def words(settings):
    return ", ".join(f"{key} {value:g}" if isinstance(value, (int, float)) else f"{key} {value}"
                     for key, value in settings.items())


rows = [(name, words(settings)) for name, settings in optimizers.items()]
rows += [(f"{' / '.join(study.get('scheduled', []))} + {name}", words(settings) + ", stepped once per epoch")
         for name, settings in schedules.items()]
display(Markdown(report.markdown_table(pd.DataFrame(rows, columns=["run", "settings"]), index=False)))
mu = sorted({s["momentum"] for s in optimizers.values() if "momentum" in s})
alpha = optimizers.get("rmsprop", {}).get("alpha")
typical = []
if mu:
    typical.append(f"momentum mu {', '.join(f'{m:g}' for m in mu)} (the notes: usually one of "
                 f"{', '.join(f'{m:g}' for m in published.CS231N_MOMENTUM_MU)}; the effective step is lr / (1 - mu))")
if alpha is not None:
    typical.append(f"RMSprop decay rate {alpha:g} (the notes: one of "
                 f"{', '.join(f'{d:g}' for d in published.CS231N_RMSPROP_DECAY)})")
if "step" in schedules:
    step = schedules["step"]
    decays = " or ".join(f"x{factor:g} every {every} epochs" for every, factor in published.CS231N_STEP_DECAY)
    typical.append(f"step decay x{step.get('gamma', 'n/a')} every {step.get('step_size', 'n/a')} epochs (the notes: "
                   f"{decays})")
if typical:
    display(Markdown("Settings beside the notes' typical values: " + "; ".join(typical) + "."))

# %% [markdown]
# ## Validation accuracy per run
#
# Mean, lowest and highest over the seeds that finished (a diverged seed is counted, not averaged), highest mean
# first; "last-epoch training loss" is the mean over the finished seeds of the last epoch's training loss.

# %%
table = runs.assign(run=[notes.run_name(o, s) for o, s in zip(runs.optimizer, runs.schedule)]).set_index("run")
for column in ("valid_accuracy_mean", "valid_accuracy_min", "valid_accuracy_max"):
    table[column] = 100 * table[column]
shown = table[["lr", "seeds", "diverged", "valid_accuracy_mean", "valid_accuracy_min", "valid_accuracy_max",
               "last_epoch_loss_mean", "cpu_seconds_mean", "seconds_mean"]].rename(columns={
    "valid_accuracy_mean": "valid % (mean)", "valid_accuracy_min": "valid % (min)",
    "valid_accuracy_max": "valid % (max)",
    "last_epoch_loss_mean": "last-epoch training loss", "cpu_seconds_mean": "CPU s per run",
    "seconds_mean": "wall s per run"})
display(report.styled(shown, formatter={"lr": "{:g}", "valid % (mean)": "{:.1f}", "valid % (min)": "{:.1f}",
                                        "valid % (max)": "{:.1f}", "last-epoch training loss": "{:.3f}",
                                        "CPU s per run": "{:.1f}", "wall s per run": "{:.1f}"}, na_rep="diverged"))

# %% [markdown]
# ## Beside the notes' claims
#
# Each claim sets the run it favours against another on the training loss it speaks of: "converges faster" on
# the mean training loss over the epochs (the area under the loss curve), "settles lower" and "stops learning
# too early" on the last epoch's training loss. Runs of one seed share initial weights and batch order, so the
# comparison is paired by seed. The runs use the configured learning rates, not tuned ones.

# %%
if "sgd" in optimizers:
    steps = [f"{name} lr {s['lr']:g} with mu {s['momentum']:g} steps up to lr / (1 - mu) = "
             f"{s['lr'] / (1 - s['momentum']):.3g}" for name, s in optimizers.items() if s.get("momentum")]
    if steps:
        display(Markdown(f"Step sizes: {'; '.join(steps)}; plain sgd {optimizers['sgd']['lr']:g}."))
if len(claims):
    display(Markdown(f"Rule: {tables.DIFFERS_RULE}. "
                     + tables.chance_note(len(claims), n=len(study.get("seeds", [])) or 3, rule="paired")))
    display(report.styled(claims.drop(columns="why").set_index(["claim", "comparison"]),
                          formatter={"difference": "{:+.4f}", "p": "{:.2g}"}, na_rep=""))
    why = notes.reasons(claims)
    if why:
        display(Markdown("Why the disagreements (from the per-seed epoch losses):\n\n"
                         + "\n".join(f"- {line}" for line in why)))
else:
    display(Markdown("None of the claims' runs is configured (momentum or nesterov with sgd, a schedule, "
                     "rmsprop with adagrad)."))
seeds = len(study.get("seeds", [])) or 3
display(Markdown("**Conclusion.** " + sentences.optimizer_conclusion(
    runs, claims, epochs=study.get("epochs"), false_alarm_rate=tables.false_alarm_rate("paired", seeds))))

# %% [markdown]
# ## Training loss by optimizer
#
# The loss of every batch, averaged over windows of batches; the line is the mean over seeds, the band spans the
# lowest to the highest seed. The notes: a low rate lowers the loss linearly, a higher one about exponentially,
# and a rate too high plateaus early at a worse loss.

# %%
display(Image(filename=losses_figure))

# %% [markdown]
# ## Training loss by learning-rate schedule
#
# The scheduled optimizers under each schedule and at a constant rate (top), and each scheduled run minus the
# same optimizer at the constant rate, seed by seed (bottom: a line on zero coincides with the constant rate's).
# The notes expect annealing to let the loss settle lower once the rate has dropped; what this run shows:

# %%
display(Markdown(sentences.schedule_sentence(claims) + " " + sentences.coincide_sentence(runs)))
display(Image(filename=schedule_figure))

# %% [markdown]
# ## Per epoch: validation loss and accuracy, and the learning rate under each schedule
#
# Top: the runs at a constant rate (validation measured with dropout off after each epoch). Below, one row per
# optimizer run under schedules: its validation loss and accuracy minus those of the same optimizer at the
# constant rate, seed by seed, and the learning rate of each epoch.

# %%
display(Markdown(sentences.coincide_sentence(runs, unit="epoch")))
display(Image(filename=epochs_figure))
