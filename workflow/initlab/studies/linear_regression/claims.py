"""The linear regression page's sentences, from summary.csv (index method) and the config (pandas only)."""

from initlab.published import D2L_LINREG_MAX_ERROR
from initlab.report import rough


def conclusion(fits, d2l_losses, *, noise=None):
    """The scratch fit's loss curve beside d2l's, where its last epoch sits against noise^2 / 2 (the expected
    loss of the true w and b on new data; a fit scored on its own training examples can land below it), and
    the largest parameter error against d2l's bound, each clause from the numbers."""
    epochs = sorted(c for c in fits.columns if c.startswith("loss_epoch_"))
    first, last = fits.loc["scratch", epochs[0]], fits.loc["scratch", epochs[-1]]
    text = (f"From scratch, the loss falls from {first:.4f} after the first epoch to {last:.6f} after the last "
            f"(d2l: {d2l_losses[0]:.6f} to {d2l_losses[-1]:.6f}; the first epoch depends on the random data and "
            "batch order)")
    if noise:
        floor = noise ** 2 / 2
        ratio = last / floor
        where = ("at the noise level (0.8 to 1.25 x)" if 0.8 <= ratio <= 1.25 else
                 "below the noise level" if ratio < 0.8 else "above the noise level")
        text += (f". The last epoch's loss is {ratio:.2f} x noise^2/2 = {floor:.1e}, {where}: noise^2/2 is the "
                 "expected loss of the true w and b on new data; a fit scored on its own training examples can "
                 "land a little below it")
    worst = fits[["w_error", "b_error"]].max(axis=1)
    bound = rough(D2L_LINREG_MAX_ERROR)
    text += (f". Every method recovers w and b to within {worst.max():.1e} (largest error: {worst.idxmax()}), "
             + (f"below d2l's {bound}." if worst.max() < D2L_LINREG_MAX_ERROR else f"**above d2l's {bound}**."))
    return text


def overview_rows(fits, d2l_losses):
    """Overview rows: the scratch fit's last-epoch loss against d2l's (agreeing within a factor 2: both sit at
    the noise level, and the first epochs depend on the random data), and the largest parameter error."""
    epochs = sorted(c for c in fits.columns if c.startswith("loss_epoch_"))
    last = fits.loc["scratch", epochs[-1]]
    close = 0.5 <= last / d2l_losses[-1] <= 2
    worst = fits[["w_error", "b_error"]].max().max()
    return [("from scratch: loss after the last epoch", f"{last:.6f}", f"{d2l_losses[-1]:.6f}",
             "yes" if close else "no", "" if close else "unexplained: more than a factor 2 from d2l's"),
            ("largest error in w or b (all methods)", f"{worst:.1e}", f"< {rough(D2L_LINREG_MAX_ERROR)}",
             "yes" if worst < D2L_LINREG_MAX_ERROR else "no",
             "" if worst < D2L_LINREG_MAX_ERROR else "unexplained")]
