import time

import pandas as pd
from initlab.infra import runtime
from initlab.infra.atomic import save_figure, write_csv, write_json
from initlab.infra.joblog import job_log
from initlab.studies.linear_regression import fit, plots

with job_log(snakemake.log[0]) as log:
    start, p = time.perf_counter(), snakemake.params.settings
    seed = runtime.derive_seed("linear_regression", p["seed"])
    device = runtime.configure(threads=snakemake.threads, seed=seed, device="cpu")  # 1000 x 2: CPU by design
    x, y, fits = fit.fit_all(w=p["w"], b=p["b"], examples=p["examples"], noise=p["noise"], lr=p["lr"],
                             batch_size=p["batch_size"], epochs=p["epochs"], seed=seed, init_std=p["init_std"])
    table = pd.DataFrame([
        dict(method=f["method"], **{f"loss_epoch_{i + 1}": f["losses"][i] if i < len(f["losses"]) else None
                                    for i in range(p["epochs"])},
             final_loss=f["final_loss"], w_error=f["w_error"], b_error=f["b_error"],
             w_hat=" ".join(f"{v:.6f}" for v in f["w_hat"]), b_hat=f["b_hat"])
        for f in fits
    ])
    write_csv(snakemake.output.summary, table)
    save_figure(snakemake.output.figure, plots.fits_figure(x, y, fits, p["reference_losses"]))
    for f in fits:
        log.info("%s: losses %s, w error %.2e, b error %.2e", f["method"], f["losses"], f["w_error"], f["b_error"])
    write_json(snakemake.output.result, dict(fits=fits, seed=seed, device=str(device),
                                             seconds=time.perf_counter() - start))
