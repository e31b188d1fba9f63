"""One short Fashion-MNIST run with the diagnostics observer: ratios, histograms, first-layer weights."""

import matplotlib.pyplot as plt
from initlab.data import fashion
from initlab.infra import atomic, runtime
from initlab.infra.joblog import job_log
from initlab.studies.stability import diagnostics, plots

with job_log(snakemake.log[0]) as log:
    p, name = snakemake.params.settings, snakemake.wildcards.initializer
    device = runtime.configure(threads=snakemake.threads, seed=runtime.derive_seed("stability", "diagnostics", name),
                               **p["placement"])
    result, observer, model = diagnostics.diagnose(
        initializer=name, train=fashion.load_split(snakemake.input.train, p["train_samples"]),
        valid=fashion.load_split(snakemake.input.valid), hidden=p["hidden"], activation=p["activation"],
        dropout=p["dropout"], optimizer=p["optimizer"], lr=p["lr"], batch_size=p["batch_size"], epochs=p["epochs"],
        log_every=p["log_every"], bins=p["bins"], batch_seed=runtime.derive_seed("stability", "batches"), device=device,
    )
    log.info("%s", result)
    histograms = observer.histogram_arrays()
    initial = observer.first_layer[: p["images"]]  # (images, 784) at step 0 and after training
    final = model.layers[0].weight.detach().cpu().numpy()[: p["images"]]
    atomic.write_csv(snakemake.output.ratios, observer.ratios().assign(initializer=name))
    atomic.save_npz(snakemake.output.histograms, **histograms)
    atomic.save_npz(snakemake.output.first_layer, initial=initial, final=final)
    result["provenance"] = runtime.provenance(device)
    atomic.write_json(snakemake.output.result, result)
    figures = dict(
        histogram_figure=plots.histogram_figure(histograms, title=f"{name}: activations and gradients"),
        weights_figure=plots.weight_images_figure(
            {"after training": final, "change in training": final - initial}, title=f"{name}: first-layer weights"
        ),
    )
    for key, fig in figures.items():
        atomic.save_figure(snakemake.output[key], fig)
        plt.close(fig)
