"""What every report page shares: display defaults, HTML-safe tables, number formats, the timing note, and the
overview's lines that span the studies (`glance`, `where_trained`).

Each study's sentences live beside its summary (initlab.studies.<study>.claims). Cell text on a page can come
from a config or a shared snapshot, so every table goes through `styled` or `markdown_table`, which escape HTML:
`setup_page` also sets pandas' `styler.format.escape`, which covers a Styler without its own `.format` call.
"""

import html
import json
import math
from collections import Counter

import pandas as pd



def setup_page():
    """Display defaults for a notebook page: figures readable at page width, table cells not truncated."""
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 110, "font.size": 10, "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False})
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", None)
    pd.set_option("display.precision", 4)
    pd.set_option("styler.format.escape", "html")  # every Styler's cells, index and header text


def styled(frame, **formats):
    """frame.style with every cell, index label and column name HTML-escaped, and `formats` passed to
    Styler.format (formatter=..., precision=..., na_rep=...). Escaping runs on the formatted text."""
    styler = frame.style.format(escape="html", **formats)
    return styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)


def escape(value):
    """Text safe inside markdown or HTML: <, >, & and quotes as entities, table pipes and newlines neutralized."""
    return html.escape(str(value)).replace("|", "&#124;").replace("\n", " ")


def markdown_table(frame, *, index=True):
    """A GitHub markdown table of `frame` whose cells, labels and headers are escaped (see `escape`)."""
    shown = frame.reset_index() if index else frame
    header = [escape(c) for c in shown.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(escape(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    return "\n".join(lines)


TIMING_NOTE = (
    "Times are each job's own: *CPU s* is its CPU time, about what it takes alone on one core; *wall s* grows "
    "when jobs share the cores. On a GPU read wall s, since CPU s miss the device's work.")


def beside_reference(ours, reference, *, ours_name="ours", reference_name="published"):
    """A frame with our values and the published ones side by side, and their difference.

    `ours` and `reference` map the same kind of key (an initializer, an epoch) to numbers; keys
    present in only one of them keep a blank in the other column.
    """
    frame = pd.DataFrame({ours_name: pd.Series(ours, dtype=float),
                          reference_name: pd.Series(reference, dtype=float)})
    frame["difference"] = frame[ours_name] - frame[reference_name]
    return frame


def count(n, noun, plural=None):
    """'1 trial', '3 trials' ('n/a trials' for a missing count): a number with its noun in agreement."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def sci(value, digits=2):
    """A number in scientific notation as text ('3.5e-07'); 'n/a' for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}" if 1e-3 <= abs(value) < 1e4 or value == 0 else f"{value:.{digits - 1}e}"


def rough(value):
    """A rough magnitude as the course notes write it: one significant digit, '4e17', '1e-7'."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def flat_config(config, prefix=""):
    """A nested config as rows (dotted key, value): lists and scalars as compact JSON, one row per leaf."""
    rows = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += flat_config(value, prefix=f"{name}.")
        else:
            rows.append((name, json.dumps(value)))
    return rows


def mlp_text(study):
    """A study's Fashion-MNIST MLP run in words, from its config section: 'MLP 784-256-128-10 with relu and
    dropout 0.2, batches of 100, 2 epochs on all 48000 training images'."""
    sizes = "-".join(map(str, [784, *study.get("hidden", []), 10]))
    images = study.get("train_samples") or "all 48000"
    return (f"MLP {sizes} with {study.get('activation', 'n/a')} and dropout {study.get('dropout', 'n/a')}, batches "
            f"of {study.get('batch_size', 'n/a')}, {study.get('epochs', 'n/a')} "
            f"epoch{'' if study.get('epochs') == 1 else 's'} on {images} training images")


def glance(rows):
    """One study's line of the overview's "at a glance" table from its rows (quantity, ours, notes, agrees?,
    why): (our result, agrees with the notes?, why not). The result counts the judged rows (agrees? other than
    'n/a') that agree, and any verdict other than yes or no ('cannot tell', 'not shown'); the study agrees when
    every judged row does, not when any says no, partly otherwise; why not joins the reasons of the rows that do
    not agree."""
    judged = [row for row in rows if row[3] != "n/a"]
    counts = Counter(row[3] for row in judged)
    result = (f"{counts.get('yes', 0)} of {len(judged)} agree" if judged else "no number to compare") + "".join(
        f", {n} {word}" for word, n in counts.items() if word not in ("yes", "no"))
    agrees = ("n/a" if not judged else "yes" if counts.get("yes", 0) == len(judged) else
              "no" if counts.get("no", 0) else "partly")
    why = "; ".join(f"{quantity}: {reason}" for quantity, _, _, verdict, reason in judged
                    if verdict != "yes" and reason)
    return result, agrees, why


def where_trained(found, device):
    """The overview's sentence on where the training ran: `found` maps what a table counts ('initializer runs')
    to the table (a `device` column; a `seeds` column where one row stands for several runs), `device` is the
    config's setting. Then TIMING_NOTE."""
    devices = {}
    for what, table in found.items():
        weights = table["seeds"] if "seeds" in table else pd.Series(1, index=table.index)
        for name, n in weights.groupby(table["device"].astype(str)).sum().items():
            devices.setdefault(name, []).append(f"{n} {what}")
    if not devices:
        return "No training job's device is recorded on this page's inputs."
    return ("**Where the training ran** (the `device` each run recorded): " + "; ".join(
        f"{escape(name)}: {', '.join(whats)}" for name, whats in devices.items())
        + f". The config asked for `device: {escape(device)}`. " + TIMING_NOTE)
