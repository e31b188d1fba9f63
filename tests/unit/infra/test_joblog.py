"""Job logging (initlab.infra.joblog): lines land in the rule's log file; an uncaught error is logged and re-raised."""

import logging
import re
import resource

import pytest
from initlab.infra import joblog

COST = re.compile(r"^job cost: setup=([\d.]+) wall=([\d.]+) cpu=([\d.]+)$")
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR) ([\w.]+): (.*)$")


@pytest.fixture(autouse=True)
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


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
    setup, wall, cpu = map(float, COST.match(records(path)[-1][2]).groups())
    assert 0 <= setup <= wall and cpu > 0.05  # the loop's CPU is counted
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    assert cpu <= own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime  # measured before these
    assert "a previous run" not in path.read_text()  # the file is rewritten, not appended to


def test_handler_is_removed_and_closed_after_the_job(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)
    path = tmp_path / "job.log"
    with joblog.job_log(path):
        assert len(root.handlers) == len(before) + 1
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
