"""GPU slots: pin each GPU job to one device, at most `jobs_per_gpu` jobs per device at a time.

Snakemake's `resources: gpu=1` is only a scheduling token; it never says which GPU a job gets.
Each job therefore takes a slot here: one lock file per (device, slot) in a lock directory shared
by every job on the machine, locked with a non-blocking `fcntl.flock`. The lock lives as long as
the open file, i.e. the job process: when the job ends, or is killed, the kernel releases it.

No torch import: the Snakefile counts GPUs with `visible_devices()` at parse time.
"""

import fcntl
import logging
import os
import tempfile
import time
from pathlib import Path

# Environment the workflow sets for its jobs (common.smk): scheduling settings, not results,
# so they do not go through params (changing them must not rerun anything).
JOBS_PER_GPU_ENV = "INITLAB_JOBS_PER_GPU"
LOCK_DIR_ENV = "INITLAB_GPU_LOCK_DIR"
WAIT_ENV = "INITLAB_GPU_WAIT"

_held = []  # open lock files of this process: closing one would free its slot

log = logging.getLogger(__name__)


class NoFreeSlot(RuntimeError):
    """Every (device, slot) lock is held by another process."""


def visible_devices(environ=None, nvidia_proc="/proc/driver/nvidia/gpus"):
    """Identifiers of the GPUs this process may use, in CUDA order, without touching CUDA.

    CUDA_VISIBLE_DEVICES when set (entries kept as written: indices or UUIDs; "" or -1 means none),
    else one index per GPU the NVIDIA driver lists, else none.
    """
    environ = os.environ if environ is None else environ
    listed = environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        devices = []
        for entry in (d.strip() for d in listed.split(",")):
            if entry in ("", "-1"):
                break  # CUDA ignores an invalid entry and everything after it
            devices.append(entry)
        return devices
    gpus = Path(nvidia_proc)
    return [str(i) for i in range(len(list(gpus.iterdir())))] if gpus.is_dir() else []


def default_lock_dir(environ=None):
    """Machine-wide lock directory: every workflow on this machine shares the same GPUs.

    Inside a SLURM job, CUDA_VISIBLE_DEVICES numbers the job's own GPUs from 0, so two jobs on one
    node would both lock "GPU 0" for different GPUs: each SLURM job gets its own subdirectory.
    """
    environ = os.environ if environ is None else environ
    base = environ.get(LOCK_DIR_ENV) or os.path.join(tempfile.gettempdir(), "initlab-gpu-locks")
    job = environ.get("SLURM_JOB_ID")
    return os.path.join(base, f"slurm-{job}") if job else base


def lock_path(lock_dir, device, slot):
    """The lock file of one slot; device identifiers may be UUIDs, so keep them filename-safe."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in device)
    return Path(lock_dir) / f"gpu-{safe}-slot{slot}.lock"


def try_acquire(devices, jobs_per_gpu, lock_dir):
    """Lock the first free slot, or return None. Returns (device index, device id, slot).

    Slots are tried slot-major (slot 0 of every device before slot 1), so jobs spread over devices.
    """
    if jobs_per_gpu < 1:
        raise ValueError(f"jobs_per_gpu={jobs_per_gpu!r}: expected an integer >= 1")
    Path(lock_dir).mkdir(parents=True, exist_ok=True)
    for slot in range(jobs_per_gpu):
        for index, device in enumerate(devices):
            handle = open(lock_path(lock_dir, device, slot), "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n")  # who holds it, for the error message of others
            handle.flush()
            _held.append(handle)
            return index, device, slot
    return None


def acquire(devices, jobs_per_gpu, lock_dir, timeout=0.0, poll=0.2):
    """Take a free slot, waiting up to `timeout` seconds; hold it until this process exits.

    Returns (device index in `devices`, device id, slot). Raises NoFreeSlot naming the devices,
    jobs_per_gpu, the lock directory and the holders' PIDs when none frees up in time.
    """
    if not devices:
        raise NoFreeSlot("no GPU is visible (CUDA_VISIBLE_DEVICES empty and no NVIDIA driver entries)")
    deadline = time.monotonic() + timeout
    while True:
        got = try_acquire(devices, jobs_per_gpu, lock_dir)
        if got is not None:
            log.info("GPU slot: device %s (index %d), slot %d, lock dir %s", got[1], got[0], got[2], lock_dir)
            return got
        if time.monotonic() >= deadline:
            raise NoFreeSlot(
                f"no free GPU slot after {timeout:g} s: devices {devices}, jobs_per_gpu={jobs_per_gpu}, "
                f"lock dir {lock_dir}, held by PIDs {holders(lock_dir)}; "
                f"run fewer GPU jobs at once (--resources gpu=N) or raise jobs_per_gpu"
            )
        time.sleep(poll)


def holders(lock_dir):
    """PIDs written in the lock files (a stale PID only means the slot was used before)."""
    pids = []
    for path in sorted(Path(lock_dir).glob("gpu-*.lock")):
        text = path.read_text().strip()
        if text.isdigit():
            pids.append(int(text))
    return pids


def release_all():
    """Give back this process's slots (tests; a job simply exits)."""
    while _held:
        _held.pop().close()


def pin(device, environ=None):
    """Make `device` the only GPU this process sees; CUDA must not be initialized yet.

    After this, the device is `cuda:0` inside the process.
    """
    environ = os.environ if environ is None else environ
    environ["CUDA_VISIBLE_DEVICES"] = device


def claim(environ=None):
    """For a job about to use CUDA: take a slot on one of the visible GPUs (the caller pins to it).

    Returns (index in the visible list, device id). jobs_per_gpu, lock dir and wait come from the
    workflow's environment. Works inside a SLURM job too: there the visible GPUs are the job's own.
    """
    environ = os.environ if environ is None else environ
    devices = visible_devices(environ)
    jobs_per_gpu = int(environ.get(JOBS_PER_GPU_ENV, "1"))
    timeout = float(environ.get(WAIT_ENV, "60"))
    index, device, _ = acquire(devices, jobs_per_gpu, default_lock_dir(environ), timeout=timeout)
    return index, device
