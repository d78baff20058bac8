"""The activation functions of ``keras.ops.nn`` that are Functions of their own: sigmoid,
relu, softmax, log_softmax (with their derivatives)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import accel, get_array_module
from deepnum.ops.numpy._elementwise import exp
from deepnum.ops.numpy._reduction import max_shift
from deepnum.ops.numpy._reduction import sum as _sum

__all__ = ["log_softmax", "relu", "sigmoid", "softmax"]


class Sigmoid(Function):
    """σ(x) = 1/(1 + e⁻ˣ), dσ/dx = σ(1 − σ). Stable for large |x|."""

    save_outputs = True

    def forward(self, x):
        xp = get_array_module(x)
        # With e = e^(−|x|) ≤ 1 nothing overflows: σ(x) = 1/(1 + e) for x ≥ 0, e/(1 + e) for
        # x < 0, which keeps full relative precision far into the negative tail.
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1, e) / (1 + e)

    def backward(self, gy):
        y = self.outputs[0]
        return gy * y * (1 - y)


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


class Softmax(Function):
    """yᵢ = e^(xᵢ−m)/Σⱼ e^(xⱼ−m); ∂L/∂x = y ⊙ (g − Σ g⊙y)."""

    save_outputs = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        e = xp.exp(x - max_shift(x, self.axis))
        e /= e.sum(axis=self.axis, keepdims=True)
        return e

    def backward(self, gy):
        y = self.outputs[0]
        gx = y * gy
        return gx - y * _sum(gx, axis=self.axis, keepdims=True)


class LogSoftmax(Function):
    """yᵢ = xᵢ − logΣⱼ e^(xⱼ); ∂L/∂x = g − eʸ Σ g."""

    save_outputs = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        shifted = x - max_shift(x, self.axis)
        return shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))

    def backward(self, gy):
        y = self.outputs[0]
        return gy - exp(y) * _sum(gy, axis=self.axis, keepdims=True)


def sigmoid(x: Any) -> Tensor:
    """Logistic function σ(x) = 1 / (1 + e⁻ˣ)."""
    return Sigmoid()(x)


def relu(x: Any) -> Tensor:
    """Rectified linear unit, max(0, x)."""
    return ReLU()(x)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ) along ``axis`` (computed with the max subtracted)."""
    return Softmax(axis)(x)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """log softmax(x) = x − logΣ eˣ along ``axis``."""
    return LogSoftmax(axis)(x)
