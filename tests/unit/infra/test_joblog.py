"""Job logging (initlab.infra.joblog): lines land in the rule's log file; an uncaught error is logged and re-raised."""

import logging
import re
import resource

import pytest
from initlab.infra import joblog

COST = re.compile(r"^job cost: setup=([\d.]+) wall=([\d.]+) cpu=([\d.]+) setup_cpu=([\d.]+) dynamo=([01])$")
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR) ([\w.]+): (.*)$")


pytestmark = pytest.mark.usefixtures("restore_root_logger")  # from conftest.py


def records(path):
    """(level, logger, message) of every formatted line in the log file."""
    return [m.groups() for m in map(LINE.match, path.read_text().splitlines()) if m]


def test_log_lines_of_every_logger_land_in_the_file(tmp_path):
    path = tmp_path / "job.log"
    path.write_text("a previous run\n")
    with joblog.job_log(path) as log:
        assert log.name == "initlab"
        log.info("threads=%d", 2)
        logging.getLogger("initlab.data.fetch").warning("retrying %s", "x.csv")
        logging.getLogger("other").debug("below INFO: not written")
    *lines, cost = records(path)
    assert lines == [("INFO", "initlab", "threads=2"), ("WARNING", "initlab.data.fetch", "retrying x.csv")]
    assert cost[:2] == ("INFO", "root") and COST.match(cost[2]), cost


def test_the_last_line_is_the_jobs_cost_and_it_adds_up(tmp_path):
    path = tmp_path / "job.log"
    with joblog.job_log(path):
        sum(i * i for i in range(2_000_000))  # some CPU inside the job
    setup, wall, cpu, setup_cpu, _ = map(float, COST.match(records(path)[-1][2]).groups())
    assert 0 <= setup <= wall and cpu > 0.05  # the loop's CPU is counted
    assert 0 < setup_cpu <= cpu - 0.05  # measured before the loop
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    # measured before these; the line prints 3 decimals, which may round up by half a millisecond
    assert cpu <= own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + 0.0005
    assert "a previous run" not in path.read_text()  # the file is rewritten, not appended to


def test_handler_is_removed_and_closed_after_the_job(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)
    path = tmp_path / "job.log"
    with joblog.job_log(path):
        assert len(root.handlers) == len(before) + 2  # the log file and the console (progress lines)
    assert root.handlers == before
    logging.getLogger("initlab").error("after the job")
    assert "after the job" not in path.read_text()


def test_an_uncaught_error_is_logged_with_its_traceback_and_re_raised(tmp_path):
    path = tmp_path / "job.log"

    def fail_deep():
        raise ValueError("fold 3 has no rows")

    with pytest.raises(ValueError, match="fold 3 has no rows"), joblog.job_log(path) as log:
        log.info("starting")
        fail_deep()
    text = path.read_text()
    assert records(path)[:2] == [("INFO", "initlab", "starting"),
                                 ("ERROR", "root", "job failed: ValueError: fold 3 has no rows")]
    assert "Traceback (most recent call last)" in text and "in fail_deep" in text
    assert "out of memory" not in text  # no memory hint for other errors
    assert not any(getattr(h, "baseFilename", None) == str(path) for h in logging.getLogger().handlers)


def test_a_memory_error_gets_the_hint_line(tmp_path, monkeypatch):
    monkeypatch.setattr(resource, "getrlimit", lambda which: (3 * 2**30, resource.RLIM_INFINITY))
    path = tmp_path / "job.log"
    with pytest.raises(MemoryError), joblog.job_log(path):
        raise MemoryError()
    errors = [message for level, _, message in records(path) if level == "ERROR"]
    assert errors[0] == "job failed: MemoryError: "
    assert errors[1].startswith("the job ran out of memory (address-space limit: 3072 MiB, see `ulimit -v`)")


def test_memory_hint_recognises_out_of_memory_errors_only(monkeypatch):
    monkeypatch.setattr(resource, "getrlimit", lambda which: (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    torch_oom = RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: "
                             "you tried to allocate 8589934592 bytes")
    for error in (MemoryError(), torch_oom):
        hint = joblog.memory_hint(error)
        assert "address-space limit: unlimited" in hint and "rerun snakemake" in hint
    for error in (ValueError("bad value"), RuntimeError("CUDA error: device-side assert"), KeyError("memory")):
        assert joblog.memory_hint(error) is None


def test_memory_hint_reports_the_soft_limit_in_mib(monkeypatch):
    asked = []
    monkeypatch.setattr(resource, "getrlimit", lambda which: asked.append(which) or (512 * 2**20, 1024 * 2**20))
    assert "address-space limit: 512 MiB" in joblog.memory_hint(MemoryError())
    assert asked == [resource.RLIMIT_AS]


def test_only_a_snakemake_script_process_is_ended_early(tmp_path):
    import types

    from snakemake.iocontainers import Snakemake

    script = types.SimpleNamespace(snakemake=Snakemake.__new__(Snakemake))
    assert joblog.in_snakemake_script(script)
    assert not joblog.in_snakemake_script(types.SimpleNamespace())
    assert not joblog.in_snakemake_script(types.SimpleNamespace(snakemake="a name"))
    assert not joblog.in_snakemake_script()  # pytest's own process: job_log returns normally here


def test_a_script_job_ends_after_its_log_with_everything_written(tmp_path):
    """The process ends with status 0 inside job_log; output and log are complete, later lines never run."""
    import subprocess
    import sys

    from conftest import ROOT

    body = f"""
import sys
sys.path.insert(0, {str(ROOT / "workflow")!r})
from snakemake.iocontainers import Snakemake
snakemake = Snakemake.__new__(Snakemake)
from initlab.infra.joblog import job_log
with job_log({str(tmp_path / "job.log")!r}) as log:
    log.info("working")
    open({str(tmp_path / "out.txt")!r}, "w").write("done")
    print("to stdout", end="")
open({str(tmp_path / "after.txt")!r}, "w").write("ran")
"""
    done = subprocess.run([sys.executable, "-c", body], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "to stdout"  # flushed before the process ended
    assert (tmp_path / "out.txt").read_text() == "done"
    *lines, cost = records(tmp_path / "job.log")
    assert lines == [("INFO", "initlab", "working")] and COST.match(cost[2])
    assert not (tmp_path / "after.txt").exists()


def test_a_failing_script_job_still_fails():
    import subprocess
    import sys

    from conftest import ROOT

    body = f"""
import sys
sys.path.insert(0, {str(ROOT / "workflow")!r})
from snakemake.iocontainers import Snakemake
snakemake = Snakemake.__new__(Snakemake)
from initlab.infra.joblog import job_log
with job_log("/dev/null"):
    raise ValueError("bad input")
"""
    done = subprocess.run([sys.executable, "-c", body], capture_output=True, text=True)
    assert done.returncode == 1 and "ValueError: bad input" in done.stderr


def test_every_rule_script_ends_with_its_job_log_block():
    """A succeeding job's process ends inside job_log, so nothing may follow the block in a script."""
    import ast

    from conftest import ROOT

    for path in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        body = ast.parse(path.read_text()).body
        last = body[-1]
        assert isinstance(last, ast.With) and ast.unparse(last.items[0].context_expr).startswith("job_log("), \
            f"{path.name}: the last statement must be `with job_log(...)`"


def test_stopwatch_reads_wall_and_cpu_seconds_of_the_work_since_it_started():
    import time

    watch = joblog.Stopwatch()
    time.sleep(0.2)  # wall time without CPU: what sharing the cores with other jobs looks like
    sum(i * i for i in range(1_000_000))
    read = watch.read()
    assert set(read) == {"seconds", "cpu_seconds"}
    assert read["seconds"] >= 0.2 + read["cpu_seconds"] * 0.5 and 0.02 < read["cpu_seconds"] < read["seconds"] - 0.15
