"""Minibatches of in-memory tensors in DataLoader(shuffle=True) order: no per-sample Dataset or DataLoader."""

import torch


def shuffled_batches(n, batch_size, generator):
    """Index tensors covering range(n) once in a random order; the last batch may be smaller.

    Same semantics as DataLoader(shuffle=True, drop_last=False), at the cost of one randperm.
    `generator` is a torch.Generator on the CPU, so the order is identical on every device.
    """
    return torch.randperm(n, generator=generator).split(batch_size)


def shuffled_minibatches(tensors, batch_size, generator):
    """Yield one epoch of minibatches: tuples of row slices of `tensors` (equal lengths, one device).

    The batches hold the rows of shuffled_batches(n, batch_size, generator), in that order. Each
    tensor is gathered once in the shuffled order (one copy per epoch, on its device) and the batches
    are views into that copy, so a training step does no indexing and no host-to-device copy.
    """
    order = torch.randperm(len(tensors[0]), generator=generator).to(tensors[0].device)
    shuffled = [t[order] for t in tensors]
    for start in range(0, len(order), batch_size):
        yield tuple(t[start:start + batch_size] for t in shuffled)
