"""Per-job torch set-up: threads, seeds and device."""

import logging
import os
import zlib

import torch

from initlab.infra import gpu_slots

DEVICES = ("auto", "cpu", "cuda")
_claimed = {}  # this process's GPU: {"index": torch device index}, set once


def derive_seed(*parts):
    """A stable 31-bit seed from a job's identity, e.g. derive_seed("house", "linear", "default", 0).

    crc32 of the joined parts: the same wildcards give the same seed on every machine and run.
    """
    return zlib.crc32("/".join(map(str, parts)).encode()) & 0x7FFFFFFF


def resolve_device(choice, environ=None):
    """The torch.device a job runs on: 'cpu', 'cuda' or 'auto' (CUDA when a GPU is visible and usable).

    A CUDA job first takes a slot from `gpu_slots` (at most jobs_per_gpu jobs per device) and is
    pinned to that device before CUDA starts, so it sees one GPU, `cuda:0`. 'cuda' without a usable
    GPU is an error; 'auto' then falls back to the CPU.
    """
    environ = os.environ if environ is None else environ
    if choice not in DEVICES:
        raise ValueError(f"device {choice!r}: expected one of {', '.join(map(repr, DEVICES))}")
    if choice == "cpu":
        return torch.device("cpu")
    if not gpu_slots.visible_devices(environ):
        if choice == "auto":
            return torch.device("cpu")
        raise RuntimeError(
            "config device: 'cuda' was asked for, but no GPU is visible "
            f"(CUDA_VISIBLE_DEVICES={environ.get('CUDA_VISIBLE_DEVICES')!r}, no NVIDIA driver entries)"
        )
    index = _claim_once(environ)
    if not torch.cuda.is_available():
        if choice == "auto":
            gpu_slots.release_all()
            _claimed.clear()
            return torch.device("cpu")
        raise RuntimeError("config device: 'cuda' was asked for, but torch sees no usable CUDA device "
                           f"(torch {torch.__version__}, CUDA build {torch.version.cuda})")
    return torch.device("cuda", index)


def _claim_once(environ):
    """Take this process's GPU slot (once) and pin to it; returns the torch device index to use."""
    if "index" not in _claimed:
        got = gpu_slots.claim(environ)
        if torch.cuda.is_initialized():  # too late to narrow CUDA_VISIBLE_DEVICES
            _claimed["index"] = got[0]
        else:
            gpu_slots.pin(got[1], environ)
            _claimed["index"] = 0
    return _claimed["index"]


def configure(*, threads, seed, device="cpu", deterministic=False):
    """Set torch's intra-op threads to the rule's `threads`, seed every generator, pick the device.

    On CPU the same seed gives bit-identical results. On GPU cuDNN autotuning is off, and with
    `deterministic=True` torch refuses nondeterministic kernels (CUBLAS_WORKSPACE_CONFIG is set
    for cuBLAS, before CUDA starts). Returns a torch.device.
    """
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = False
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
    resolved = resolve_device(device)
    if resolved.type == "cuda":
        torch.cuda.set_device(resolved)
    logging.getLogger(__name__).info("threads=%d seed=%d device=%s", threads, seed, resolved)
    return resolved
