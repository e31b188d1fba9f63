"""GPUs as CUDA sees them, found without touching CUDA or importing torch.

The devices are the UUIDs that `nvidia-smi -L` lists (a MIG slice's own UUID where MIG is on),
narrowed by an existing CUDA_VISIBLE_DEVICES (indices or UUIDs). Jobs lock and pin by these UUIDs
(gpu_slots), so "0" and "GPU-<uuid>" of one device are one device. The Snakefile calls
`visible_devices()` and `torch_cuda_version()` at parse time, so nothing here imports torch.
"""

import ast
import functools
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path


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
