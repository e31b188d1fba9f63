"""Per-job torch set-up: threads, seeds and device."""

import logging
import zlib

import torch


def derive_seed(*parts):
    """A stable 31-bit seed from a job's identity, e.g. derive_seed("house", "linear", "default", 0).

    crc32 of the joined parts: the same wildcards give the same seed on every machine and run.
    """
    return zlib.crc32("/".join(map(str, parts)).encode()) & 0x7FFFFFFF


def resolve_device(choice):
    """'auto' -> 'cuda' when a GPU is visible, else 'cpu'; 'cuda' without a GPU is an error."""
    if choice == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if choice == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config device: 'cuda' was asked for, but torch sees no CUDA device")
    if choice not in ("cpu", "cuda"):
        raise ValueError(f"device {choice!r}: expected one of 'auto', 'cpu', 'cuda'")
    return choice


def configure(*, threads, seed, device="cpu"):
    """Set torch's intra-op threads to the rule's `threads` and seed every generator.

    On CPU the same seed gives bit-identical results; cuDNN autotuning is switched off so GPU
    runs vary as little as the kernels allow. Returns a torch.device.
    """
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = False
    resolved = torch.device(resolve_device(device))
    logging.getLogger(__name__).info("threads=%d seed=%d device=%s", threads, seed, resolved)
    return resolved
