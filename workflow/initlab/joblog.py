"""Logging for one Snakemake job: everything goes to the rule's declared log file."""

import logging
from contextlib import contextmanager


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
        raise
    finally:
        root.removeHandler(handler)
        handler.close()
