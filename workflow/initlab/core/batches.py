"""Minibatches as index slices of in-memory tensors: no per-sample Dataset or DataLoader."""

import torch


def shuffled_batches(n, batch_size, generator):
    """Index tensors covering range(n) once in a random order; the last batch may be smaller.

    Same semantics as DataLoader(shuffle=True, drop_last=False), at the cost of one randperm.
    `generator` is a torch.Generator on the CPU, so the order is identical on every device.
    """
    return torch.randperm(n, generator=generator).split(batch_size)
