"""Is the snakemake run that started this job still alive? So that a job waiting for a GPU slot waits as
long as its run lives, and an orphan of a killed run (`kill -9` of snakemake leaves its local jobs running)
gives up instead of waiting for ever and starting work nobody will collect.

The run is named by a marker, "host pid start": the main snakemake's host, PID and start time (clock ticks
since boot, /proc/<pid>/stat field 22), so a PID reused by another process does not pass for the run.
The workflow puts it in the jobs' environment (MARKER_ENV, workflow/rules/common.smk).
"""

import os
import socket

MARKER_ENV = "INITLAB_RUN"


def start_time(pid):
    """The start time of process `pid` in clock ticks since boot, "" where /proc does not tell, None if no
    such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # the command name (field 2) may hold spaces and parentheses: count fields after its last ")"
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return None  # a Linux /proc without this PID: the process is gone
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # it exists, another user's
    return ""


def marker(pid=None):
    """The marker of process `pid` (default: this one)."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()} {pid} {start_time(pid)}"


def alive(text):
    """False only when `text` (a marker) names a process of this host that has ended (or whose PID now
    belongs to a process started at another time). A marker from another host, e.g. a cluster job's
    submitting host, or an unreadable one, cannot be checked here: True."""
    host, pid, start = (text.split(" ") + ["", "", ""])[:3]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    now = start_time(int(pid))
    return now is not None and (not start or not now or now == start)
