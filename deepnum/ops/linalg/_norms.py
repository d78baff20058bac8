"""Scalar functions of matrices and vectors: det and norm (every ``ord`` Keras supports)."""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.linalg._base import (
    as_float_tensor,
    check_matrix,
    expand_last2,
    keepdims_shape,
    lapack,
    matrix_transpose,
    unreduce,
)
from deepnum.ops.linalg._solve import inv
from deepnum.ops.linalg._svd import SVD, svdvals
from deepnum.ops.numpy import abs as abs_
from deepnum.ops.numpy import (
    broadcast_to,
    expand_dims,
    matmul,
    prod,
    reshape,
    sign,
    transpose,
    where,
)
from deepnum.ops.numpy import max as max_
from deepnum.ops.numpy import min as min_
from deepnum.ops.numpy import sum as sum_

__all__ = ["det", "norm"]


# ---------------------------------------------------------------------------- det
class Det(Function):
    """d = det(A); ∂L/∂A = ∂d · cof(A), the cofactor matrix, which is d · A⁻ᵀ.

    Where A is singular (no inverse) the cofactors come from the SVD A = U S Vh:
    cof(A) = det(U) det(Vh) · U diag(Π_{j≠i} s_j) Vh, which is defined for every A; their own
    derivatives there need distinct singular values, as the SVD's do.
    """

    save_outputs = True

    def forward(self, a):
        return lapack("det", "", get_array_module(a).linalg.det, a)

    def backward(self, gd):
        a, d = self.inputs[0], self.outputs[0]
        if bool(get_array_module(d.data).all(d.data != 0)):
            try:
                return expand_last2(gd * d) * matrix_transpose(inv(a))
            except ValueError:  # singular to working precision after all
                pass
        return expand_last2(gd) * _cofactors(a)


def _cofactors(a: Tensor) -> Tensor:
    """The cofactor matrix of each square matrix, through its SVD (valid when singular)."""
    xp = get_array_module(a.data)
    u, s, vh = SVD(False)(a)
    n = s.shape[-1]
    rows = broadcast_to(expand_dims(s, -2), s.shape[:-1] + (n, n))
    others = prod(where(xp.eye(n, dtype=bool), 1, rows), axis=-1)  # Π_{j≠i} s_j
    signs = xp.linalg.det(u.data) * xp.linalg.det(vh.data)
    return expand_last2(Tensor._make(signs)) * matmul(u * expand_dims(others, -2), vh)


def det(x: Any) -> Tensor:
    """The determinant of each square matrix.

    Args:
        x: a tensor of shape ``(..., M, M)``.

    Returns:
        A tensor of shape ``(...)``. Its gradient is the cofactor matrix ``det(A) · A⁻ᵀ``
        (also defined, through the SVD, where A is singular).

    Example:
        >>> det([[1.0, 2.0], [3.0, 4.0]]).item()
        -2.0
    """
    x = as_float_tensor(x)
    check_matrix(x, "det", square=True)
    return Det()(x)


# ---------------------------------------------------------------------------- vector norms
class VectorNorm(Function):
    """‖x‖_p over ``axes``: (Σ|xᵢ|ᵖ)^(1/p); p = ±inf: max / min |xᵢ|; p = 0: count of xᵢ ≠ 0.

    ∂‖x‖_p/∂xᵢ = sign(xᵢ) |xᵢ|ᵖ⁻¹ / ‖x‖ᵖ⁻¹ (0 where ‖x‖ = 0); for ±inf the gradient is shared
    equally by the elements that attain the extreme; for p = 0 it is zero.
    """

    save_outputs = True

    def __init__(self, p: float, axes: tuple[int, ...], keepdims: bool) -> None:
        self.p, self.axes, self.keepdims = p, axes, keepdims

    def forward(self, x):
        xp = get_array_module(x)
        a, p, kw = xp.abs(x), self.p, {"axis": self.axes, "keepdims": self.keepdims}
        if p == math.inf:
            return a.max(**kw)
        if p == -math.inf:
            return a.min(**kw)
        if p == 0:
            return (x != 0).sum(**kw).astype(x.dtype)
        if p == 1:
            return a.sum(**kw)
        if p == 2:
            return xp.sqrt((a * a).sum(**kw))
        return ((a**p).sum(**kw) ** (1.0 / p)).astype(x.dtype)

    def backward(self, gy):
        x, p = self.inputs[0], self.p
        if p == 0:
            return x * 0.0
        g = unreduce(gy, x.shape, self.axes)
        if p == 1:
            return g * sign(x)
        y = unreduce(self.outputs[0], x.shape, self.axes)
        if p in (math.inf, -math.inf):
            hit = get_array_module(x.data).abs(x.data) == y.data
            share = hit / hit.sum(axis=self.axes, keepdims=True)
            return g * sign(x) * share.astype(x.dtype)
        y_safe = where(y.data == 0, 1, y)
        if p == 2:
            return g * x / y_safe
        return g * sign(x) * abs_(x) ** (p - 1) / y_safe ** (p - 1)


def _vector_norm(x: Tensor, p: Any, axes: tuple[int, ...], keepdims: bool) -> Tensor:
    if isinstance(p, str):
        raise ValueError(f"norm: ord={p!r} is a matrix norm; a vector norm takes a number.")
    p = 2.0 if p is None else float(p)
    return VectorNorm(p, axes, keepdims)(x)


# ---------------------------------------------------------------------------- matrix norms
_MATRIX_ORDS = (None, "fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def _matrix_norm(x: Tensor, p: Any, axes: tuple[int, int], keepdims: bool) -> Tensor:
    if p not in _MATRIX_ORDS:
        raise ValueError(
            f"norm: invalid `ord` for a matrix norm, received ord={p!r}; expected one of "
            "None, 'fro', 'nuc', inf, -inf, 1, -1, 2, -2."
        )
    if p in (None, "fro"):
        return VectorNorm(2.0, tuple(sorted(axes)), keepdims)(x)
    row, col = axes
    rest = tuple(i for i in range(x.ndim) if i not in axes)
    m = transpose(x, rest + (row, col))
    if p == "nuc":
        out = sum_(svdvals(m), axis=-1)
    elif p in (2, -2):
        s = svdvals(m)
        out = s[..., 0] if p == 2 else s[..., -1]
    elif p in (math.inf, -math.inf):  # the largest / smallest row sum of |x|
        rows = sum_(abs_(m), axis=-1)
        out = max_(rows, axis=-1) if p > 0 else min_(rows, axis=-1)
    else:  # 1 / -1: the largest / smallest column sum
        cols = sum_(abs_(m), axis=-2)
        out = max_(cols, axis=-1) if p > 0 else min_(cols, axis=-1)
    if keepdims:
        out = reshape(out, keepdims_shape(x.shape, tuple(sorted(axes))))
    return out


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """A vector or matrix norm (PyTorch's ``linalg.norm`` rules).

    * ``axis`` None: with ``ord`` None, the 2-norm of all elements; otherwise ``x`` must be
      1-d (vector norm) or 2-d (matrix norm).
    * one axis: the vector norm ``(Σ|xᵢ|ᵖ)^(1/p)`` (``ord`` a number; ``inf``/``-inf``: max /
      min |xᵢ|; 0: the count of non-zeros; None: 2).
    * two axes: a matrix norm: ``None``/``'fro'`` √Σx²ᵢⱼ, ``'nuc'`` Σσ, 2 / −2 the largest /
      smallest singular value, ``inf`` / ``-inf`` the max / min row sum of |x|, 1 / −1 the
      max / min column sum.

    Args:
        x: the input tensor; integers are converted to ``floatx``.
        ord: the order (see above).
        axis: None, an int, or a tuple of one or two ints.
        keepdims: keep the reduced axes with size 1.

    Returns:
        The norm, a floating tensor.

    Example:
        >>> norm([3.0, 4.0]).item()
        5.0
        >>> norm([[1.0, -2.0], [3.0, 4.0]], ord=1).item()
        6.0
    """
    x = as_float_tensor(x)
    if axis is None:
        if ord is None:
            return VectorNorm(2.0, tuple(range(x.ndim)), keepdims)(x)
        if x.ndim not in (1, 2):
            raise ValueError(
                f"norm: with `ord` given and `axis=None`, `x` must be 1-d or 2-d, received shape "
                f"{shape_str(x.shape)}; pass `axis` to choose the axes."
            )
        axis = tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(axes) not in (1, 2):
        raise ValueError(f"norm: `axis` must name one or two axes, received axis={axis!r}.")
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise ValueError(
                f"norm: axis {a} is out of range for a tensor of shape {shape_str(x.shape)}."
            )
    axes = tuple(a % x.ndim for a in axes)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if axes[0] == axes[1]:
        raise ValueError(f"norm: the two axes must differ, received axis={axis!r}.")
    return _matrix_norm(x, ord, axes, keepdims)
