"""Helpers the preprocessing layers share: categorical encodings (Keras's
``encode_categorical_inputs``), the batches of ``adapt()`` data, and host arrays of strings."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module, is_array, to_numpy

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def check_output_mode(layer: str, output_mode: Any, allowed: tuple = OUTPUT_MODES) -> str:
    """``output_mode`` if it is one of ``allowed``, else a ValueError naming the layer."""
    if output_mode not in allowed:
        raise ValueError(
            f"{layer}: unknown output_mode={output_mode!r}; expected one of "
            f"{', '.join(repr(m) for m in allowed)}."
        )
    return output_mode


def refuse_sparse(layer: str, sparse: Any) -> None:
    """deepnum has dense tensors only: ``sparse=True`` is refused (as Keras on torch does)."""
    if sparse:
        raise ValueError(
            f"{layer}: sparse=True is not supported (deepnum has no sparse tensors, like Keras's "
            "torch and NumPy backends); use sparse=False to get a dense output."
        )


def raw(x: Any) -> Any:
    """The array behind a Tensor; NumPy/CuPy arrays as they are; anything else as NumPy."""
    if isinstance(x, Tensor):
        return x.data
    if is_array(x):
        return x
    return np.asarray(x)


def host(x: Any) -> np.ndarray:
    """``x`` as a NumPy array on the host (strings never leave it)."""
    return to_numpy(raw(x))


def is_string_array(x: np.ndarray) -> bool:
    """True for unicode/bytes arrays and object arrays holding strings."""
    if x.dtype.kind in "US":
        return True
    if x.dtype.kind == "O":
        first = next(iter(x.reshape(-1)), "")
        return isinstance(first, (str, bytes))
    return False


def encode_categorical(
    indices: Any,
    output_mode: str,
    depth: int,
    dtype: Any,
    count_weights: Any = None,
) -> Any:
    """Encode integer indices as Keras does: ``one_hot`` adds (or fills a size-1 last axis with)
    an axis of ``depth``; ``multi_hot`` and ``count`` reduce axis 1 (axis 0 for 1-D input) into
    one of ``depth``, e.g. ``(batch, tokens) -> (batch, depth)``. Indices outside
    ``[0, depth)`` contribute nothing.

    Example:
        >>> encode_categorical(np.array([[0, 2, 2]]), "count", 3, "float32").tolist()
        [[1.0, 0.0, 2.0]]
    """
    xp = get_array_module(indices)
    x = xp.asarray(indices)
    if output_mode == "int":
        return x.astype(dtype)
    if x.ndim == 0:
        x = x.reshape(1)
    if output_mode == "one_hot":
        if x.ndim > 1 and x.shape[-1] == 1:
            x = x.reshape(x.shape[:-1])
        flat = x.reshape(-1).astype(np.int64)
        out = xp.zeros((flat.size, depth), dtype=dtype)
        valid = (flat >= 0) & (flat < depth)
        rows = xp.arange(flat.size)[valid]
        out[rows, flat[valid]] = 1
        return out.reshape(x.shape + (depth,))
    axis = 1 if x.ndim > 1 else 0
    moved = xp.moveaxis(x, axis, -1)
    groups = int(np.prod(moved.shape[:-1], dtype=np.int64))
    flat = moved.reshape(groups, -1).astype(np.int64)
    group_id = xp.repeat(xp.arange(groups, dtype=np.int64), flat.shape[1])
    flat = flat.reshape(-1)
    valid = (flat >= 0) & (flat < depth)
    keys = group_id[valid] * depth + flat[valid]
    if output_mode == "multi_hot":
        out = xp.zeros(groups * depth, dtype=dtype)
        out[keys] = 1
    else:
        weights = None
        if count_weights is not None:
            w = xp.moveaxis(xp.asarray(count_weights), axis, -1).reshape(-1)
            weights, dtype = w[valid], w.dtype
        out = xp.bincount(keys, weights=weights, minlength=groups * depth).astype(dtype)
    return out.reshape(moved.shape[:-1] + (depth,))


def encoded_shape(input_shape: tuple, output_mode: str, depth: int | None) -> tuple:
    """The output shape of :func:`encode_categorical` for ``input_shape``."""
    shape = tuple(input_shape)
    if output_mode == "int":
        return shape
    if not shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            return shape[:-1] + (depth,)
        return shape + (depth,)
    if len(shape) == 1:
        return (depth,)
    return (shape[0],) + shape[2:] + (depth,)


# ------------------------------------------------------------------------ adapt() data
def _first_of_tuple(batch: Any) -> Any:
    """``x`` of an ``(x, y)`` or ``(x, y, sample_weight)`` batch."""
    return batch[0] if isinstance(batch, tuple) else batch


def adapt_batches(
    layer: str, data: Any, steps: int | None = None, lists_are_batches: bool = False
) -> Iterator[np.ndarray]:
    """The batches of ``adapt()``'s ``data``, as host NumPy arrays, one at a time.

    An array, Tensor (or, unless ``lists_are_batches``, a list/tuple) is one batch; a
    ``deepnum.data.Dataset``, ``PyDataset``, generator or other iterable yields batches (the
    ``x`` of ``(x, y)`` pairs), of which at most ``steps`` are read. Empty data is a ValueError.
    """
    from deepnum.data import Dataset, PyDataset, iterate_py_dataset

    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise ValueError(f"{layer}.adapt: steps must be a positive integer or None, got {steps!r}.")
    if isinstance(data, (str, bytes)):
        raise ValueError(
            f"{layer}.adapt: data is a single string {data!r:.40}; pass an array or list of "
            "strings (one element per sample), e.g. np.array(['first text', 'second text'])."
        )
    if (
        isinstance(data, Tensor)
        or is_array(data)
        or (isinstance(data, (list, tuple)) and not lists_are_batches)
    ):
        batches: Any = [data]
    elif isinstance(data, PyDataset):
        batches = iterate_py_dataset(data)
    elif isinstance(data, Dataset) or hasattr(data, "__iter__"):
        batches = iter(data)
    else:
        raise TypeError(
            f"{layer}.adapt: unsupported data of type {type(data).__name__}; pass a NumPy array, "
            "a list, a deepnum.data.Dataset, a PyDataset or an iterable of batches."
        )
    count = 0
    for batch in itertools.islice(batches, steps):
        array = host(_first_of_tuple(batch))
        if array.size == 0:
            continue
        count += 1
        yield array
    if count == 0:
        raise ValueError(
            f"{layer}.adapt: data holds no samples (an empty array, list or dataset); pass at "
            "least one non-empty batch."
        )


def to_strings(x: np.ndarray, encoding: str = "utf-8") -> list:
    """The elements of a host string array as Python ``str`` (bytes are decoded)."""
    items = x.reshape(-1).tolist()
    if x.dtype.kind == "S" or (items and isinstance(items[0], bytes)):
        return [v.decode(encoding) if isinstance(v, bytes) else str(v) for v in items]
    return items
