"""``PyDataset``: Keras 3's protocol for datasets written as Python classes (``keras.utils``)."""

from __future__ import annotations

import itertools
import warnings
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class PyDataset:
    """Base class for a dataset that returns whole batches from ``__getitem__``.

    Subclass it, call ``super().__init__(**kwargs)``, and implement ``__getitem__(index)`` (batch
    number ``index``) and ``__len__()`` (the number of batches); optionally ``on_epoch_begin`` /
    ``on_epoch_end`` (e.g. to reshuffle). ``fit`` calls these exactly like Keras does.

    Args:
        workers: threads that fetch batches in parallel during ``fit`` (1: no thread pool).
        use_multiprocessing: accepted for Keras compatibility; deepnum uses threads.
        max_queue_size: batches fetched ahead at most when ``workers > 1``.

    Example:
        >>> import numpy as np
        >>> class Squares(PyDataset):
        ...     def __init__(self, n, batch_size, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.x = np.arange(n, dtype="float32")
        ...         self.batch_size = batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, index):
        ...         x = self.x[index * self.batch_size : (index + 1) * self.batch_size]
        ...         return x, x**2
        >>> [len(x) for x, _ in Squares(5, 2)]
        [2, 2, 1]
    """

    def __init__(
        self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10
    ) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self) -> None:
        missing = False
        for name, default in (
            ("_workers", 1),
            ("_use_multiprocessing", False),
            ("_max_queue_size", 10),
        ):
            if not hasattr(self, name):
                setattr(self, name, default)
                missing = True
        if missing:
            warnings.warn(
                f"{type(self).__name__} should call `super().__init__(**kwargs)` in its "
                "constructor; `**kwargs` can include `workers`, `use_multiprocessing` and "
                "`max_queue_size`. Using the defaults (1, False, 10).",
                stacklevel=3,
            )

    @property
    def workers(self) -> int:
        """Threads used to fetch batches during ``fit``."""
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        """Accepted for Keras compatibility (deepnum always uses threads)."""
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        """Batches fetched ahead at most when ``workers > 1``."""
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int) -> Any:
        """Return batch ``index``: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement __getitem__(self, index) returning one batch."
        )

    @property
    def num_batches(self) -> int | None:
        """The number of batches per epoch (``len(self)``), or ``None`` for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must implement __len__ (the number of batches per epoch) "
            "or a num_batches property returning None for an endless dataset."
        )

    def __iter__(self) -> Iterator[Any]:
        try:
            num_batches = self.num_batches
        except NotImplementedError:
            num_batches = None
        indices = itertools.count() if num_batches is None else range(num_batches)
        for index in indices:
            yield self[index]

    def on_epoch_begin(self) -> None:
        """Called at the start of every epoch of ``fit``."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch of ``fit`` (e.g. to reshuffle)."""


def iterate_py_dataset(dataset: PyDataset) -> Iterator[Any]:
    """Yield one epoch of batches from ``dataset`` in order, using its ``workers`` threads.

    With ``workers > 1`` up to ``max_queue_size`` batches are fetched ahead by a thread pool; the
    batches still come out in index order. An exception raised by ``__getitem__`` propagates.
    Calling ``on_epoch_begin`` / ``on_epoch_end`` is the caller's job (the training loop's).

    Args:
        dataset: a :class:`PyDataset` (or any object with ``__getitem__`` and ``__len__``).

    Returns:
        An iterator over the batches of one epoch.

    Example:
        >>> class Twice(PyDataset):
        ...     def __len__(self):
        ...         return 3
        ...     def __getitem__(self, i):
        ...         return 2 * i
        >>> list(iterate_py_dataset(Twice(workers=2)))
        [0, 2, 4]
    """
    workers = getattr(dataset, "workers", 1) or 1
    try:
        num_batches = dataset.num_batches if hasattr(dataset, "num_batches") else len(dataset)
    except NotImplementedError:
        num_batches = None
    indices = itertools.count() if num_batches is None else iter(range(num_batches))
    if workers <= 1:
        for index in indices:
            yield dataset[index]
        return
    ahead = max(int(getattr(dataset, "max_queue_size", 10) or 1), workers)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deepnum-pydataset") as pool:
        pending: deque[Future] = deque()
        try:
            for index in itertools.islice(indices, ahead):
                pending.append(pool.submit(dataset.__getitem__, index))
            while pending:
                batch = pending.popleft().result()
                for index in itertools.islice(indices, 1):
                    pending.append(pool.submit(dataset.__getitem__, index))
                yield batch
        finally:
            for future in pending:
                future.cancel()
