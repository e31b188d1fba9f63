"""GPU slots: pin each GPU job to one device, at most `jobs_per_gpu` jobs per device at a time.

Snakemake's `resources: gpu=1` is only a scheduling token; it never says which GPU a job gets.
Each job therefore takes a slot here: one lock file per (device, slot) in a lock directory,
locked with a non-blocking `fcntl.flock`. The lock lives as long as the open file, i.e. the job
process: when the job ends, or is killed, the kernel releases it.

Other local users are not trusted (docs/security.md): the lock directory is the user's own
(/tmp/initlab-gpu-<uid>, mode 0700) unless INITLAB_GPU_LOCK_DIR names another, one of the user's own
or an administrator's shared one (owned by root), where every user's jobs see each other's slots;
lock_files checks the directory and opens the lock files safely.

Devices are named as CUDA sees them (`gpus.visible_devices`: UUIDs), so "0" and "GPU-<uuid>" of
one device are one lock. No torch import: the Snakefile imports this module at parse time.
"""

import fcntl
import logging
import os
import time
from pathlib import Path

from initlab.infra import gpus, parent_run
from initlab.infra.lock_files import UnsafeLockPath  # noqa: F401 (raised through this module's functions)
from initlab.infra.lock_files import describe, is_safe_dir, open_dir, open_lock, owner, read_heads

# Environment the workflow sets for its jobs (common.smk): scheduling settings, not results,
# so they do not go through params (changing them must not rerun anything).
JOBS_PER_GPU_ENV = "INITLAB_JOBS_PER_GPU"
LOCK_DIR_ENV = "INITLAB_GPU_LOCK_DIR"
WAIT_ENV = "INITLAB_GPU_WAIT"

# Fixed, not $TMPDIR: a per-job TMPDIR would give each job its own locks. Tests point it elsewhere.
TMP = "/tmp"
LOCK_MODE = 0o644  # others' jobs in a shared directory open it read-only: flock needs no write access
PID_BYTES = 32  # the most read from a lock file for the holders' message
REPORT_EVERY = 60.0  # seconds between "waiting for a GPU slot" lines

_held = []  # file descriptors of this process's locks: closing one would free its slot

log = logging.getLogger(__name__)


class NoFreeSlot(RuntimeError):
    """Every (device, slot) lock is held by another process."""


def default_lock_dir(environ=None):
    """INITLAB_GPU_LOCK_DIR, else this user's own lock directory; inside a SLURM job its own subdirectory.

    The user's own is /tmp/initlab-gpu-<uid>. Any user can create that path first: when something
    other than a safe directory of this user's is there, $XDG_RUNTIME_DIR/initlab-gpu is used instead
    if that runtime directory is this user's and private (a warning names both); else try_acquire
    refuses the squatted path with an error saying what to do.
    Inside a SLURM job, CUDA_VISIBLE_DEVICES numbers the job's own GPUs from 0 (and without
    nvidia-smi the devices keep those numbers), so two jobs on one node could both lock "GPU 0"
    for different GPUs: each SLURM job gets its own subdirectory.
    """
    environ = os.environ if environ is None else environ
    base = environ.get(LOCK_DIR_ENV) or _user_dir(environ)
    job = environ.get("SLURM_JOB_ID")
    return os.path.join(base, f"slurm-{job}") if job else base


def _user_dir(environ):
    primary = os.path.join(TMP, f"initlab-gpu-{os.geteuid()}")
    runtime = environ.get("XDG_RUNTIME_DIR") or ""
    if is_safe_dir(primary, missing_ok=True) or not (runtime.startswith("/") and is_safe_dir(runtime, private=True)):
        return primary
    log.warning("GPU lock directory %s is %s, not this user's: using %s/initlab-gpu", primary, describe(primary),
                runtime)
    return os.path.join(runtime, "initlab-gpu")


def lock_path(lock_dir, device, slot):
    """The lock file of one slot; device identifiers may be UUIDs, so keep them filename-safe."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in device)
    return Path(lock_dir) / f"gpu-{safe}-slot{slot}.lock"


def advice():
    return f"set {LOCK_DIR_ENV} to a directory of your own (e.g. ~/.cache/initlab-gpu) and tell the administrator"


def try_acquire(devices, jobs_per_gpu, lock_dir):
    """Lock the first free slot, or return None. Returns (device index, device id, slot).

    Slots are tried slot-major (slot 0 of every device before slot 1), so jobs spread over devices.
    """
    if jobs_per_gpu < 1:
        raise ValueError(f"jobs_per_gpu={jobs_per_gpu!r}: expected an integer >= 1")
    expected = (f"expected a directory owned by {owner(os.geteuid())} that group and others cannot write (mode 700), "
                f"or an administrator's owned by root (mode 1777 or 755); {advice()}")
    dir_fd = open_dir(lock_dir, expected)
    try:
        for slot in range(jobs_per_gpu):
            for index, device in enumerate(devices):
                fd, writable = open_lock(dir_fd, lock_path(lock_dir, device, slot), LOCK_MODE, advice())
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                if writable:  # who holds it, for the error message of others
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
                _held.append(fd)
                return index, device, slot
    finally:
        os.close(dir_fd)
    return None


def acquire(devices, jobs_per_gpu, lock_dir, timeout=0.0, poll=0.2, alive=None, report_every=REPORT_EVERY):
    """Take a free slot, waiting up to `timeout` seconds (math.inf: no limit) and while `alive()` (default:
    always); hold it until this process exits. While it waits it logs, every `report_every` seconds, who
    holds the slots (also on Snakemake's console).

    Returns (device index in `devices`, device id, slot). Raises NoFreeSlot naming the devices,
    jobs_per_gpu, the lock directory and the holders' PIDs when none frees up in time or `alive()` fails.
    """
    if not devices:
        raise NoFreeSlot("no GPU is visible (CUDA_VISIBLE_DEVICES empty, or nvidia-smi lists none)")
    start = time.monotonic()
    deadline, report = start + timeout, start + report_every
    while True:
        got = try_acquire(devices, jobs_per_gpu, lock_dir)
        if got is not None:
            log.info("GPU slot: device %s (index %d), slot %d, lock dir %s", got[1], got[0], got[2], lock_dir)
            return got
        now = time.monotonic()
        if alive is not None and not alive():
            raise NoFreeSlot(f"the snakemake run that started this job has ended; no free GPU slot: "
                             f"{_slots(devices, jobs_per_gpu, lock_dir)}")
        if now >= deadline:
            raise NoFreeSlot(f"no free GPU slot after {timeout:g} s ({WAIT_ENV}): "
                             f"{_slots(devices, jobs_per_gpu, lock_dir)}; run fewer GPU jobs at once "
                             "(--resources gpu=N) or raise jobs_per_gpu")
        if now >= report:
            log.warning("waiting %.0f s for a GPU slot: %s", now - start, _slots(devices, jobs_per_gpu, lock_dir),
                        extra={"console": True})
            report = now + report_every
        time.sleep(poll)


def _slots(devices, jobs_per_gpu, lock_dir):
    return f"devices {devices}, jobs_per_gpu={jobs_per_gpu}, lock dir {lock_dir}, held by PIDs {holders(lock_dir)}"


def holders(lock_dir):
    """PIDs written in the lock files (a stale PID only means the slot was used before): regular files only,
    read without blocking, at most PID_BYTES of each (any user may add files to a shared directory)."""
    heads = read_heads(lock_dir, "gpu-", ".lock", PID_BYTES)
    return [int(text) for text in (head.strip() for head in heads.values()) if text.isdigit()]


def release_all():
    """Give back this process's slots (tests; a job simply exits)."""
    while _held:
        os.close(_held.pop())


def pin(device, environ=None):
    """Make `device` the only GPU this process sees; CUDA must not have started yet.

    After this, the device is `cuda:0` inside the process.
    """
    environ = os.environ if environ is None else environ
    environ["CUDA_VISIBLE_DEVICES"] = device


def claim(environ=None, devices=None):
    """For a job about to use CUDA: take a slot on one of `devices` (default: the visible ones).

    Returns (index in the device list, device id); the caller pins to it. jobs_per_gpu and the lock dir
    come from the workflow's environment. A job waits for a slot like any job waiting for a resource, as
    long as the snakemake run that started it lives (parent_run, checked on this host only), without time
    limit unless INITLAB_GPU_WAIT gives one in seconds. Snakemake's gpu limit leaves a slot for each of its
    own GPU jobs, so a local job waits only for slots held by others: another run's jobs (a run in
    another directory, another user's with a shared lock directory, an orphan of a killed run). Inside
    a SLURM job the GPUs are the job's own, shared only by the jobs of one group job
    (workflow/profiles/slurm-gpu-groups), and SLURM's time limit bounds the wait.
    """
    environ = os.environ if environ is None else environ
    devices = gpus.visible_devices(environ) if devices is None else devices
    jobs_per_gpu = int(environ.get(JOBS_PER_GPU_ENV, "1"))
    timeout = float(environ.get(WAIT_ENV, "inf"))
    run = environ.get(parent_run.MARKER_ENV)
    alive = (lambda: parent_run.alive(run)) if run and not environ.get("SLURM_JOB_ID") else None
    index, device, _ = acquire(devices, jobs_per_gpu, default_lock_dir(environ), timeout=timeout, alive=alive,
                              report_every=REPORT_EVERY)
    return index, device
