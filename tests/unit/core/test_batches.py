"""Shuffled minibatch indices (initlab.core.batches): one pass over range(n), DataLoader's order."""

import pytest
import torch
from initlab.core.batches import shuffled_batches, shuffled_minibatches
from torch.utils.data import BatchSampler, RandomSampler


@pytest.mark.parametrize("n, batch_size, sizes", [(10, 3, [3, 3, 3, 1]), (12, 4, [4, 4, 4]), (5, 8, [5]),
                                                  (1, 1, [1])])
def test_batches_cover_every_index_once_and_only_the_last_is_smaller(n, batch_size, sizes):
    batches = shuffled_batches(n, batch_size, torch.Generator().manual_seed(0))
    assert [len(b) for b in batches] == sizes
    assert sorted(torch.cat(batches).tolist()) == list(range(n))
    assert all(b.dtype == torch.int64 for b in batches)


def test_order_is_dataloaders_shuffle_without_drop_last():
    """The oracle: torch's own RandomSampler + BatchSampler(drop_last=False) over the same generator seed."""
    ours = shuffled_batches(23, 5, torch.Generator().manual_seed(7))
    sampler = BatchSampler(RandomSampler(range(23), generator=torch.Generator().manual_seed(7)), 5, drop_last=False)
    assert [b.tolist() for b in ours] == list(sampler)


def test_order_is_shuffled_and_depends_only_on_the_generator():
    first = torch.cat(shuffled_batches(50, 7, torch.Generator().manual_seed(3)))
    torch.manual_seed(123)  # the global generator plays no part
    again = torch.cat(shuffled_batches(50, 7, torch.Generator().manual_seed(3)))
    other = torch.cat(shuffled_batches(50, 7, torch.Generator().manual_seed(4)))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert not torch.equal(first, torch.arange(50))  # not the identity order


def test_each_epoch_draws_a_new_order_from_the_advancing_generator():
    generator = torch.Generator().manual_seed(0)
    epoch1 = torch.cat(shuffled_batches(30, 4, generator))
    epoch2 = torch.cat(shuffled_batches(30, 4, generator))
    assert not torch.equal(epoch1, epoch2)
    replay = torch.Generator().manual_seed(0)
    replay_orders = [torch.randperm(30, generator=replay) for _ in range(2)]
    assert torch.equal(epoch1, replay_orders[0]) and torch.equal(epoch2, replay_orders[1])


def test_minibatches_hold_the_rows_of_shuffled_batches_in_order():
    x = torch.arange(23 * 2).reshape(23, 2)
    y = torch.arange(23) * 10
    batches = list(shuffled_minibatches((x, y), 5, torch.Generator().manual_seed(7)))
    indices = shuffled_batches(23, 5, torch.Generator().manual_seed(7))
    assert len(batches) == len(indices) == 5
    for (xb, yb), idx in zip(batches, indices):
        assert torch.equal(xb, x[idx]) and torch.equal(yb, y[idx])
        assert xb.is_contiguous()
