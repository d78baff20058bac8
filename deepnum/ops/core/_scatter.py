"""Scatter and slice updates: scatter, scatter_update, slice, slice_update, unstack.

Each returns a new tensor (inputs are never written to) and is differentiable with respect to
the tensor it updates and the values it writes:

* ``set_at(x, index, u)`` (``out = x; out[index] = u``): ∂/∂x is the gradient with zeros at
  ``index``, ∂/∂u is the gradient read at ``index``.
* ``scatter`` adds values at indices (repeated indices accumulate): its adjoint reads the
  gradient at the indices.
* ``scatter_update`` with ``reduction`` max/min/mul is a composite of the above, one round per
  repetition of an index, so its gradients follow those of maximum, minimum and multiply.
"""

from __future__ import annotations

import builtins
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops import numpy as dnp
from deepnum.ops.core._convert import cast, convert_to_tensor

__all__ = ["scatter", "scatter_update", "slice", "slice_update", "unstack"]

_REDUCTIONS = (None, "add", "max", "min", "mul")


class SetAt(Function):
    """out = x with ``out[index] = u`` (``index`` selects each element at most once, and ``u``
    has the shape of ``x[index]``)."""

    def __init__(self, index: tuple) -> None:
        self.index = index

    def forward(self, x, u):
        out = x.copy()
        out[self.index] = u
        return out

    def backward(self, gy):
        x, u = self.inputs
        gx = gu = None
        if self.needs_input_grad[0]:
            gx = SetAt(self.index)(gy, dnp.zeros_like(u))
        if self.needs_input_grad[1]:
            gu = gy[self.index]
        return gx, gu


class ScatterAdd(Function):
    """out = zeros(shape) with ``values`` added at ``index`` (repeated indices accumulate)."""

    def __init__(self, index: tuple, shape: tuple[int, ...]) -> None:
        self.index, self.shape = index, shape

    def forward(self, values):
        xp = get_array_module(values)
        out = xp.zeros(self.shape, dtype=values.dtype)
        if xp.__name__ == "numpy":
            xp.add.at(out, self.index, values)
        else:  # pragma: no cover - CuPy
            import cupyx

            cupyx.scatter_add(out, self.index, values)
        return out

    def backward(self, gy):
        return gy[self.index]


class Unstack(Function):
    """The slices of x along ``axis`` as separate outputs; the gradient stacks them back."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        lead = (builtins.slice(None),) * self.axis
        return tuple(x[lead + (i,)] for i in range(x.shape[self.axis]))

    def backward(self, *gys):
        return dnp.stack(list(gys), axis=self.axis)


def _index_rows(owner: str, indices: Any, xp: Any) -> Any:
    """``indices`` as an integer array of shape (N, k) on the array module ``xp``."""
    idx = convert_to_tensor(indices).data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{owner}: indices must be integers, received dtype {idx.dtype}.")
    if idx.ndim < 1:
        raise ValueError(f"{owner}: indices must have shape (N, k), received a scalar.")
    idx = xp.asarray(idx)
    return idx.reshape(-1, idx.shape[-1]) if idx.ndim > 1 else idx.reshape(-1, 1)


def _occurrence(rows: Any, shape: tuple[int, ...]) -> Any:
    """For each index row, how many earlier rows point at the same element (0 for the first)."""
    xp = get_array_module(rows)
    n, k = rows.shape
    lead = shape[:k]
    wrapped = rows % xp.asarray(lead, dtype=rows.dtype)  # negative indices count from the end
    flat = xp.ravel_multi_index(tuple(wrapped.T), lead).astype("int64")
    order = xp.argsort(flat * n + xp.arange(n))  # unique keys: any sort is stable here
    grouped = flat[order]
    rank = xp.empty(n, dtype="int64")
    rank[order] = xp.arange(n) - xp.searchsorted(grouped, grouped)
    return rank


def _most(rank: Any) -> int:
    """The highest occurrence count (-1 for no rows)."""
    return int(rank.max()) if rank.size else -1


def scatter(indices: Any, values: Any, shape: Any) -> Tensor:
    """A tensor of ``shape``, zero except where ``values`` are added at ``indices``.

    ``indices`` has shape ``(..., k)`` (k ≤ len(shape)); ``values`` has shape
    ``(..., *shape[k:])``. Repeated indices accumulate. Differentiable in ``values``.

    Args:
        indices: integer tensor or nested list of shape ``(..., k)``.
        values: the values to place.
        shape: the shape of the result.

    Returns:
        A tensor of ``shape`` with ``values``' dtype.

    Example:
        >>> scatter([[0, 1], [1, 1]], [1.0, 1.0], (2, 2)).tolist()
        [[0.0, 1.0], [0.0, 1.0]]
    """
    values = convert_to_tensor(values)
    shape = tuple(int(s) for s in shape)
    rows = _index_rows("scatter", indices, get_array_module(values.data))
    k = rows.shape[1]
    if k > len(shape):
        raise ValueError(
            f"scatter: indices have {k} entries per row but shape={shape} has {len(shape)} axes."
        )
    values = dnp.reshape(values, (rows.shape[0],) + shape[k:])
    return ScatterAdd(tuple(rows.T), shape)(values)


def _set_rows(x: Tensor, rows: Any, updates: Tensor) -> Tensor:
    """``x`` with ``x[rows] = updates``; for repeated rows the last one wins (the others are
    dropped first, so they get no gradient)."""
    if _most(_occurrence(rows, x.shape)) > 0:
        xp = get_array_module(rows)
        last = _occurrence(rows[::-1], x.shape)[::-1] == 0
        keep = xp.nonzero(last)[0]
        rows, updates = rows[keep], updates[keep]
    return SetAt(tuple(rows.T))(x, updates)


def scatter_update(inputs: Any, indices: Any, updates: Any, reduction: Any = None) -> Tensor:
    """``inputs`` with ``updates`` written at ``indices`` (a new tensor; inputs is unchanged).

    ``indices`` has shape ``(N, k)`` with k ≤ inputs.ndim and ``updates`` shape
    ``(N, *inputs.shape[k:])``: row i of ``indices`` selects ``inputs[tuple(indices[i])]``.
    ``reduction`` decides what repeated indices do: ``None`` (the last update wins), ``"add"``,
    ``"max"``, ``"min"`` or ``"mul"`` (combined with the existing value, in row order).
    Differentiable in ``inputs`` and ``updates``.

    Args:
        inputs: the tensor to update.
        indices: integer tensor or nested list of shape ``(N, k)``.
        updates: values, cast to ``inputs``' dtype.
        reduction: ``None``, ``"add"``, ``"max"``, ``"min"`` or ``"mul"``.

    Returns:
        A tensor with the shape and dtype of ``inputs``.

    Example:
        >>> scatter_update([0.0, 0.0, 0.0], [[0], [0], [1]], [1.0, 1.0, 1.0], "add").tolist()
        [2.0, 1.0, 0.0]
    """
    if reduction is not None:
        reduction = str(reduction).lower()
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"Invalid reduction: {reduction}. Supported values are: None, 'add', 'max', 'min', "
            "'mul'."
        )
    x = convert_to_tensor(inputs)
    rows = _index_rows("scatter_update", indices, get_array_module(x.data))
    k = rows.shape[1]
    if k > x.ndim:
        raise ValueError(
            f"scatter_update: indices have {k} entries per row but inputs has {x.ndim} axes "
            f"(shape {shape_str(x.shape)})."
        )
    u = dnp.reshape(cast(convert_to_tensor(updates), x.dtype.name), (rows.shape[0],) + x.shape[k:])
    if reduction is None:
        return _set_rows(x, rows, u)
    if reduction == "add":
        return x + ScatterAdd(tuple(rows.T), x.shape)(u)
    combine = {"max": dnp.maximum, "min": dnp.minimum, "mul": dnp.multiply}[reduction]
    rank = _occurrence(rows, x.shape)
    xp = get_array_module(rows)
    for r in range(_most(rank) + 1):
        pick = xp.nonzero(rank == r)[0]
        index = tuple(rows[pick].T)
        x = SetAt(index)(x, combine(x[index], u[pick]))
    return x


def _static_ints(owner: str, name: str, values: Any, ndim: int) -> list[int]:
    values = [int(v) for v in (values.tolist() if isinstance(values, Tensor) else values)]
    if len(values) != ndim:
        raise ValueError(
            f"{owner}: {name} must have one entry per axis of inputs ({ndim}), received "
            f"{len(values)}: {values}."
        )
    return values


def slice(inputs: Any, start_indices: Any, shape: Any) -> Tensor:  # noqa: A001 - Keras's name
    """The block of ``inputs`` of size ``shape`` starting at ``start_indices``.

    ``slice(x, start, shape)`` is ``x[start[0]:start[0] + shape[0], ...]``; a size of -1 takes
    the rest of the axis. Differentiable (the gradient is zero outside the block).

    Args:
        inputs: a tensor.
        start_indices: one start per axis (ints or an integer tensor).
        shape: one size per axis.

    Returns:
        The slice, with ``inputs``' dtype.

    Example:
        >>> slice([[1, 2, 3], [4, 5, 6]], (1, 1), (1, 2)).tolist()
        [[5, 6]]
    """
    x = convert_to_tensor(inputs)
    starts = _static_ints("slice", "start_indices", start_indices, x.ndim)
    sizes = _static_ints("slice", "shape", shape, x.ndim)
    index = []
    for axis, (start, size, dim) in enumerate(zip(starts, sizes, x.shape)):
        stop = dim if size == -1 else start + size
        if not 0 <= start <= stop <= dim:
            raise ValueError(
                f"slice: along axis {axis} (size {dim}) the block [{start}, {stop}) does not fit "
                f"in inputs of shape {shape_str(x.shape)}."
            )
        index.append(builtins.slice(start, stop))
    return x[tuple(index)]


def slice_update(inputs: Any, start_indices: Any, updates: Any) -> Tensor:
    """``inputs`` with the block starting at ``start_indices`` replaced by ``updates``.

    ``inputs[start[0]:start[0] + updates.shape[0], ...] = updates`` on a copy. Differentiable in
    ``inputs`` and ``updates``.

    Args:
        inputs: a tensor.
        start_indices: one start per axis.
        updates: a tensor of the same rank, cast to ``inputs``' dtype.

    Returns:
        A tensor with the shape and dtype of ``inputs``.

    Example:
        >>> slice_update([[0, 0, 0], [0, 0, 0]], (1, 1), [[7, 8]]).tolist()
        [[0, 0, 0], [0, 7, 8]]
    """
    x = convert_to_tensor(inputs)
    u = cast(convert_to_tensor(updates), x.dtype.name)
    if u.ndim != x.ndim:
        raise ValueError(
            f"slice_update: updates must have the rank of inputs ({x.ndim}), received shape "
            f"{shape_str(u.shape)}."
        )
    starts = _static_ints("slice_update", "start_indices", start_indices, x.ndim)
    index = []
    for axis, (start, size, dim) in enumerate(zip(starts, u.shape, x.shape)):
        if not 0 <= start <= start + size <= dim:
            raise ValueError(
                f"slice_update: updates of shape {shape_str(u.shape)} starting at {starts} do "
                f"not fit in inputs of shape {shape_str(x.shape)} (axis {axis})."
            )
        index.append(builtins.slice(start, start + size))
    return SetAt(tuple(index))(x, u)


def unstack(x: Any, num: int | None = None, axis: int = 0) -> list[Tensor]:
    """The slices of ``x`` along ``axis``, as a list of tensors of rank ``x.ndim - 1``.

    Differentiable: the gradient stacks the slices' gradients back (zeros for unused ones).

    Args:
        x: a tensor.
        num: the length of ``axis``, optional (checked when given).
        axis: the axis to unpack.

    Returns:
        A list of ``x.shape[axis]`` tensors.

    Example:
        >>> [t.tolist() for t in unstack([[1, 2], [3, 4]], axis=1)]
        [[1, 3], [2, 4]]
    """
    x = convert_to_tensor(x)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"unstack: axis={axis} is out of range for a tensor of rank {x.ndim}.")
    axis %= x.ndim
    if num is not None and num != x.shape[axis]:
        raise ValueError(
            f"unstack: num={num} but axis {axis} of the input (shape {shape_str(x.shape)}) has "
            f"length {x.shape[axis]}."
        )
    if x.shape[axis] == 0:
        return []
    return list(Unstack(axis)(x))
