"""Building blocks shared by the linear-algebra ops: input checks, the matrix transpose,
diagonals and triangles (all differentiable), and clearer errors from LAPACK.

Nothing here is public: ``__all__`` is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import floatx, get_array_module
from deepnum.ops.core import cast
from deepnum.ops.numpy import broadcast_to, reshape, swapaxes

__all__: list[str] = []


def as_float_tensor(x: Any) -> Tensor:
    """``x`` as a Tensor of a floating dtype: integers and booleans become ``floatx``."""
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        return cast(x, floatx())
    return x


def check_matrix(x: Tensor, fname: str, square: bool = False, arg: str = "x") -> None:
    """Raise a clear error unless ``x`` is a (batch of) matrix, square when asked."""
    if x.ndim < 2:
        raise ValueError(
            f"{fname}: `{arg}` must have rank >= 2 (a matrix or a batch of matrices), "
            f"received shape {shape_str(x.shape)}."
        )
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"{fname}: `{arg}` must be square in its last two axes, received shape "
            f"{shape_str(x.shape)}."
        )


def lapack(fname: str, hint: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` (an ``xp.linalg`` routine) and turn LAPACK's failures into a ValueError
    that names the op and the likely cause."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:
        if type(e).__name__ != "LinAlgError":
            raise
        raise ValueError(f"{fname} failed: {e}. {hint}") from None


def matrix_transpose(x: Any) -> Tensor:
    """Swap the last two axes (the transpose of each matrix in a batch)."""
    return swapaxes(x, -1, -2)


def expand_last2(x: Tensor) -> Tensor:
    """Append two axes of size 1, so a per-matrix value broadcasts over its matrix."""
    return reshape(x, x.shape + (1, 1))


class DiagPart(Function):
    """The diagonal of each matrix, ``x[..., i, i]``; the adjoint of :class:`DiagEmbed`."""

    def forward(self, x):
        return get_array_module(x).diagonal(x, axis1=-2, axis2=-1).copy()

    def backward(self, gy):
        return DiagEmbed(self.inputs[0].shape[-1])(gy)


class DiagEmbed(Function):
    """Matrices with ``x`` on the diagonal (``n`` columns) and zeros elsewhere."""

    def __init__(self, n: int) -> None:
        self.n = n

    def forward(self, x):
        xp = get_array_module(x)
        k = x.shape[-1]
        out = xp.zeros(x.shape[:-1] + (k, self.n), dtype=x.dtype)
        idx = xp.arange(min(k, self.n))
        out[..., idx, idx] = x[..., : idx.size]
        return out

    def backward(self, gy):
        return DiagPart()(gy)


def diag_part(x: Any) -> Tensor:
    """The diagonal of each square matrix in a batch, shape ``(..., n)``."""
    return DiagPart()(as_tensor(x))


def diag_embed(x: Any) -> Tensor:
    """Square diagonal matrices built from the last axis of ``x``, shape ``(..., n, n)``."""
    x = as_tensor(x)
    return DiagEmbed(x.shape[-1])(x)


def triangle_mask(x: Tensor, lower: bool, k: int = 0) -> Any:
    """A 0/1 array of ``x``'s dtype that keeps the lower (or upper) triangle from diagonal ``k``."""
    xp = get_array_module(x.data)
    m, n = x.shape[-2:]
    rows = xp.arange(m).reshape(m, 1)
    cols = xp.arange(n).reshape(1, n)
    keep = (cols - rows <= k) if lower else (cols - rows >= k)
    return keep.astype(x.dtype)


def tril(x: Any, k: int = 0) -> Tensor:
    """The lower triangle of each matrix (entries with ``j - i <= k``), zeros above."""
    x = as_tensor(x)
    return x * triangle_mask(x, lower=True, k=k)


def triu(x: Any, k: int = 0) -> Tensor:
    """The upper triangle of each matrix (entries with ``j - i >= k``), zeros below."""
    x = as_tensor(x)
    return x * triangle_mask(x, lower=False, k=k)


def eye_like(x: Tensor, n: int) -> Tensor:
    """The ``n``×``n`` identity in ``x``'s dtype and array module (a constant)."""
    return Tensor._make(get_array_module(x.data).eye(n, dtype=x.dtype))


def eps_of(x: Tensor) -> float:
    """Machine epsilon of ``x``'s floating dtype."""
    return float(get_array_module(x.data).finfo(x.dtype).eps)


def broadcast_batch(fname: str, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast of two batch shapes (NumPy's rules), with an error naming ``fname``."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for s, t in zip(a, b):
        if s != t and 1 not in (s, t):
            raise ValueError(
                f"{fname}: the batch shapes {shape_str(a)} and {shape_str(b)} cannot be "
                "broadcast together."
            )
        out.append(max(s, t) if 0 not in (s, t) else 0)
    return tuple(out)


def promote(fname: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Two operands as float Tensors of their common dtype (float32 with float64: float64)."""
    a, b = as_float_tensor(a), as_float_tensor(b)
    if a.dtype != b.dtype:
        dtype = get_array_module(a.data).promote_types(a.dtype, b.dtype)
        a, b = cast(a, dtype), cast(b, dtype)
    return a, b


def keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as size 1."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def unreduce(y: Tensor, shape: tuple[int, ...], axes: tuple[int, ...]) -> Tensor:
    """Broadcast a reduction's result (with or without its reduced axes) back to ``shape``."""
    return broadcast_to(reshape(y, keepdims_shape(shape, axes)), shape)
