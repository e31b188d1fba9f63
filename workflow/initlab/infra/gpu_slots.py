"""GPU slots: pin each GPU job to one device, at most `jobs_per_gpu` jobs per device at a time.

Snakemake's `resources: gpu=1` is only a scheduling token; it never says which GPU a job gets.
Each job therefore takes a slot here: one lock file per (device, slot) in a lock directory shared
by every job of every user on the machine, locked with a non-blocking `fcntl.flock`. The lock lives
as long as the open file, i.e. the job process: when the job ends, or is killed, the kernel releases it.

Devices are named as CUDA sees them (`gpus.visible_devices`: UUIDs), so "0" and "GPU-<uuid>" of
one device are one lock. No torch import: the Snakefile imports this module at parse time.
"""

import fcntl
import logging
import os
import pwd
import time
from pathlib import Path

from initlab.infra import gpus

# Environment the workflow sets for its jobs (common.smk): scheduling settings, not results,
# so they do not go through params (changing them must not rerun anything).
JOBS_PER_GPU_ENV = "INITLAB_JOBS_PER_GPU"
LOCK_DIR_ENV = "INITLAB_GPU_LOCK_DIR"
WAIT_ENV = "INITLAB_GPU_WAIT"

# Fixed, not under $TMPDIR: a per-job or per-user TMPDIR would give each job its own locks.
DEFAULT_LOCK_DIR = "/tmp/initlab-gpu-locks"

_held = []  # file descriptors of this process's locks: closing one would free its slot

log = logging.getLogger(__name__)


class NoFreeSlot(RuntimeError):
    """Every (device, slot) lock is held by another process."""


def default_lock_dir(environ=None):
    """Machine-wide lock directory: every workflow of every user on this machine shares the same GPUs.

    Inside a SLURM job, CUDA_VISIBLE_DEVICES numbers the job's own GPUs from 0 (and without
    nvidia-smi the devices keep those numbers), so two jobs on one node could both lock "GPU 0"
    for different GPUs: each SLURM job gets its own subdirectory.
    """
    environ = os.environ if environ is None else environ
    base = environ.get(LOCK_DIR_ENV) or DEFAULT_LOCK_DIR
    job = environ.get("SLURM_JOB_ID")
    return os.path.join(base, f"slurm-{job}") if job else base


def lock_path(lock_dir, device, slot):
    """The lock file of one slot; device identifiers may be UUIDs, so keep them filename-safe."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in device)
    return Path(lock_dir) / f"gpu-{safe}-slot{slot}.lock"


def _owner(path):
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _shared_dir(path):
    """Create the lock directory for every user: mode 1777 like /tmp (anyone may add a lock file,
    only its owner may remove it). An existing directory is left as it is."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir()
    except FileExistsError:
        return
    os.chmod(path, 0o1777)  # mkdir's mode is cut by the umask


def _open_lock(path):
    """Open a slot's lock file, creating it writable by all; returns (fd, can write the PID).

    flock needs no write access, so another user's read-only lock file still works. Existing files
    are opened without O_CREAT: with fs.protected_regular, O_CREAT on another user's file in a
    sticky directory is refused even where the file's mode allows writing.
    """
    try:
        return os.open(path, os.O_RDWR), True
    except FileNotFoundError:
        pass
    except PermissionError:
        try:
            return os.open(path, os.O_RDONLY), False
        except PermissionError as err:
            raise PermissionError(
                f"GPU lock file {path} belongs to {_owner(path)} (mode {os.stat(path).st_mode & 0o777:o}) and "
                f"this user cannot open it; ask its owner to `chmod 666 {path}`, or set {LOCK_DIR_ENV} to a "
                f"directory of your own (your jobs then no longer see other users' slots)") from err
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return _open_lock(path)  # another job created it meanwhile
    except PermissionError as err:
        raise PermissionError(
            f"cannot create GPU lock file {path}: its directory belongs to {_owner(path.parent)} "
            f"(mode {os.stat(path.parent).st_mode & 0o7777:o}, expected 1777); ask its owner to "
            f"`chmod 1777 {path.parent}`, or set {LOCK_DIR_ENV} to a directory of your own") from err
    os.fchmod(fd, 0o666)  # the umask may have taken write access from other users
    return fd, True


def try_acquire(devices, jobs_per_gpu, lock_dir):
    """Lock the first free slot, or return None. Returns (device index, device id, slot).

    Slots are tried slot-major (slot 0 of every device before slot 1), so jobs spread over devices.
    """
    if jobs_per_gpu < 1:
        raise ValueError(f"jobs_per_gpu={jobs_per_gpu!r}: expected an integer >= 1")
    _shared_dir(lock_dir)
    for slot in range(jobs_per_gpu):
        for index, device in enumerate(devices):
            fd, writable = _open_lock(lock_path(lock_dir, device, slot))
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
    return None


def acquire(devices, jobs_per_gpu, lock_dir, timeout=0.0, poll=0.2):
    """Take a free slot, waiting up to `timeout` seconds; hold it until this process exits.

    Returns (device index in `devices`, device id, slot). Raises NoFreeSlot naming the devices,
    jobs_per_gpu, the lock directory and the holders' PIDs when none frees up in time.
    """
    if not devices:
        raise NoFreeSlot("no GPU is visible (CUDA_VISIBLE_DEVICES empty, or nvidia-smi lists none)")
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
        try:
            text = path.read_text().strip()
        except PermissionError:
            continue
        if text.isdigit():
            pids.append(int(text))
    return pids


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

    Returns (index in the device list, device id); the caller pins to it. jobs_per_gpu, lock dir
    and wait come from the workflow's environment. Works inside a SLURM job too: there the visible
    GPUs are the job's own, shared only by the jobs of one group job (workflow/profiles/slurm-gpu-groups),
    which wait for each other's slots as long as it takes (SLURM's time limit bounds the wait);
    on a local machine Snakemake's gpu limit should leave a slot free, so 60 s of waiting means a problem.
    """
    environ = os.environ if environ is None else environ
    devices = gpus.visible_devices(environ) if devices is None else devices
    jobs_per_gpu = int(environ.get(JOBS_PER_GPU_ENV, "1"))
    timeout = float(environ.get(WAIT_ENV, "inf" if environ.get("SLURM_JOB_ID") else "60"))
    index, device, _ = acquire(devices, jobs_per_gpu, default_lock_dir(environ), timeout=timeout)
    return index, device
