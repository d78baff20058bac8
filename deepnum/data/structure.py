"""Nested structures of arrays (tuples, dicts, lists) as ``tf.data`` elements use them.

An element of a :class:`~deepnum.data.Dataset` is either one array or a nested tuple / dict of
arrays, e.g. ``(x, y)`` or ``({"image": x, "meta": m}, y)``. These helpers flatten such a
structure to its leaves, rebuild it, and stack a list of elements into one batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deepnum.backend import to_numpy


def is_nested(value: Any) -> bool:
    """True for the containers that make up a structure: tuple, list and dict."""
    return isinstance(value, (tuple, list, dict))


def flatten(structure: Any) -> list[Any]:
    """Return the leaves of ``structure`` in a fixed order (dict keys sorted, as ``tf.nest``).

    Example:
        >>> flatten(({"b": 2, "a": 1}, 3))
        [1, 2, 3]
    """
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (tuple, list)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def flatten_with_paths(structure: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Like :func:`flatten`, with each leaf's path (``"[0]['x']"``) for error messages."""
    if isinstance(structure, dict):
        return [
            pair
            for key in sorted(structure)
            for pair in flatten_with_paths(structure[key], f"{prefix}[{key!r}]")
        ]
    if isinstance(structure, (tuple, list)):
        return [
            pair
            for i, item in enumerate(structure)
            for pair in flatten_with_paths(item, f"{prefix}[{i}]")
        ]
    return [(prefix or "<array>", structure)]


def pack_like(structure: Any, leaves: Sequence[Any]) -> Any:
    """Rebuild ``structure`` with its leaves replaced, in :func:`flatten` order.

    Example:
        >>> pack_like((1, {"a": 2}), [10, 20])
        (10, {'a': 20})
    """
    iterator = iter(leaves)
    result = _pack(structure, iterator)
    if next(iterator, _SENTINEL) is not _SENTINEL:
        raise ValueError("pack_like: more leaves were given than the structure holds.")
    return result


_SENTINEL = object()


def _pack(structure: Any, leaves: Any) -> Any:
    if isinstance(structure, dict):
        packed = {key: _pack(structure[key], leaves) for key in sorted(structure)}
        return {key: packed[key] for key in structure}
    if isinstance(structure, (tuple, list)):
        return type(structure)(_pack(item, leaves) for item in structure)
    return next(leaves)


def map_structure(fn: Callable[[Any], Any], structure: Any) -> Any:
    """Apply ``fn`` to every leaf of ``structure`` and keep the nesting."""
    return pack_like(structure, [fn(leaf) for leaf in flatten(structure)])


def to_array(value: Any) -> np.ndarray:
    """Convert a leaf (array, Tensor, list, scalar) to a host NumPy array."""
    if isinstance(value, np.ndarray):
        return value
    return to_numpy(value)


def stack_elements(elements: Sequence[Any]) -> Any:
    """Stack a list of same-structured elements into one batch (a new leading axis).

    Args:
        elements: a non-empty list of elements, each an array or a nested tuple / dict of arrays
            with the same structure and the same per-leaf shapes.

    Returns:
        The batch: the structure of ``elements[0]`` whose leaves have shape ``(len(elements),
        *leaf_shape)``.

    Example:
        >>> batch = stack_elements([(np.zeros(2), 0), (np.ones(2), 1)])
        >>> batch[0].shape, batch[1].tolist()
        ((2, 2), [0, 1])
    """
    first = elements[0]
    paths = [path for path, _ in flatten_with_paths(first)]
    columns: list[list[Any]] = [[] for _ in paths]
    for i, element in enumerate(elements):
        leaves = flatten(element)
        if len(leaves) != len(paths):
            raise ValueError(
                f"batch: element {i} of the batch has {len(leaves)} arrays but the first element "
                f"has {len(paths)}; every element must have the same structure."
            )
        for column, leaf in zip(columns, leaves):
            column.append(to_array(leaf))
    stacked = []
    for path, column in zip(paths, columns):
        shapes = {c.shape for c in column}
        if len(shapes) > 1:
            raise ValueError(
                f"batch: the arrays at {path} have different shapes within one batch "
                f"({sorted(shapes)}); every element of a batch must have the same shape. "
                "Pad variable-length sequences first, e.g. with deepnum.utils.pad_sequences."
            )
        stacked.append(np.stack(column))
    return pack_like(first, stacked)


def as_array_structure(tensors: Any) -> Any:
    """Convert the leaves of a tuple / dict structure to arrays (a list is one array, as in
    ``tf.data``), for ``Dataset.from_tensor_slices``."""
    if isinstance(tensors, dict):
        if not tensors:
            raise ValueError("from_tensor_slices: received an empty dict; give an array.")
        return {key: as_array_structure(value) for key, value in tensors.items()}
    if isinstance(tensors, tuple):
        if not tensors:
            raise ValueError("from_tensor_slices: received an empty tuple; give an array.")
        return tuple(as_array_structure(value) for value in tensors)
    try:
        return to_array(tensors)
    except ValueError as error:
        raise ValueError(
            "from_tensor_slices: a list is converted to one array (as in tf.data), and this one "
            f"is ragged ({error}). To pass several arrays, use a tuple: from_tensor_slices((x, y))."
        ) from error


def first_mismatch(lengths: dict[str, int]) -> tuple[tuple[str, int], tuple[str, int]]:
    """The first entry and the first entry of another value, for length-mismatch errors."""
    items = list(lengths.items())
    first = items[0]
    other = next(item for item in items if item[1] != first[1])
    return first, other
