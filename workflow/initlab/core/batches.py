"""Minibatches of in-memory tensors in DataLoader(shuffle=True) order: no per-sample Dataset or DataLoader."""

import torch


def shuffled_batches(n, batch_size, generator, device=None):
    """Index tensors covering range(n) once in a random order; the last batch may be smaller.

    Same semantics as DataLoader(shuffle=True, drop_last=False), at the cost of one randperm.
    `generator` is a torch.Generator on the CPU, so the order is identical on every device; the
    permutation then moves to `device` (default: stays on the CPU) in one copy.
    """
    return torch.randperm(n, generator=generator).to(device).split(batch_size)


def shuffled_minibatches(tensors, batch_size, generator):
    """Yield one epoch of minibatches: tuples of the rows of `tensors` (equal lengths, one device).

    The batches hold the rows of shuffled_batches(n, batch_size, generator), in that order. The
    permutation moves to the tensors' device once per epoch and each batch is gathered there, so a
    step does no host-to-device copy and no synchronisation. Gathering batch by batch keeps the
    copy in cache: on Fashion-MNIST (48,000 x 784) it took half the time of shuffling the whole
    epoch into a new tensor first (docs/development.md).
    """
    for index in shuffled_batches(len(tensors[0]), batch_size, generator, tensors[0].device):
        yield tuple(t[index] for t in tensors)
