"""One kind of device per summary: the results a study summarizes must come from CPU runs only or
CUDA runs only.

`device: auto` is recorded as `auto`, not as the device a job found, so a GPU that appears or disappears
between runs reruns nothing: the cached results keep the device they were made on, and new jobs run on
the new one. CPU and CUDA differ in the last bits (other kernels), so a table mixing them would compare
unlike runs without a word. A summary refuses them instead, naming the runs and the rerun that fixes
it (docs/development.md#the-rerun-contract).
"""


class MixedDevices(ValueError):
    """Results of one summary made on different kinds of device."""


def kind(device):
    """'cuda' for 'cuda' or 'cuda:1', 'cpu' for 'cpu': the device kind of a result's `device` field."""
    return str(device).split(":")[0]


def check_one_kind(records, paths, rule):
    """The one device kind of `records` (dicts with a `device` field, read from `paths`); MixedDevices
    naming a file of each kind and the `--forcerun rule` that reruns them all on this machine's device."""
    kinds = {}
    for record, path in zip(records, paths, strict=True):
        kinds.setdefault(kind(record["device"]), path)
    if len(kinds) > 1:
        examples = ", ".join(f"{path} ran on {name}" for name, path in sorted(kinds.items()))
        raise MixedDevices(
            f"results of one study from different devices ({examples}); CPU and CUDA runs differ in the last "
            f"bits and are not summarized together: rerun them on one device with "
            f"`snakemake --cores 8 --forcerun {rule}` (or set `device: cpu` or `device: cuda`)"
        )
    return next(iter(kinds), None)
