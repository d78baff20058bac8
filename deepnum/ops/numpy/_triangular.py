"""Triangles and diagonals: tril, triu, diagonal, diag, diagflat, trace.

``diagonal`` reads a diagonal; its adjoint writes one into zeros (``DiagonalScatter``), and the
two are each other's backward, so every op here is differentiable to any order.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import broadcast_to
from deepnum.ops.numpy._shape import canonical_axis, ravel

__all__ = ["diag", "diagflat", "diagonal", "trace", "tril", "triu"]


class Tril(Function):
    """Keep the elements on and below the k-th diagonal of the last two axes."""

    def __init__(self, k: int, upper: bool) -> None:
        self.k, self.upper = k, upper

    def forward(self, x):
        xp = get_array_module(x)
        return xp.triu(x, self.k) if self.upper else xp.tril(x, self.k)

    def backward(self, gy):
        return Tril(self.k, self.upper)(gy)


def _triangle(x: Any, k: int, upper: bool) -> Tensor:
    op = "triu" if upper else "tril"
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError(f"{op}: needs rank >= 1, received a 0-d tensor.")
    if x.ndim == 1:  # NumPy reads a vector as the rows of a square matrix
        x = broadcast_to(x, (x.shape[0], x.shape[0]))
    return Tril(int(k), upper)(x)


def tril(x: Any, k: int = 0) -> Tensor:
    """Zero the elements above the ``k``-th diagonal of the last two axes: keep x[..., i, j]
    where j ≤ i + k.

    Example:
        >>> tril([[1.0, 2.0], [3.0, 4.0]]).numpy().tolist()
        [[1.0, 0.0], [3.0, 4.0]]
    """
    return _triangle(x, k, upper=False)


def triu(x: Any, k: int = 0) -> Tensor:
    """Zero the elements below the ``k``-th diagonal of the last two axes: keep x[..., i, j]
    where j ≥ i + k.

    Example:
        >>> triu([[1.0, 2.0], [3.0, 4.0]]).numpy().tolist()
        [[1.0, 2.0], [0.0, 4.0]]
    """
    return _triangle(x, k, upper=True)


def _diagonal_index(shape: tuple[int, ...], offset: int, axis1: int, axis2: int) -> tuple:
    """Row and column positions of the ``offset`` diagonal in the plane (axis1, axis2)."""
    rows, cols = shape[axis1], shape[axis2]
    start_r, start_c = max(-offset, 0), max(offset, 0)
    n = max(min(rows - start_r, cols - start_c), 0)
    return start_r, start_c, n


class Diagonal(Function):
    """x[..., i + r0, ..., i + c0, ...] for i < n, the diagonal as the last axis."""

    def __init__(self, offset: int, axis1: int, axis2: int) -> None:
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2

    def forward(self, x):
        xp = get_array_module(x)
        return xp.diagonal(x, self.offset, self.axis1, self.axis2).copy()

    def backward(self, gy):
        return DiagonalScatter(self.inputs[0].shape, self.offset, self.axis1, self.axis2)(gy)


class DiagonalScatter(Function):
    """The adjoint of ``Diagonal``: zeros of ``shape`` with the last axis of ``g`` written
    onto the diagonal."""

    def __init__(self, shape: tuple[int, ...], offset: int, axis1: int, axis2: int) -> None:
        self.shape, self.offset, self.axis1, self.axis2 = shape, offset, axis1, axis2

    def forward(self, g):
        xp = get_array_module(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        r0, c0, n = _diagonal_index(self.shape, self.offset, self.axis1, self.axis2)
        plane = xp.moveaxis(out, (self.axis1, self.axis2), (-2, -1))  # a view into out
        i = xp.arange(n)
        plane[..., i + r0, i + c0] = g
        return out

    def backward(self, ggx):
        return Diagonal(self.offset, self.axis1, self.axis2)(ggx)


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The ``offset`` diagonal of the plane (axis1, axis2), as the last axis of the result.

    out[..., i] = x[..., i, ..., i + offset, ...] (offset > 0 above the main diagonal).

    Example:
        >>> diagonal([[1.0, 2.0], [3.0, 4.0]]).numpy().tolist()
        [1.0, 4.0]
    """
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"diagonal: needs rank >= 2, received shape {shape_str(x.shape)}.")
    a = canonical_axis(axis1, x.ndim, "diagonal")
    b = canonical_axis(axis2, x.ndim, "diagonal")
    if a == b:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, both are {a}.")
    return Diagonal(int(offset), a, b)(x)


def diag(x: Any, k: int = 0) -> Tensor:
    """A 2-d tensor's ``k``-th diagonal, or a square matrix with a 1-d tensor on it.

    Example:
        >>> diag([1.0, 2.0]).numpy().tolist()
        [[1.0, 0.0], [0.0, 2.0]]
    """
    x = as_tensor(x)
    k = int(k)
    if x.ndim == 2:
        return Diagonal(k, 0, 1)(x)
    if x.ndim != 1:
        raise ValueError(
            f"diag: expected a 1-d or 2-d tensor, received shape {shape_str(x.shape)}."
        )
    n = x.shape[0] + abs(k)
    return DiagonalScatter((n, n), k, 0, 1)(x)


def diagflat(x: Any, k: int = 0) -> Tensor:
    """A square matrix with the flattened ``x`` on its ``k``-th diagonal.

    Example:
        >>> diagflat([[1.0], [2.0]]).numpy().tolist()
        [[1.0, 0.0], [0.0, 2.0]]
    """
    return diag(ravel(x), k)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The sum along the ``offset`` diagonal of the plane (axis1, axis2): Σᵢ x[i, i + offset].

    Booleans and integers narrower than 32 bits sum as ``int32``; other dtypes keep theirs.

    Example:
        >>> trace([[1.0, 2.0], [3.0, 4.0]]).item()
        5.0
    """
    from deepnum.ops.numpy import sum
    from deepnum.ops.numpy._elementwise import cast

    d = diagonal(x, offset, axis1, axis2)
    dtype = d.dtype
    if dtype.kind == "b" or (dtype.kind in "iu" and dtype.itemsize < 4):
        dtype = get_array_module(d.data).dtype("int32")
    if dtype.kind != "f":
        return Tensor._make(d.data.sum(axis=-1, dtype=dtype))
    return cast(sum(d, axis=-1), dtype)
