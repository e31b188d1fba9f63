"""Logging for one Snakemake job: everything goes to the rule's declared log file."""

import logging
import os
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path

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
    (setup), wall seconds and CPU seconds of the whole process at the end, the CPU seconds spent
    before this call (setup_cpu) and whether torch._dynamo was imported (dynamo=1; a job that
    never compiles should not pay for it, see core.nodynamo).

    In a Snakemake script job, a job that succeeds ends its process here (see end_script_job), so
    the `with job_log(...)` block must be the script's last statement.
    """
    setup, setup_cpu = _since_start(), _cpu()  # interpreter, Snakemake's script preamble, the script's imports
    handler = logging.FileHandler(path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    console = logging.StreamHandler(sys.stderr)  # progress lines (infra.progress) on Snakemake's console too
    console.addFilter(lambda record: getattr(record, "console", False))
    console.setFormatter(logging.Formatter(f"[{job_name(path)}] %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.addHandler(console)
    root.setLevel(logging.INFO)
    try:
        yield logging.getLogger("initlab")
    except BaseException as error:
        root.error("job failed: %s: %s", type(error).__name__, error, exc_info=True)
        if hint := memory_hint(error):
            root.error(hint)
        raise
    finally:
        root.info("%s setup=%.3f %s setup_cpu=%.3f dynamo=%d", COST_PREFIX, setup, job_cost(), setup_cpu,
                  "torch._dynamo" in sys.modules)
        for each in (handler, console):
            root.removeHandler(each)
            each.close()
    if in_snakemake_script():
        end_script_job()


class Stopwatch:
    """How long a job's own work took, from creation to read(): wall and CPU seconds.

    Wall seconds grow when other jobs share the cores (`snakemake --cores 8` on 2 cores runs 8 jobs
    at once); the CPU seconds of this process hardly do, so for a one-thread CPU job they are about
    what the work takes alone on one core. On a GPU the CPU seconds miss the device's work: read wall there.
    """

    def __init__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def read(self):
        """{"seconds": wall, "cpu_seconds": CPU of this process}, both since creation."""
        return {"seconds": time.perf_counter() - self._wall, "cpu_seconds": time.process_time() - self._cpu}


def job_name(log_path):
    """The job a log belongs to, for console lines: results/logs/train_fold/linear/default/fold1.log
    -> train_fold/linear/default/fold1 (the path without its suffix, from `logs` on)."""
    parts = Path(log_path).with_suffix("").parts
    return "/".join(parts[parts.index("logs") + 1:] if "logs" in parts else parts[-1:])


def in_snakemake_script(main=None):
    """Whether this process runs a Snakemake `script:` job (its preamble binds `snakemake` in __main__)."""
    main = sys.modules.get("__main__") if main is None else main
    return type(getattr(main, "snakemake", None)).__module__.startswith("snakemake.")


def end_script_job():
    """End a finished script job's process now, skipping the interpreter's teardown.

    Unloading torch at exit costs about 0.8 s of CPU per process (measured on the 2-core dev
    machine, docs/development.md), paid by every training job. By now every output is written and
    renamed into place and the log is closed; only the standard streams need flushing.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def job_cost():
    """This process's cost so far: wall seconds since it started (interpreter start and imports
    included) and CPU seconds of the process and its finished children, as `key=value` pairs."""
    return f"wall={_since_start():.3f} cpu={_cpu(children=True):.3f}"


def _cpu(children=False):
    """User + system CPU seconds of this process (and of its finished children)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)[: 2 if children else 1]:
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _since_start():
    import psutil  # a Snakemake dependency

    return time.time() - psutil.Process().create_time()
