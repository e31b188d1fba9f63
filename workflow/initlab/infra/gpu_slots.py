"""GPU slots: pin each GPU job to one device, at most `jobs_per_gpu` jobs per device at a time.

Snakemake's `resources: gpu=1` is only a scheduling token; it never says which GPU a job gets.
Each job therefore takes a slot here: one lock file per (device, slot) in a lock directory shared
by every job of every user on the machine, locked with a non-blocking `fcntl.flock`. The lock lives
as long as the open file, i.e. the job process: when the job ends, or is killed, the kernel releases it.

Devices are named as CUDA sees them: the UUIDs that `nvidia-smi -L` lists (a MIG slice's own UUID
where MIG is on), narrowed by an existing CUDA_VISIBLE_DEVICES. Jobs lock and pin by UUID, so "0"
and "GPU-<uuid>" of one device are one lock.

No torch import: the Snakefile calls `visible_devices()` and `torch_cuda_version()` at parse time.
"""

import ast
import fcntl
import functools
import importlib.util
import logging
import os
import pwd
import re
import shutil
import subprocess
import time
from pathlib import Path

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


def parse_nvidia_smi(text):
    """[(GPU UUID, [UUIDs of its MIG devices])] from `nvidia-smi -L` output, in its order."""
    gpus = []
    for line in text.splitlines():
        found = re.search(r"\(UUID: ([^)\s]+)\)", line)
        if found and line.startswith("GPU"):
            gpus.append((found.group(1), []))
        elif found and line.lstrip().startswith("MIG") and gpus:
            gpus[-1][1].append(found.group(1))
    return gpus


def nvidia_smi_listing(timeout=10):
    """The driver's device list (parse_nvidia_smi), or None where nvidia-smi is missing or fails.

    nvidia-smi shows what the driver gives this process (a container's subset, WSL2's GPUs, MIG
    slices) and ignores CUDA_VISIBLE_DEVICES, which visible_devices applies on top.
    """
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        done = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_nvidia_smi(done.stdout) if done.returncode == 0 else None


def _usable(gpu):
    """The devices CUDA makes of one listed GPU: its MIG devices where MIG is on, else the GPU."""
    uuid, migs = gpu
    return migs or [uuid]


def _named(entry, listing):
    """The devices one CUDA_VISIBLE_DEVICES entry names: an index into the listed GPUs, or a GPU or
    MIG UUID (or a prefix that matches exactly one, as CUDA accepts); None when it names none."""
    if entry.isdigit():
        index = int(entry)
        return _usable(listing[index]) if index < len(listing) else None
    matches = []
    for gpu, migs in listing:
        if gpu.startswith(entry):
            matches.append(_usable((gpu, migs)))
        matches += [[mig] for mig in migs if mig.startswith(entry)]
    return matches[0] if len(matches) == 1 else None


def _entries(listed):
    """CUDA_VISIBLE_DEVICES split as CUDA reads it: "" or a negative entry ends the list."""
    entries = []
    for entry in (e.strip() for e in listed.split(",")):
        if entry == "" or entry.startswith("-"):
            break
        entries.append(entry)
    return entries


def visible_devices(environ=None, listing=None):
    """The devices this process may use, in CUDA's order, without touching CUDA.

    `listing`: parse_nvidia_smi's result; by default nvidia-smi is run. Every listed GPU counts,
    or each of its MIG devices where MIG is on. An existing CUDA_VISIBLE_DEVICES narrows that as
    CUDA does: an index picks a listed GPU (assumes nvidia-smi's order is CUDA's, which holds for
    identical GPUs or CUDA_DEVICE_ORDER=PCI_BUS_ID), a UUID picks itself, and the first entry that
    names no device ends the list. So entries come back as UUIDs. Without nvidia-smi the
    CUDA_VISIBLE_DEVICES entries are kept as written, and without either there is no GPU.
    """
    environ = os.environ if environ is None else environ
    listing = nvidia_smi_listing() if listing is None else listing
    listed = environ.get("CUDA_VISIBLE_DEVICES")
    if listing is None:
        return [] if listed is None else _entries(listed)
    if listed is None:
        return [device for gpu in listing for device in _usable(gpu)]
    devices = []
    for entry in _entries(listed):
        named = _named(entry, listing)
        if named is None:
            break  # CUDA ignores an entry that names no device, and everything after it
        devices += [d for d in named if d not in devices]
    return devices


def cuda_version_of(version_py):
    """The `cuda = ...` value of a torch/version.py text: '12.8', or None for a CPU-only build."""
    for node in ast.parse(version_py).body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        if any(isinstance(t, ast.Name) and t.id == "cuda" for t in targets):
            return ast.literal_eval(node.value)
    return None


@functools.cache
def torch_cuda_version():
    """The CUDA version the installed torch was built with, or None (CPU-only build, or no torch).

    Read from torch/version.py without importing torch (about 1.4 s): `auto` decides at parse time
    whether training jobs take GPU tokens.
    """
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    version_py = Path(next(iter(spec.submodule_search_locations)), "version.py")
    return cuda_version_of(version_py.read_text()) if version_py.is_file() else None


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
    devices = visible_devices(environ) if devices is None else devices
    jobs_per_gpu = int(environ.get(JOBS_PER_GPU_ENV, "1"))
    timeout = float(environ.get(WAIT_ENV, "inf" if environ.get("SLURM_JOB_ID") else "60"))
    index, device, _ = acquire(devices, jobs_per_gpu, default_lock_dir(environ), timeout=timeout)
    return index, device
