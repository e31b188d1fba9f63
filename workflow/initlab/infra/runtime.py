"""Per-job torch set-up (threads, seeds, float32 matmul precision, device) and the provenance a result records."""

import logging
import os
import platform
import zlib

import torch

from initlab.infra import gpu_slots, gpus

DEVICES = ("auto", "cpu", "cuda")
# torch.set_float32_matmul_precision values: full FP32, or TF32 on GPUs that have it (Ampere and newer)
MATMUL_PRECISIONS = ("highest", "high")
_claimed = {}  # this process's GPU: {"device": torch.device}, set once

log = logging.getLogger(__name__)


def derive_seed(*parts):
    """A stable 31-bit seed from a job's identity, e.g. derive_seed("house", "linear", "default", 0).

    crc32 of the joined parts: the same wildcards give the same seed on every machine and run.
    """
    return zlib.crc32("/".join(map(str, parts)).encode()) & 0x7FFFFFFF


def resolve_device(choice, environ=None):
    """The torch.device a job runs on: 'cpu', 'cuda' or 'auto' (CUDA when a GPU is visible and usable).

    A CUDA job first takes a slot from `gpu_slots` (at most jobs_per_gpu jobs per device) and is
    pinned to that device before CUDA starts, so it sees one GPU, `cuda:0`; then CUDA must show
    exactly that device (`_check_pin`). 'cuda' without a usable GPU is an error; 'auto' then
    falls back to the CPU.
    """
    environ = os.environ if environ is None else environ
    if choice not in DEVICES:
        raise ValueError(f"device {choice!r}: expected one of {', '.join(map(repr, DEVICES))}")
    if choice == "cpu":
        return torch.device("cpu")
    if "device" in _claimed:
        return _claimed["device"]
    if not torch.backends.cuda.is_built():
        return _no_gpu(choice, f"torch {torch.__version__} is a CPU-only build")
    devices = gpus.visible_devices(environ)
    if not devices:
        return _no_gpu(choice, f"no GPU is visible (CUDA_VISIBLE_DEVICES={environ.get('CUDA_VISIBLE_DEVICES')!r}, "
                               "nvidia-smi -L lists none or is missing)")
    if torch.cuda.is_initialized():
        raise RuntimeError("CUDA was started before runtime.configure took this job's GPU slot, so the job "
                           "cannot be pinned to one GPU; call runtime.configure before anything uses CUDA")
    _, device = gpu_slots.claim(environ, devices)
    gpu_slots.pin(device, environ)
    if not torch.cuda.is_available():
        gpu_slots.release_all()
        return _no_gpu(choice, f"torch sees no usable CUDA device (pinned to {device}; torch {torch.__version__}, "
                               f"CUDA build {torch.version.cuda})")
    _check_pin(device)
    _claimed["device"] = torch.device("cuda", 0)
    return _claimed["device"]


def _no_gpu(choice, reason):
    """'auto' without a usable GPU runs on the CPU; 'cuda' fails, saying why."""
    if choice == "auto":
        log.info("device auto: CPU, since %s", reason)
        return torch.device("cpu")
    raise RuntimeError(f"config device: 'cuda' was asked for, but {reason}")


def _check_pin(device):
    """After pinning to `device`, CUDA must show exactly that one device; fail loudly otherwise.

    CUDA reads CUDA_VISIBLE_DEVICES once, when the driver starts. torch.cuda.is_available() starts
    it without marking torch.cuda initialized (nor caching its device count), so an earlier call
    anywhere in the process would make the pin silently ineffective: only CUDA itself can tell.
    """
    torch.cuda.init()  # from here on device_count() is CUDA's own count, not NVML's reading of the environment
    count = torch.cuda.device_count()
    if count != 1:
        raise RuntimeError(
            f"pinned to GPU {device} (CUDA_VISIBLE_DEVICES={device!r}), but torch sees {count} CUDA devices: CUDA "
            "started before the pin (e.g. a torch.cuda.is_available() call before runtime.configure), so the "
            "job could run on another job's GPU; call runtime.configure before anything uses CUDA")
    uuid = getattr(torch.cuda.get_device_properties(0), "uuid", None)
    # MIG devices are not compared: CUDA may report the parent GPU's UUID for them
    if device.startswith("GPU-") and uuid is not None and f"GPU-{uuid}".lower() != device.lower():
        raise RuntimeError(f"pinned to GPU {device}, but torch's cuda:0 is GPU-{uuid}: CUDA started before the pin; "
                           "call runtime.configure before anything uses CUDA")


def configure(*, threads, seed, device="cpu", matmul_precision="highest"):
    """Set torch's intra-op threads to the rule's `threads`, seed every generator, pick the device
    and set the float32 matmul precision. Returns a torch.device.

    The precision is set explicitly, whatever the environment says (GPU containers may turn TF32
    on, e.g. TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1). 'high' (TF32) applies to CUDA jobs only: a job on
    the CPU always computes in full FP32 ('highest'), since 'high' may also switch oneDNN's CPU
    matmuls to a reduced precision. cuDNN autotuning is off. On CPU the same seed gives
    bit-identical results on one machine (docs/operations.md#what-is-reproducible).
    """
    if matmul_precision not in MATMUL_PRECISIONS:
        raise ValueError(f"matmul_precision {matmul_precision!r}: expected one of "
                         f"{', '.join(map(repr, MATMUL_PRECISIONS))}")
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = False
    resolved = resolve_device(device)
    torch.set_float32_matmul_precision(matmul_precision if resolved.type == "cuda" else "highest")
    if resolved.type == "cuda":
        torch.cuda.set_device(resolved)
    log.info("threads=%d seed=%d device=%s matmul_precision=%s", threads, seed, resolved,
             torch.get_float32_matmul_precision())
    return resolved


def cpu_model(cpuinfo="/proc/cpuinfo"):
    """The CPU's model name ('AMD EPYC 7B13'), from /proc/cpuinfo where there is one."""
    try:
        with open(cpuinfo) as lines:
            for line in lines:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def provenance(device):
    """What computed a result, for its JSON: the device and its model, torch, the CUDA version torch
    was built with (None: CPU-only build), the float32 matmul precision in force and torch's threads."""
    device = torch.device(device)
    name = torch.cuda.get_device_properties(device).name if device.type == "cuda" else cpu_model()
    return {"device": str(device), "device_name": name, "torch": torch.__version__, "cuda": torch.version.cuda,
            "matmul_precision": torch.get_float32_matmul_precision(), "threads": torch.get_num_threads()}
