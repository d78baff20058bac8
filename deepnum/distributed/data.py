"""Sharding data across ranks: helpers for your own arrays, and the batches ``fit`` uses.

Shards are contiguous and as even as possible (``np.array_split``'s rule: the first
``n % size`` ranks hold one sample more), so every sample belongs to exactly one rank.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from deepnum.backend import default_rng
from deepnum.data.structure import flatten, map_structure
from deepnum.distributed import runtime
from deepnum.training.data_adapter import ArrayBatches, check_arrays


def shard_range(n: int, rank: int | None = None, size: int | None = None) -> tuple[int, int]:
    """Return ``(start, stop)``: the contiguous part of ``n`` samples that belongs to ``rank``.

    Args:
        n: number of samples.
        rank, size: default to this process's ``rank()`` and ``size()``.

    Returns:
        ``(start, stop)`` with ``stop - start`` equal to ``n // size`` or ``n // size + 1``.

    Example:
        >>> [shard_range(10, r, 3) for r in range(3)]
        [(0, 4), (4, 7), (7, 10)]
    """
    rank = runtime.rank() if rank is None else rank
    size = runtime.size() if size is None else size
    if not 0 <= rank < size:
        raise ValueError(f"shard_range: rank={rank} must be in [0, size={size}).")
    base, extra = divmod(n, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def shard(*arrays: Any, rank: int | None = None, size: int | None = None) -> Any:
    """Return this rank's contiguous shard of each array (all must have the same length).

    Args:
        *arrays: arrays (or nested lists/dicts of arrays) sharing their first dimension.
        rank, size: default to this process's ``rank()`` and ``size()``.

    Returns:
        One sliced array per input (a single array when one was given).

    Example:
        >>> import numpy as np
        >>> x, y = np.arange(10), np.arange(10) * 2
        >>> shard(x, y, rank=2, size=3)
        (array([7, 8, 9]), array([14, 16, 18]))
    """
    leaves = [leaf for a in arrays if a is not None for leaf in flatten(a) if leaf is not None]
    lengths = {len(leaf) for leaf in leaves}
    if len(lengths) > 1:
        raise ValueError(f"shard: the arrays have different lengths {sorted(lengths)}.")
    start, stop = shard_range(lengths.pop() if lengths else 0, rank, size)
    out = tuple(
        None if a is None else map_structure(lambda v: None if v is None else v[start:stop], a)
        for a in arrays
    )
    return out[0] if len(out) == 1 else out


class ShardedBatches:
    """One rank's batches over in-memory arrays: each epoch, every sample exactly once.

    Each epoch rank 0 draws the permutation of all ``n`` samples from deepnum's generator (the
    draw a single process would make) and broadcasts it, so all ranks agree on the order. The
    order is cut into global batches of ``batch_size × size`` samples and each global batch into
    ``size`` near-equal shards; rank ``r`` trains on shard ``r``. Every rank thus runs the same
    ``ceil(n / (batch_size · size))`` steps, and the collectives of each step match.

    Before yielding a batch, ``on_step(w)`` receives this rank's share ``w`` of the global batch
    (its weight in the gradient average). A rank whose shard of the last global batch is empty
    (fewer samples left than ranks) trains on one sample with ``w = 0``; the model's metric
    states are restored afterwards, so that sample counts nowhere.

    Args:
        data: ``(x, y, sample_weight)`` structures of arrays, as ``ArrayBatches.data``.
        batch_size: samples per rank per step.
        shuffle: draw a new order each epoch.
        steps: steps per epoch (``None``: one pass over the data).
        on_step: called with ``w`` before each batch.
        metrics: a zero-argument callable returning the metrics to protect on an empty shard.
    """

    def __init__(
        self,
        data: tuple,
        batch_size: int,
        shuffle: Any,
        steps: int | None = None,
        on_step: Callable[[float], None] | None = None,
        metrics: Callable[[], list[Any]] | None = None,
    ) -> None:
        self.data = data
        self.n = check_arrays(*data)
        self.batch_size = batch_size
        self.global_batch = batch_size * runtime.size()
        self.shuffle = shuffle
        self.steps = steps if steps is not None else math.ceil(self.n / self.global_batch)
        self.on_step = on_step
        self.metrics = metrics

    def __len__(self) -> int:
        return self.steps

    def _order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.n)
        order = default_rng().permutation(self.n) if runtime.rank() == 0 else None
        return runtime.broadcast_(order if order is not None else np.empty(self.n, np.int64))

    def epoch(self) -> Iterator[tuple]:
        order = self._order()
        rank, size = runtime.rank(), runtime.size()
        for step in range(self.steps):
            start = (step * self.global_batch) % max(self.n, 1)
            batch = order[start : start + self.global_batch]
            lo, hi = shard_range(len(batch), rank, size)
            mine = batch[lo:hi] if hi > lo else batch[:1]
            if self.on_step is not None:
                self.on_step((hi - lo) / len(batch))
            saved = self._metric_states() if hi == lo else None
            yield tuple(_take(part, mine) for part in self.data)
            if saved is not None:
                self._restore_metric_states(saved)

    def _metric_states(self) -> dict[int, Any]:
        metrics = self.metrics() if self.metrics is not None else []
        return {id(v): v.numpy().copy() for m in metrics for v in m.variables}

    def _restore_metric_states(self, saved: dict[int, Any]) -> None:
        # A metric built during the step (compiled metrics are, on their first batch) was empty.
        for m in self.metrics() if self.metrics is not None else []:
            for v in m.variables:
                v.assign(saved.get(id(v), np.zeros(v.shape, v.dtype)))


def _take(structure: Any, index: np.ndarray) -> Any:
    return map_structure(lambda a: None if a is None else a[index], structure)


def shard_array_batches(batches: ArrayBatches) -> ArrayBatches:
    """This rank's validation batches: its contiguous shard of ``batches``, in order, with the
    same batch size (possibly no batch at all when there are fewer samples than ranks)."""
    return ArrayBatches(*shard(*batches.data), batches.batch_size, False)
