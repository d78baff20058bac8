"""``LoaderDataset``: rows of small arrays (file paths, labels, window starts) that become the
real data one batch at a time, e.g. image files decoded only when their batch is drawn.

It is a :class:`~deepnum.data.dataset.TensorSliceDataset` whose ``gather`` passes the gathered
rows through a loader function, so ``shuffle``, ``take``, ``skip``, ``repeat`` and ``batch``
keep their fast index path and a batch of 32 files costs one loader call, not 32 elements
stacked in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deepnum.data.dataset import TensorSliceDataset
from deepnum.data.structure import map_structure


class LoaderDataset(TensorSliceDataset):
    """A dataset whose element ``i`` is ``load(rows[i : i + 1])`` without its batch axis.

    Args:
        tensors: the rows, as for ``Dataset.from_tensor_slices`` (e.g. ``(paths, labels)``).
        load: called with a batch of rows (the structure of ``tensors``, each array holding the
            drawn rows in order) and returning the loaded batch: arrays whose first axis has one
            entry per row.

    Example:
        >>> ds = LoaderDataset(np.arange(5), lambda rows: rows * 10).shuffle(5, seed=0).batch(2)
        >>> sorted(int(v) for batch in ds for v in batch)
        [0, 10, 20, 30, 40]
    """

    def __init__(self, tensors: Any, load: Callable[[Any], Any]) -> None:
        super().__init__(tensors)
        self._load = load

    def gather(self, indices: np.ndarray) -> Any:
        """The loaded batch of rows ``indices``."""
        return self._load(super().gather(indices))

    def element(self, i: int) -> Any:
        """Element ``i``: the batch of that one row, without its batch axis."""
        return map_structure(lambda leaf: leaf[0], self.gather(np.array([i], dtype=np.intp)))
