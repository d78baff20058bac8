"""Reductions over axes: sum, mean, max, min, var, std, prod, logsumexp, argmax, argmin."""

from __future__ import annotations

import builtins
import math
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import broadcast_array, broadcast_to
from deepnum.ops.numpy._elementwise import where

__all__ = ["argmax", "argmin", "max", "mean", "min", "prod", "std", "sum", "var"]


def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    """Return ``axis`` (None, int or sequence, negatives allowed) as a sorted tuple."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor of rank {ndim}.")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def max_shift(x: Any, axis: Any) -> Any:
    """The shift m = max(x) (keepdims) that makes log Σ eˣ = m + log Σ e^(x−m) stable.

    Works on raw arrays. Non-finite maxima (all −inf) and empty axes use 0 instead, so the
    result is −inf rather than nan or an error.
    """
    xp = get_array_module(x)
    axes = normalize_axis(axis, x.ndim)
    if x.size == 0:
        return xp.zeros(_keepdims_shape(x.shape, axes), dtype=x.dtype)
    m = x.max(axis=axes, keepdims=True)
    return xp.where(xp.isfinite(m), m, 0)


def _keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand_grad(gy: Tensor, x_shape: tuple[int, ...], axes: tuple[int, ...]) -> Tensor:
    """Reshape a reduced gradient to keepdims form and broadcast it back to the input."""
    from deepnum.ops.numpy._shape import reshape

    if gy.ndim == 0:  # a full reduction: a scalar broadcasts as it is
        return broadcast_to(gy, x_shape)
    return broadcast_to(reshape(gy, _keepdims_shape(x_shape, axes)), x_shape)


class Sum(Function):
    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        return _expand_grad(gy, self.inputs[0].shape, self.axes)

    def backward_arrays(self, gy):
        shape = self.inputs[0].data.shape
        if gy.ndim:
            gy = gy.reshape(_keepdims_shape(shape, self.axes))
        return broadcast_array(gy, shape)


class _Extreme(Function):
    """max/min: the gradient is shared equally among the elements that attain the extreme."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def backward(self, gy):
        x = self.inputs[0]
        y = self.reduce(x.data, axis=self.axes, keepdims=True)
        mask = (x.data == y).astype(gy.dtype)
        mask /= mask.sum(axis=self.axes, keepdims=True)
        return _expand_grad(gy, x.shape, self.axes) * mask


class Max(_Extreme):
    @staticmethod
    def reduce(x, axis, keepdims):
        return x.max(axis=axis, keepdims=keepdims)

    def forward(self, x):
        return x.max(axis=self.axes, keepdims=self.keepdims)


class Min(_Extreme):
    @staticmethod
    def reduce(x, axis, keepdims):
        return x.min(axis=axis, keepdims=keepdims)

    def forward(self, x):
        return x.min(axis=self.axes, keepdims=self.keepdims)


class Prod(Function):
    """Product over axes. ∂/∂xᵢ = ∏_{j≠i} xⱼ, computed exactly even when some xⱼ are 0."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return x.prod(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        from deepnum.ops.numpy._shape import expand_dims, reshape, transpose

        x = self.inputs[0]
        rest = tuple(i for i in range(x.ndim) if i not in self.axes)
        perm = rest + self.axes
        n = math.prod(x.shape[a] for a in self.axes)
        xt = reshape(transpose(x, perm), tuple(x.shape[i] for i in rest) + (n,))
        xp = get_array_module(x.data)
        eye = xp.eye(n, dtype=bool)
        # Row i of the (n, n) matrix is x with xᵢ replaced by 1; its product excludes xᵢ.
        rows = broadcast_to(expand_dims(xt, -2), xt.shape + (n,))
        others = prod(where(eye, 1, rows), axis=-1)
        g = _expand_grad(gy, x.shape, self.axes)
        g_perm = reshape(transpose(g, perm), others.shape)
        inverse = tuple(sorted(range(x.ndim), key=lambda i: perm[i]))
        permuted_shape = tuple(x.shape[i] for i in perm)
        return transpose(reshape(g_perm * others, permuted_shape), inverse)


class LogSumExp(Function):
    """y = log Σ eˣ, computed as m + log Σ e^(x−m); ∂y/∂x = softmax(x)."""

    save_outputs = True

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        xp = get_array_module(x)
        m = max_shift(x, self.axes)
        y = xp.log(xp.exp(x - m).sum(axis=self.axes, keepdims=True)) + m
        return (
            y
            if self.keepdims
            else y.reshape(tuple(s for i, s in enumerate(x.shape) if i not in self.axes))
        )

    def backward(self, gy):
        from deepnum.ops.numpy._elementwise import exp
        from deepnum.ops.numpy._shape import reshape

        x = self.inputs[0]
        y = reshape(self.outputs[0], _keepdims_shape(x.shape, self.axes))
        return _expand_grad(gy, x.shape, self.axes) * exp(x - y)


def _reduce(cls: type, x: Any, axis: Any, keepdims: bool) -> Tensor:
    x = as_tensor(x)
    return cls(normalize_axis(axis, x.ndim), keepdims)(x)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (None: all axes). Backward broadcasts the gradient back."""
    return _reduce(Sum, x, axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis``: sum / n."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim)
    n = math.prod(x.shape[a] for a in axes)
    return Sum(axes, keepdims)(x) * (1.0 / n if n else float("nan"))


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``."""
    return _reduce(Max, x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Minimum over ``axis``."""
    return _reduce(Min, x, axis, keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Product over ``axis``."""
    return _reduce(Prod, x, axis, keepdims)


def var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance, mean((x − mean x)²) · n / (n − ddof)."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim)
    n = math.prod(x.shape[a] for a in axes)
    centred = x - mean(x, axis=axes, keepdims=True)
    # n ≤ ddof divides by 0 (inf, or nan for 0/0), as NumPy and PyTorch do.
    return sum(centred * centred, axis=axes, keepdims=keepdims) / builtins.max(n - ddof, 0)


def std(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Standard deviation, √var."""
    from deepnum.ops.numpy._elementwise import sqrt

    return sqrt(var(x, axis=axis, keepdims=keepdims, ddof=ddof))


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log Σ exp(x) over ``axis``, stable for large |x|."""
    return _reduce(LogSumExp, x, axis, keepdims)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the maximum (an integer tensor; no gradient)."""
    x = as_tensor(x)
    return Tensor._make(x.data.argmax(axis=axis, keepdims=keepdims))


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the minimum (an integer tensor; no gradient)."""
    x = as_tensor(x)
    return Tensor._make(x.data.argmin(axis=axis, keepdims=keepdims))
