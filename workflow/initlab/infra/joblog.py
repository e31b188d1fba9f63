"""Logging for one Snakemake job: everything goes to the rule's declared log file."""

import logging
import resource
import time
from contextlib import contextmanager

COST_PREFIX = "job cost:"  # bench/bench_reproduction.py reads these lines


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
    The last line is the job's cost (COST_PREFIX): seconds from process start to this call
    (setup), wall seconds and CPU seconds of the whole process at the end.
    """
    setup = _since_start()  # interpreter, Snakemake's script preamble and the script's imports
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
        root.info("%s setup=%.3f %s", COST_PREFIX, setup, job_cost())
        root.removeHandler(handler)
        handler.close()


def job_cost():
    """This process's cost so far: wall seconds since it started (interpreter start and imports
    included) and CPU seconds of the process and its finished children, as `key=value` pairs."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return f"wall={_since_start():.3f} cpu={cpu:.3f}"


def _since_start():
    import psutil  # a Snakemake dependency

    return time.time() - psutil.Process().create_time()
