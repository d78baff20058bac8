"""Set operations: unique and isin. Their results are values picked from the input and indices,
which carry no gradient."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._reduction import single_axis

__all__ = ["isin", "unique"]


def isin(x1: Any, x2: Any, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of ``x1`` occurs in ``x2``, as a bool tensor of ``x1``'s shape.

    Args:
        x1: the elements to test.
        x2: the values to look for (any shape).
        assume_unique: both inputs hold no repeated values (a faster search).
        invert: test for absence instead.

    Example:
        >>> isin([0.0, 1.0, 2.0, 5.0], [0.0, 2.0]).tolist()
        [True, False, True, False]
    """
    a, b = as_tensor(x1).data, as_tensor(x2).data
    xp = get_array_module(a)
    return Tensor._make(xp.isin(a, b, assume_unique=assume_unique, invert=invert))


def unique(
    x: Any,
    sorted: bool = True,  # noqa: A002 - Keras's name
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: Any = None,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """The unique elements of ``x`` (or unique slices along ``axis``), sorted.

    Args:
        x: input tensor.
        sorted: accepted for Keras's signature; the values always come out sorted (a valid
            order for ``sorted=False`` too, and what Keras's PyTorch backend returns).
        return_index: also return the index of each value's first occurrence.
        return_inverse: also return, for each element of ``x``, the index of its value (of
            ``x``'s shape for ``axis=None``, else of length ``x.shape[axis]``).
        return_counts: also return how often each value occurs.
        axis: None (flatten) or the axis whose slices are compared.
        size: a fixed number of values: extra values are dropped, missing ones padded with
            ``fill_value`` (0 by default), their counts with 0 and their indices with 1.
        fill_value: the padding value for ``size``.

    Returns:
        The values, or a tuple (values, [index], [inverse], [counts]); indices and counts are
        int64. NaN values are each their own value.

    Example:
        >>> values, counts = unique([3.0, 1.0, 2.0, 1.0], size=5, return_counts=True)
        >>> values.tolist(), counts.tolist()
        ([1.0, 2.0, 3.0, 0.0, 0.0], [2, 1, 1, 0, 0])
    """
    x = as_tensor(x)
    data = x.data
    xp = get_array_module(data)
    if axis is not None:
        axis = single_axis(axis, data.ndim, "unique")
    found = xp.unique(
        data,
        return_index=True,
        return_inverse=True,
        return_counts=True,
        axis=axis,
        equal_nan=False,
    )
    values, index, inverse, counts = found
    if axis is None:
        inverse = inverse.reshape(data.shape)
    dim = 0 if axis is None else axis
    if size is not None:
        values, index, counts = _fix_size(xp, values, index, counts, dim, size, fill_value)
    wanted = [(True, values), (return_index, index), (return_inverse, inverse)]
    wanted.append((return_counts, counts))
    out = tuple(Tensor._make(v.astype("int64") if v is not values else v) for w, v in wanted if w)
    return out[0] if len(out) == 1 else out


def _fix_size(xp: Any, values: Any, index: Any, counts: Any, dim: int, size: int, fill: Any):
    """Truncate to ``size`` values along ``dim``, or pad: values with ``fill`` (0 by default),
    counts with 0 and first indices with 1, as Keras does."""
    if not isinstance(size, int) or size < 0:
        raise ValueError(f"unique: size must be a non-negative int, received {size!r}.")
    have = values.shape[dim]
    if have >= size:
        cut = (slice(None),) * dim + (slice(0, size),)
        return values[cut], index[:size], counts[:size]
    widths = [(0, 0)] * values.ndim
    widths[dim] = (0, size - have)
    values = xp.pad(values, widths, constant_values=0 if fill is None else fill)
    index = xp.pad(index, (0, size - have), constant_values=1)
    counts = xp.pad(counts, (0, size - have), constant_values=0)
    return values, index, counts
