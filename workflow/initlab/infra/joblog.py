"""Logging for one Snakemake job: everything goes to the rule's declared log file."""

import logging
import resource
from contextlib import contextmanager


def memory_hint(error):
    """A line explaining an out-of-memory error with the limit in force, or None for other errors."""
    out_of_memory = isinstance(error, MemoryError) or "can't allocate memory" in str(error)
    if not out_of_memory:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    limit = "unlimited" if soft == resource.RLIM_INFINITY else f"{soft / 2**20:.0f} MiB"
    return (f"the job ran out of memory (address-space limit: {limit}, see `ulimit -v`); "
            "free memory or raise the limit, then rerun snakemake")


@contextmanager
def job_log(path):
    """Route `logging` to `path` for the job's duration; record an uncaught error there too.

    The error is re-raised, so Snakemake still marks the job failed and removes its outputs.
    """
    handler = logging.FileHandler(path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield logging.getLogger("initlab")
    except BaseException as error:
        root.error("job failed: %s: %s", type(error).__name__, error, exc_info=True)
        if hint := memory_hint(error):
            root.error(hint)
        raise
    finally:
        root.removeHandler(handler)
        handler.close()
