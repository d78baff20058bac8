"""Piecewise activations of ``keras.ops.nn``: relu, relu6, leaky_relu, the hard and sparse
variants, the shrinkage functions and threshold.

Most are piecewise linear: f'(x) is constant on each piece, so the gradient g·f'(x) is linear
in g and the second derivative is zero away from the kinks. At a kink the derivative is
PyTorch's (the one Keras's torch backend differentiates). ``hard_silu`` and ``sparse_plus``
are piecewise quadratic; their backward keeps the x-dependent slope differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import accel, get_array_module
from deepnum.ops.nn._inputs import float_tensor
from deepnum.ops.numpy import where

__all__ = [
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "relu",
    "relu6",
    "soft_shrink",
    "sparse_plus",
    "sparse_sigmoid",
    "threshold",
]


class ReLU(Function):
    """max(0, x); the derivative is the constant mask x > 0."""

    def forward(self, x):
        # (x + |x|)/2 would be faster but overflows above max/2; maximum is exact.
        return get_array_module(x).maximum(x, 0)

    def backward(self, gy):
        return gy * (self.inputs[0].data > 0).astype(gy.dtype)

    def backward_arrays(self, gy):
        x = self.inputs[0].data
        kernel = accel.kernel_for("relu_grad", gy, x)
        if kernel is None:
            return gy * (x > 0).astype(gy.dtype)
        out = np.empty_like(x)  # one compiled pass instead of compare, cast and multiply
        one = x.dtype.type(1)
        kernel(gy, x, out, one, one - one)
        return out


class _PiecewiseLinear(Function):
    """Base of the piecewise-linear activations: ∂L/∂x = g · slope(x), slope a constant array."""

    def slope(self, x: Any) -> Any:
        raise NotImplementedError

    def backward(self, gy):
        return gy * self.slope(self.inputs[0].data).astype(gy.dtype, copy=False)

    def backward_arrays(self, gy):
        return gy * self.slope(self.inputs[0].data).astype(gy.dtype, copy=False)


class Clip(_PiecewiseLinear):
    """clip(x, lo, hi) with the gradient passing strictly inside (lo, hi) (relu6, hard_tanh)."""

    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return get_array_module(x).clip(x, self.lo, self.hi).astype(x.dtype, copy=False)

    def slope(self, x):
        return (x > self.lo) & (x < self.hi)


class LeakyReLU(_PiecewiseLinear):
    """x for x > 0, a·x otherwise."""

    def __init__(self, negative_slope: float) -> None:
        self.a = negative_slope

    def forward(self, x):
        return get_array_module(x).where(x > 0, x, x * x.dtype.type(self.a))

    def slope(self, x):
        return get_array_module(x).where(x > 0, 1, self.a)


class Linear01(_PiecewiseLinear):
    """clip(a·x + b, 0, 1): hard_sigmoid (a = 1/6, b = 1/2) and sparse_sigmoid (a = b = 1/2)."""

    def __init__(self, a: float, b: float) -> None:
        self.a, self.b = a, b

    def forward(self, x):
        xp = get_array_module(x)
        y = x * x.dtype.type(self.a)
        y += x.dtype.type(self.b)
        return xp.clip(y, 0, 1, out=y)

    def slope(self, x):
        lo, hi = -self.b / self.a, (1 - self.b) / self.a
        return ((x > lo) & (x < hi)) * self.a


class Shrink(_PiecewiseLinear):
    """hard_shrink: x where |x| > λ, else 0; soft_shrink: x − clip(x, −λ, λ)."""

    def __init__(self, lam: float, soft: bool) -> None:
        self.lam, self.soft = lam, soft

    def forward(self, x):
        xp = get_array_module(x)
        if self.soft:
            return x - xp.clip(x, -self.lam, self.lam).astype(x.dtype, copy=False)
        return xp.where(self.slope(x), x, 0).astype(x.dtype, copy=False)

    def slope(self, x):
        return (x < -self.lam) | (x > self.lam)


class Threshold(_PiecewiseLinear):
    """x where x > threshold, else default_value (in x's dtype, as PyTorch's)."""

    def __init__(self, threshold: Any, value: Any) -> None:
        self.threshold, self.value = threshold, value

    def forward(self, x):
        xp = get_array_module(x)
        return xp.where(x > self.threshold, x, self.value).astype(x.dtype, copy=False)

    def slope(self, x):
        return x > self.threshold


class HardSiLU(Function):
    """x·relu6(x + 3)/6; f'(x) = 0 for x ≤ −3, x/3 + 1/2 on (−3, 3), 1 for x ≥ 3 (PyTorch's)."""

    def forward(self, x):
        xp = get_array_module(x)
        y = xp.clip(x + x.dtype.type(3), 0, 6)
        y *= x
        y *= x.dtype.type(1 / 6)
        return y

    def backward(self, gy):
        x = self.inputs[0]
        mid = (x.data > -3) & (x.data < 3)
        return gy * where(mid, x * (1 / 3) + 0.5, (x.data >= 3).astype(gy.dtype))


class SparsePlus(Function):
    """0 for x ≤ −1, (x + 1)²/4 for −1 < x < 1, x for x ≥ 1; f'(x) = 0, (x + 1)/2, 1."""

    def forward(self, x):
        xp = get_array_module(x)
        quad = (x + 1) ** 2 * x.dtype.type(0.25)
        return xp.where(x <= -1, 0, xp.where(x < 1, quad, x)).astype(x.dtype, copy=False)

    def backward(self, gy):
        x = self.inputs[0]
        mid = (x.data > -1) & (x.data < 1)
        return gy * where(mid, (x + 1) * 0.5, (x.data >= 1).astype(gy.dtype))


def relu(x: Any) -> Tensor:
    """Rectified linear unit, max(0, x); integer inputs keep their dtype.

    Example:
        >>> relu([-1.0, 0.0, 2.0]).numpy().tolist()
        [0.0, 0.0, 2.0]
    """
    return ReLU()(x)


def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6); integer inputs keep their dtype.

    Example:
        >>> relu6([-1.0, 3.0, 8.0]).numpy().tolist()
        [0.0, 3.0, 6.0]
    """
    return Clip(0, 6)(x)


def hard_tanh(x: Any) -> Tensor:
    """clip(x, −1, 1); integer inputs keep their dtype.

    Example:
        >>> hard_tanh([-2.0, 0.5, 2.0]).numpy().tolist()
        [-1.0, 0.5, 1.0]
    """
    return Clip(-1, 1)(x)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """Leaky ReLU: x for x > 0, ``negative_slope``·x otherwise.

    Example:
        >>> leaky_relu([-1.0, 2.0]).numpy().tolist()
        [-0.20000000298023224, 2.0]
    """
    return LeakyReLU(negative_slope)(float_tensor(x))


def hard_sigmoid(x: Any) -> Tensor:
    """Piecewise-linear sigmoid, relu6(x + 3)/6 = clip(x/6 + 1/2, 0, 1).

    Example:
        >>> hard_sigmoid([-4.0, 0.0, 1.5]).numpy().tolist()
        [0.0, 0.5, 0.75]
    """
    return Linear01(1 / 6, 0.5)(float_tensor(x))


def sparse_sigmoid(x: Any) -> Tensor:
    """clip((x + 1)/2, 0, 1): 0 for x ≤ −1, 1 for x ≥ 1, linear in between.

    Example:
        >>> sparse_sigmoid([-2.0, 0.0, 0.5]).numpy().tolist()
        [0.0, 0.5, 0.75]
    """
    return Linear01(0.5, 0.5)(float_tensor(x))


def hard_silu(x: Any) -> Tensor:
    """Hard SiLU (hard swish), x·relu6(x + 3)/6.

    Example:
        >>> hard_silu([-4.0, 0.0, 3.0]).numpy().tolist()
        [-0.0, 0.0, 3.0]
    """
    return HardSiLU()(float_tensor(x))


hard_swish = hard_silu


def hard_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x where |x| > ``threshold``, else 0.

    Example:
        >>> hard_shrink([-1.0, 0.25, 0.75]).numpy().tolist()
        [-1.0, 0.0, 0.75]
    """
    return Shrink(threshold, soft=False)(float_tensor(x))


def soft_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x − λ for x > λ, x + λ for x < −λ, 0 in between (λ = ``threshold``).

    Example:
        >>> soft_shrink([-1.0, 0.25, 0.75]).numpy().tolist()
        [-0.5, 0.0, 0.25]
    """
    return Shrink(threshold, soft=True)(float_tensor(x))


def sparse_plus(x: Any) -> Tensor:
    """0 for x ≤ −1, (x + 1)²/4 for −1 < x < 1, x for x ≥ 1: a smooth-at-±1 ReLU.

    Example:
        >>> sparse_plus([-2.0, 0.0, 2.0]).numpy().tolist()
        [0.0, 0.25, 2.0]
    """
    return SparsePlus()(float_tensor(x))


def threshold(x: Any, threshold: Any, default_value: Any) -> Tensor:
    """x where x > ``threshold``, else ``default_value`` (kept in x's dtype).

    Example:
        >>> threshold([-1.0, 0.5, 2.0], 1.0, 0.0).numpy().tolist()
        [0.0, 0.0, 2.0]
    """
    return Threshold(threshold, default_value)(as_tensor(x))
