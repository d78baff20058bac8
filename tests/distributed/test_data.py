"""Sharding: contiguous near-equal shards, and fit's per-rank batches (every sample once per
epoch, the same number of steps on every rank, weights summing to one)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import distributed
from deepnum.distributed import runtime


def test_shard_range_covers_every_sample_once():
    for n, size in [(10, 3), (2, 4), (0, 2), (7, 7)]:
        ranges = [distributed.shard_range(n, r, size) for r in range(size)]
        assert ranges[0][0] == 0 and ranges[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
        assert max(b - a for a, b in ranges) - min(b - a for a, b in ranges) <= 1
    with pytest.raises(ValueError, match="rank=3 must be in"):
        distributed.shard_range(10, 3, 3)


def test_shard_slices_structures_and_checks_lengths():
    x, y = np.arange(10), {"a": np.arange(10) * 2}
    got_x, got_y = distributed.shard(x, y, rank=1, size=3)
    np.testing.assert_array_equal(got_x, [4, 5, 6])
    np.testing.assert_array_equal(got_y["a"], [8, 10, 12])
    assert distributed.shard(x, None, rank=0, size=2)[1] is None
    with pytest.raises(ValueError, match="different lengths"):
        distributed.shard(np.arange(3), np.arange(4))
    assert distributed.shard(x).tolist() == x.tolist()  # one process: everything


@pytest.mark.parametrize("n, batch_size, size", [(37, 4, 3), (16, 8, 2), (5, 2, 4)])
def test_sharded_batches_see_every_sample_once(monkeypatch, n, batch_size, size):
    x = np.arange(n)
    seen, weights, steps = [], {}, set()
    for rank in range(size):  # emulate each rank (no shuffling: no broadcast needed)
        monkeypatch.setattr(runtime._RT, "rank", rank)
        monkeypatch.setattr(runtime._RT, "size", size)
        mine: list[float] = []
        batches = distributed.ShardedBatches((x, x, None), batch_size, False, on_step=mine.append)
        epoch = list(batches.epoch())
        steps.add(len(epoch))
        assert len(epoch) == len(batches) == -(-n // (batch_size * size))
        for w, (bx, _, sw) in zip(mine, epoch):
            assert sw is None and len(bx) <= batch_size
            if w > 0:
                seen.extend(bx.tolist())
        weights[rank] = mine
    assert len(steps) == 1
    assert sorted(seen) == list(range(n))
    np.testing.assert_allclose(np.sum(list(weights.values()), axis=0), 1.0)


def test_empty_shard_restores_the_metric_states(monkeypatch):
    import deepnum as dn

    monkeypatch.setattr(runtime._RT, "rank", 2)
    monkeypatch.setattr(runtime._RT, "size", 3)
    mean = dn.metrics.Mean()
    x = np.arange(4.0)
    batches = distributed.ShardedBatches((x, None, None), 1, False, metrics=lambda: [mean])
    for bx, _, _ in batches.epoch():  # global batches of 3 samples, then 1: rank 2 has none
        mean.update_state(bx)
    assert float(mean.count.numpy()) == 1.0  # its stand-in sample of the last step not counted
