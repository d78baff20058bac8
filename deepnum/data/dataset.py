"""``deepnum.data.Dataset``: an input pipeline with the ``tf.data.Dataset`` methods Keras code uses.

A dataset is a re-iterable sequence of elements (an array, or a tuple / dict of arrays). Methods
return new datasets, so pipelines read left to right::

    ds = Dataset.from_tensor_slices((x, y)).shuffle(1024, seed=0).batch(32).prefetch(1)
    for x_batch, y_batch in ds:  # one epoch; iterate again for the next
        ...

Pipelines that start from ``from_tensor_slices`` and only shuffle, take, skip, repeat and batch
never touch single elements: they move index arrays and gather each batch with one fancy index,
so batching 60,000 MNIST images costs a few array copies, not 60,000 Python calls.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from deepnum.backend import default_rng
from deepnum.data.iterators import background, batched_indices, buffer_shuffle
from deepnum.data.structure import (
    as_array_structure,
    first_mismatch,
    flatten_with_paths,
    pack_like,
    stack_elements,
)

INFINITE = -1
"""``cardinality()`` of a dataset that never ends (``tf.data.INFINITE_CARDINALITY``)."""
UNKNOWN = -2
"""``cardinality()`` of a dataset whose length is not known in advance."""
AUTOTUNE = -1
"""Pass as ``prefetch(buffer_size=AUTOTUNE)`` to let deepnum pick the buffer (2 elements)."""


def _check_count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, received {value!r}.")
    return int(value)


class Dataset:
    """A re-iterable pipeline of elements; build one with :meth:`from_tensor_slices`.

    Subclasses implement ``_elements()`` (a fresh iterator over elements) and ``_cardinality()``.
    A subclass whose elements are rows of a :class:`TensorSliceDataset` also sets ``_source`` and
    implements ``_indices()`` (an iterator over 1-D arrays of row numbers): the fast path.
    """

    _source: TensorSliceDataset | None = None

    # -- constructors ------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any) -> TensorSliceDataset:
        """A dataset whose elements are the slices of ``tensors`` along their first axis.

        Args:
            tensors: an array, or a nested tuple / dict of arrays that all have the same first
                dimension ``n``. A Python list is one array (as in ``tf.data``): pass a tuple to
                give several arrays.

        Returns:
            A dataset of ``n`` elements; element ``i`` has the structure of ``tensors`` with
            every array replaced by its row ``i``.

        Example:
            >>> ds = Dataset.from_tensor_slices((np.arange(6).reshape(3, 2), np.array([0, 1, 0])))
            >>> [(x.tolist(), int(y)) for x, y in ds]
            [([0, 1], 0), ([2, 3], 1), ([4, 5], 0)]
        """
        return TensorSliceDataset(tensors)

    @staticmethod
    def range(*args: int) -> TensorSliceDataset:
        """The integers of ``range(*args)`` as an int64 dataset.

        Example:
            >>> [int(i) for i in Dataset.range(2, 8, 3)]
            [2, 5]
        """
        return TensorSliceDataset(np.arange(*args, dtype=np.int64))

    @staticmethod
    def from_generator(generator: Callable[..., Iterable[Any]], args: tuple = (), **_: Any):
        """A dataset over what ``generator(*args)`` yields; called anew for every iteration.

        ``output_signature`` and the other ``tf.data`` typing arguments are accepted and ignored.

        Example:
            >>> list(Dataset.from_generator(lambda: iter([1, 2])))
            [1, 2]
        """
        if not callable(generator):
            raise TypeError(
                "from_generator: generator must be a callable that returns an iterator (e.g. a "
                f"generator function, not a generator object), received {type(generator)}."
            )
        return GeneratorDataset(generator, tuple(args))

    # -- iteration ---------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        if self._source is not None:
            source = self._source
            return (source.element(int(i)) for chunk in self._indices() for i in chunk)
        return iter(self._elements())

    def _elements(self) -> Iterable[Any]:
        raise NotImplementedError

    def _indices(self) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def _cardinality(self) -> int:
        raise NotImplementedError

    def as_numpy_iterator(self) -> Iterator[Any]:
        """Iterate over the elements (already NumPy arrays), as ``tf.data`` spells it."""
        return iter(self)

    def cardinality(self) -> int:
        """The number of elements, or ``INFINITE`` (-1) / ``UNKNOWN`` (-2).

        Example:
            >>> Dataset.range(10).batch(4).cardinality()
            3
        """
        return self._cardinality()

    def __len__(self) -> int:
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite (e.g. repeat() with no count): no len().")
        if n == UNKNOWN:
            raise TypeError(
                "The dataset length is unknown (e.g. from_generator): no len(); iterate it instead."
            )
        return n

    def __repr__(self) -> str:
        n = self._cardinality()
        size = {INFINITE: "infinite", UNKNOWN: "unknown"}.get(n, str(n))
        return f"<{type(self).__name__} cardinality={size}>"

    # -- transformations ---------------------------------------------------------------------
    def shuffle(
        self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True
    ) -> Dataset:
        """Shuffle the elements with a buffer of ``buffer_size`` (a full shuffle if ``>= n``).

        Args:
            buffer_size: elements held for sampling; use at least the dataset size for a uniform
                permutation (``tf.data`` semantics otherwise).
            seed: makes the order reproducible; ``None`` draws one from deepnum's generator, so
                ``deepnum.utils.set_random_seed`` also fixes it.
            reshuffle_each_iteration: a new order on every pass (epoch); the sequence of orders is
                still fixed by ``seed``.

        Example:
            >>> [int(i) for i in Dataset.range(5).shuffle(5, seed=1)] != list(range(5))
            True
        """
        return ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def batch(self, batch_size: int, drop_remainder: bool = False) -> Dataset:
        """Stack consecutive elements into batches: ``ceil(n / batch_size)`` of them.

        Args:
            batch_size: elements per batch.
            drop_remainder: drop the last batch when it is short (then ``n // batch_size``).

        Example:
            >>> [b.tolist() for b in Dataset.range(5).batch(2)]
            [[0, 1], [2, 3], [4]]
        """
        return BatchDataset(self, batch_size, drop_remainder)

    def map(self, map_func: Callable[..., Any], num_parallel_calls: Any = None, **_: Any):
        """Apply ``map_func`` to every element (a tuple element is unpacked into arguments).

        ``num_parallel_calls`` and ``deterministic`` are accepted and ignored: use
        :meth:`prefetch` to overlap the mapping with training.

        Example:
            >>> [int(v) for v in Dataset.range(3).map(lambda x: x * 10)]
            [0, 10, 20]
        """
        if not callable(map_func):
            raise TypeError(f"map: map_func must be callable, received {type(map_func)}.")
        return MapDataset(self, map_func)

    def prefetch(self, buffer_size: int = AUTOTUNE) -> Dataset:
        """Prepare the next ``buffer_size`` elements in a background thread while this one is used.

        Exceptions raised while producing an element are re-raised by the iteration.

        Example:
            >>> [b.tolist() for b in Dataset.range(4).batch(2).prefetch(1)]
            [[0, 1], [2, 3]]
        """
        return PrefetchDataset(self, buffer_size)

    def take(self, count: int) -> Dataset:
        """The first ``count`` elements (all of them when ``count == -1``)."""
        return TakeDataset(self, count)

    def skip(self, count: int) -> Dataset:
        """All but the first ``count`` elements (none when ``count == -1``)."""
        return SkipDataset(self, count)

    def repeat(self, count: int | None = None) -> Dataset:
        """Repeat the dataset ``count`` times, forever when ``None`` or -1.

        Each repetition is a new pass, so a shuffle before ``repeat`` gives a new order each time.

        Example:
            >>> [int(i) for i in Dataset.range(2).repeat(2)]
            [0, 1, 0, 1]
        """
        return RepeatDataset(self, count)


class TensorSliceDataset(Dataset):
    """Rows of a structure of arrays (see :meth:`Dataset.from_tensor_slices`)."""

    def __init__(self, tensors: Any) -> None:
        structure = as_array_structure(tensors)
        leaves = flatten_with_paths(structure)
        for path, leaf in leaves:
            if leaf.ndim == 0:
                raise ValueError(
                    f"from_tensor_slices: the value at {path} is a scalar ({leaf!r}); every "
                    "array needs a first (sample) dimension to slice along."
                )
        lengths = {path: len(leaf) for path, leaf in leaves}
        if len(set(lengths.values())) > 1:
            (path_a, n_a), (path_b, n_b) = first_mismatch(lengths)
            raise ValueError(
                "from_tensor_slices: all arrays must have the same first dimension, but the array "
                f"at {path_a} has {n_a} rows and the one at {path_b} has {n_b}. Check that x and "
                "y (or the dict entries) hold the same samples."
            )
        self._structure = structure
        self._leaves = [leaf for _, leaf in leaves]
        self._n = next(iter(lengths.values()))
        self._source = self

    def element(self, i: int) -> Any:
        """Element ``i``: every array replaced by its row ``i``."""
        return pack_like(self._structure, [leaf[i] for leaf in self._leaves])

    def gather(self, indices: np.ndarray) -> Any:
        """The batch of rows ``indices`` (one fancy index per array)."""
        return pack_like(self._structure, [leaf[indices] for leaf in self._leaves])

    def _indices(self) -> Iterator[np.ndarray]:
        yield np.arange(self._n)

    def _cardinality(self) -> int:
        return self._n


class GeneratorDataset(Dataset):
    """Elements of ``generator(*args)`` (see :meth:`Dataset.from_generator`)."""

    def __init__(self, generator: Callable[..., Iterable[Any]], args: tuple) -> None:
        self._generator = generator
        self._args = args

    def _elements(self) -> Iterable[Any]:
        return self._generator(*self._args)

    def _cardinality(self) -> int:
        return UNKNOWN


class ShuffleDataset(Dataset):
    """See :meth:`Dataset.shuffle`."""

    def __init__(
        self, parent: Dataset, buffer_size: int, seed: int | None, reshuffle: bool
    ) -> None:
        self._parent = parent
        self._buffer_size = _check_count("shuffle: buffer_size", buffer_size, 1)
        if seed is None:
            seed = int(default_rng().integers(2**63))
        self._seed = _check_count("shuffle: seed", seed, 0)
        self._reshuffle = bool(reshuffle)
        self._epoch = 0
        self._source = parent._source

    def _rng(self) -> np.random.Generator:
        epoch = self._epoch
        self._epoch += 1
        return np.random.default_rng([self._seed, epoch if self._reshuffle else 0])

    def _elements(self) -> Iterator[Any]:
        return buffer_shuffle(self._parent, self._buffer_size, self._rng())

    def _indices(self) -> Iterator[np.ndarray]:
        rng = self._rng()
        n = self._parent._cardinality()
        if 0 <= n <= self._buffer_size:  # a full permutation, without a Python loop
            rows = np.concatenate(list(self._parent._indices()) or [np.empty(0, np.intp)])
            yield rows[rng.permutation(len(rows))]
            return
        flat = (int(i) for chunk in self._parent._indices() for i in chunk)
        shuffled = buffer_shuffle(flat, self._buffer_size, rng)
        while block := list(itertools.islice(shuffled, 4096)):
            yield np.asarray(block, dtype=np.intp)

    def _cardinality(self) -> int:
        return self._parent._cardinality()


class BatchDataset(Dataset):
    """See :meth:`Dataset.batch`."""

    def __init__(self, parent: Dataset, batch_size: int, drop_remainder: bool) -> None:
        self._parent = parent
        self._batch_size = _check_count("batch: batch_size", batch_size, 1)
        self._drop_remainder = bool(drop_remainder)

    def _elements(self) -> Iterator[Any]:
        source = self._parent._source
        if source is not None:
            for rows in batched_indices(
                self._parent._indices(), self._batch_size, self._drop_remainder
            ):
                yield source.gather(rows)
            return
        iterator = iter(self._parent)
        while True:
            group = list(itertools.islice(iterator, self._batch_size))
            if not group or (self._drop_remainder and len(group) < self._batch_size):
                return
            yield stack_elements(group)

    def _cardinality(self) -> int:
        n = self._parent._cardinality()
        if n < 0:
            return n
        if self._drop_remainder:
            return n // self._batch_size
        return math.ceil(n / self._batch_size)


class MapDataset(Dataset):
    """See :meth:`Dataset.map`."""

    def __init__(self, parent: Dataset, map_func: Callable[..., Any]) -> None:
        self._parent = parent
        self._map_func = map_func

    def _elements(self) -> Iterator[Any]:
        fn = self._map_func
        for element in self._parent:
            result = fn(*element) if isinstance(element, tuple) else fn(element)
            yield tuple(result) if isinstance(result, list) else result

    def _cardinality(self) -> int:
        return self._parent._cardinality()


class PrefetchDataset(Dataset):
    """See :meth:`Dataset.prefetch`."""

    def __init__(self, parent: Dataset, buffer_size: int) -> None:
        if buffer_size == AUTOTUNE:
            buffer_size = 2
        self._parent = parent
        self._buffer_size = _check_count("prefetch: buffer_size", buffer_size, 1)

    def _elements(self) -> Iterator[Any]:
        return background(lambda: iter(self._parent), self._buffer_size)

    def _cardinality(self) -> int:
        return self._parent._cardinality()


class TakeDataset(Dataset):
    """See :meth:`Dataset.take`."""

    def __init__(self, parent: Dataset, count: int) -> None:
        self._parent = parent
        self._count = _check_count("take: count", count, -1)
        self._source = parent._source

    def _elements(self) -> Iterator[Any]:
        if self._count == -1:
            return iter(self._parent)
        return itertools.islice(self._parent, self._count)

    def _indices(self) -> Iterator[np.ndarray]:
        left = self._count
        for chunk in self._parent._indices():
            if left == 0:
                return
            if left > 0:
                chunk = chunk[:left]
                left -= len(chunk)
            yield chunk

    def _cardinality(self) -> int:
        n = self._parent._cardinality()
        if self._count == -1:
            return n
        if n == INFINITE:
            return self._count
        return n if n == UNKNOWN else min(n, self._count)


class SkipDataset(Dataset):
    """See :meth:`Dataset.skip`."""

    def __init__(self, parent: Dataset, count: int) -> None:
        self._parent = parent
        self._count = _check_count("skip: count", count, -1)
        self._source = parent._source

    def _elements(self) -> Iterator[Any]:
        if self._count == -1:
            return iter(())
        return itertools.islice(self._parent, self._count, None)

    def _indices(self) -> Iterator[np.ndarray]:
        if self._count == -1:
            return
        left = self._count
        for chunk in self._parent._indices():
            if left:
                dropped = min(left, len(chunk))
                chunk, left = chunk[dropped:], left - dropped
            if len(chunk):
                yield chunk

    def _cardinality(self) -> int:
        n = self._parent._cardinality()
        if self._count == -1:
            return 0
        return n if n < 0 else max(n - self._count, 0)


class RepeatDataset(Dataset):
    """See :meth:`Dataset.repeat`."""

    def __init__(self, parent: Dataset, count: int | None) -> None:
        self._parent = parent
        self._count = -1 if count is None else _check_count("repeat: count", count, -1)
        self._source = parent._source

    def _passes(self) -> Iterator[int]:
        return itertools.count() if self._count == -1 else iter(range(self._count))

    def _elements(self) -> Iterator[Any]:
        for _ in self._passes():
            empty = True
            for element in self._parent:
                empty = False
                yield element
            if empty:  # an empty dataset repeated forever is still empty
                return

    def _indices(self) -> Iterator[np.ndarray]:
        for _ in self._passes():
            empty = True
            for chunk in self._parent._indices():
                empty = empty and len(chunk) == 0
                yield chunk
            if empty:
                return

    def _cardinality(self) -> int:
        n = self._parent._cardinality()
        if n == 0:
            return 0
        if self._count == -1:
            return INFINITE
        return n if n < 0 else n * self._count
