"""Normalised exponentials of ``keras.ops.nn``: softmax, log_softmax and sparsemax, over one
axis, several axes (a tuple) or all of them (``axis=None``)."""

from __future__ import annotations

import math
import warnings
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.nn._inputs import canonical_axes, canonical_axis, float_tensor
from deepnum.ops.numpy import exp
from deepnum.ops.numpy import sum as _sum

__all__ = ["log_softmax", "softmax", "sparsemax"]


def shifted(x: Any, axes: Any) -> Any:
    """x − max(x) over ``axes``, so that e^(x − m) ≤ 1; a row that is all −∞ (or an empty
    axis) is shifted by 0, which gives nan-free −∞ rather than nan."""
    xp = get_array_module(x)
    if x.size == 0:
        return x.copy()
    m = x.max(axis=axes, keepdims=True)
    return x - xp.where(xp.isfinite(m), m, 0)


# Softmax is shift-invariant: the shift by each row's max only keeps exp from overflowing.
# Inputs all ≤ UNSHIFTED_MAX cannot overflow (e^20 ≈ 4.9e8), so their exponentials skip the
# row maxima and the subtraction; a row whose Σ e^x is below MIN_SUM = e^-20 (all its inputs
# very negative, e.g. masked) is computed again with the shift.
UNSHIFTED_MAX = 20.0
MIN_SUM = math.exp(-20.0)


def row_sums(a: Any, axes: Any) -> Any:
    """Σ over ``axes``, kept as size-1 axes. Over the last axis of a contiguous array it is one
    matrix-vector product with a vector of ones: NumPy's reduction along short contiguous
    rows is 2-3x slower than BLAS's gemv."""
    d = a.shape[-1] if a.ndim else 0
    if axes != (a.ndim - 1,) or d < 2 or not a.flags.c_contiguous:
        return a.sum(axis=axes, keepdims=True)
    xp = get_array_module(a)
    return (a.reshape(-1, d) @ xp.ones(d, dtype=a.dtype)).reshape(a.shape[:-1] + (1,))


class Softmax(Function):
    """yᵢ = e^(xᵢ−m)/Σⱼ e^(xⱼ−m); ∂L/∂x = y ⊙ (g − Σ g⊙y)."""

    save_outputs = True

    def __init__(self, axes: Any) -> None:
        self.axes = axes

    def forward(self, x):
        xp = get_array_module(x)
        if x.size and x.max() <= UNSHIFTED_MAX:  # see UNSHIFTED_MAX (nan: the shifted path)
            e = xp.exp(x)
            sums = row_sums(e, self.axes)
            if (sums >= MIN_SUM).all():
                e /= sums
                return e
        e = shifted(x, self.axes)
        xp.exp(e, out=e)
        if e.size:
            e /= row_sums(e, self.axes)
        return e

    def backward(self, gy):
        y = self.outputs[0]
        gx = y * gy
        return gx - y * _sum(gx, axis=self.axes, keepdims=True)

    def backward_arrays(self, gy):
        y = self._saved[0]
        gx = gy - row_sums(y * gy, self.axes)
        gx *= y
        return gx


class LogSoftmax(Function):
    """yᵢ = xᵢ − logΣⱼ e^(xⱼ); ∂L/∂x = g − eʸ Σ g."""

    save_outputs = True

    def __init__(self, axes: Any) -> None:
        self.axes = axes

    def forward(self, x):
        xp = get_array_module(x)
        s = shifted(x, self.axes)
        if s.size == 0:
            return s
        return s - xp.log(row_sums(xp.exp(s), self.axes))

    def backward(self, gy):
        y = self.outputs[0]
        return gy - exp(y) * _sum(gy, axis=self.axes, keepdims=True)


class Sparsemax(Function):
    """Euclidean projection of x onto the probability simplex: y = max(x − τ, 0), with τ such
    that Σ y = 1 (Martins & Astudillo, 2016): with z sorted in decreasing order, the support
    size is k = max{j : 1 + j·z_j > Σ_{i≤j} z_i} and τ = (Σ_{i≤k} z_i − 1)/k. With
    S = {i : yᵢ > 0} (constant almost everywhere), ∂L/∂x = s ⊙ (g − Σ(g⊙s)/|S|), s the
    indicator of S.

    Keras 3.15 sums the cumulative sums over the support instead of the sorted values, so its
    output does not sum to 1 once the support has two or more elements (keras-team/keras
    #23425, fixed upstream by #23469); this is the projection as defined.
    """

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        z = xp.flip(xp.sort(x, axis=self.axis), axis=self.axis)  # descending
        cumsum = xp.cumsum(z, axis=self.axis)
        shape = [1] * x.ndim
        shape[self.axis] = -1
        k = xp.arange(1, x.shape[self.axis] + 1, dtype=x.dtype).reshape(shape)
        support = z - (cumsum - 1) / k > 0
        size = support.sum(axis=self.axis, keepdims=True)
        tau = (xp.where(support, z, 0).sum(axis=self.axis, keepdims=True) - 1) / size
        self.support = x > tau
        self.size = size.astype(x.dtype)
        return xp.maximum(x - tau, 0).astype(x.dtype, copy=False)

    def backward(self, gy):
        s = self.support.astype(gy.dtype)
        gs = gy * s
        return gs - s * (_sum(gs, axis=self.axis, keepdims=True) / self.size)


def _axes(x: Tensor, axis: Any, op: str) -> tuple[int, ...]:
    if axis == -1 and x.ndim and type(axis) is int:  # the common case, without the checks
        return (x.ndim - 1,)
    return canonical_axes(axis, x.ndim, op)


def softmax(x: Any, axis: Any = -1) -> Tensor:
    """softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ) along ``axis`` (an int, a tuple of axes, or None for
    all), computed with the maximum subtracted so that nothing overflows.

    Example:
        >>> softmax([0.0, 0.0]).numpy().tolist()
        [0.5, 0.5]
    """
    x = float_tensor(x)
    axes = _axes(x, axis, "softmax")
    if isinstance(axis, int) and x.shape[axes[0]] == 1:
        warnings.warn(
            f"You are using a softmax over axis {axis} of a tensor of shape {x.shape}. This "
            "axis has size 1. The softmax operation will always return the value 1, which is "
            "likely not what you intended. Did you mean to use a sigmoid instead?",
            stacklevel=2,
        )
    return Softmax(axes)(x)


def log_softmax(x: Any, axis: Any = -1) -> Tensor:
    """log softmax(x) = x − log Σ eˣ along ``axis`` (an int, a tuple of axes, or None).

    Example:
        >>> round(float(log_softmax([0.0, 0.0])[0]), 6)
        -0.693147
    """
    x = float_tensor(x)
    return LogSoftmax(_axes(x, axis, "log_softmax"))(x)


def sparsemax(x: Any, axis: int = -1) -> Tensor:
    """Sparsemax: the projection of x onto the probability simplex along ``axis``,
    max(x − τ(x), 0) with Σ = 1; unlike softmax it gives exact zeros.

    Args:
        x: scores, any shape.
        axis: the axis that sums to one.

    Returns:
        Probabilities of the shape of ``x``.

    Example:
        >>> sparsemax([-1.0, 0.0, 1.0]).numpy().tolist()
        [0.0, 0.0, 1.0]
    """
    x = float_tensor(x)
    return Sparsemax(canonical_axis(axis, x.ndim, "sparsemax"))(x)
