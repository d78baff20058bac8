"""Exponentials, logarithms and roots, each with its derivative written in deepnum ops.

Integer and boolean inputs compute in ``floatx()`` (Keras's rule); floating inputs keep their
dtype. The binary ones (``logaddexp``, ``logaddexp2``, ``ldexp``) promote their operands first.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import sum_to
from deepnum.ops.numpy._promotion import call_binary, float_operands, float_tensor, tensor

__all__ = [
    "cbrt",
    "exp",
    "exp2",
    "expm1",
    "ldexp",
    "log",
    "log10",
    "log1p",
    "log2",
    "logaddexp",
    "logaddexp2",
    "sqrt",
]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


class Exp(Function):
    """y = eˣ, dy/dx = y."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).exp(x)

    def backward(self, gy):
        return gy * self.outputs[0]


class Exp2(Function):
    """y = 2ˣ, dy/dx = ln 2 · y."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).exp2(x)

    def backward(self, gy):
        return gy * self.outputs[0] * _LN2


class Expm1(Function):
    """y = eˣ − 1, dy/dx = eˣ = y + 1."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).expm1(x)

    def backward(self, gy):
        return gy * (self.outputs[0] + 1)


class Log(Function):
    """y = ln x, dy/dx = 1/x."""

    def forward(self, x):
        return get_array_module(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Log2(Function):
    """y = log₂ x, dy/dx = 1/(x ln 2)."""

    def forward(self, x):
        return get_array_module(x).log2(x)

    def backward(self, gy):
        return gy / (self.inputs[0] * _LN2)


class Log10(Function):
    """y = log₁₀ x, dy/dx = 1/(x ln 10)."""

    def forward(self, x):
        return get_array_module(x).log10(x)

    def backward(self, gy):
        return gy / (self.inputs[0] * _LN10)


class Log1p(Function):
    """y = ln(1 + x), dy/dx = 1/(1 + x)."""

    def forward(self, x):
        return get_array_module(x).log1p(x)

    def backward(self, gy):
        return gy / (1 + self.inputs[0])


class Sqrt(Function):
    """y = √x, dy/dx = 1/(2y)."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).sqrt(x)

    def backward(self, gy):
        return gy / (2 * self.outputs[0])


class Cbrt(Function):
    """y = ∛x (real, odd), dy/dx = 1/(3y²)."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).cbrt(x)

    def backward(self, gy):
        y = self.outputs[0]
        return gy / (3 * y * y)


class LogAddExp(Function):
    """y = ln(eᵃ + eᵇ) (log base e) or log₂(2ᵃ + 2ᵇ) (base 2): ∂y/∂a = base^(a − y)."""

    save_outputs = True

    def __init__(self, base2: bool) -> None:
        self.base2 = base2

    def forward(self, a, b):
        xp = get_array_module(a)
        return xp.logaddexp2(a, b) if self.base2 else xp.logaddexp(a, b)

    def backward(self, gy):
        a, b = self.inputs
        y = self.outputs[0]
        power = exp2 if self.base2 else exp
        ga = sum_to(gy * power(a - y), a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(gy * power(b - y), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def exp(x: Any) -> Tensor:
    """Elementwise eˣ.

    Example:
        >>> exp([0.0]).tolist()
        [1.0]
    """
    return Exp()(float_tensor(x))


def exp2(x: Any) -> Tensor:
    """Elementwise 2ˣ.

    Example:
        >>> exp2([3.0]).tolist()
        [8.0]
    """
    return Exp2()(float_tensor(x))


def expm1(x: Any) -> Tensor:
    """Elementwise eˣ − 1, accurate for small x.

    Example:
        >>> expm1([0.0]).tolist()
        [0.0]
    """
    return Expm1()(float_tensor(x))


def log(x: Any) -> Tensor:
    """Elementwise natural logarithm ln x (``-inf`` at 0, NaN below).

    Example:
        >>> log([1.0]).tolist()
        [0.0]
    """
    return Log()(float_tensor(x))


def log2(x: Any) -> Tensor:
    """Elementwise base-2 logarithm.

    Example:
        >>> log2([8.0]).tolist()
        [3.0]
    """
    return Log2()(float_tensor(x))


def log10(x: Any) -> Tensor:
    """Elementwise base-10 logarithm.

    Example:
        >>> log10([100.0]).tolist()
        [2.0]
    """
    return Log10()(float_tensor(x))


def log1p(x: Any) -> Tensor:
    """Elementwise ln(1 + x), accurate for small x.

    Example:
        >>> log1p([0.0]).tolist()
        [0.0]
    """
    return Log1p()(float_tensor(x))


def sqrt(x: Any) -> Tensor:
    """Elementwise square root √x.

    Example:
        >>> sqrt([4, 9]).tolist()
        [2.0, 3.0]
    """
    return Sqrt()(float_tensor(x))


def cbrt(x: Any) -> Tensor:
    """Elementwise real cube root ∛x (negative for negative x).

    Example:
        >>> cbrt([-8.0, 27.0]).tolist()
        [-2.0, 3.0]
    """
    return Cbrt()(float_tensor(x))


def logaddexp(x1: Any, x2: Any) -> Tensor:
    """Elementwise ln(e^x1 + e^x2), computed without overflow.

    Example:
        >>> round(logaddexp([0.0], [0.0]).item(), 6)
        0.693147
    """
    x1, x2 = float_operands(x1, x2)
    return call_binary(LogAddExp(base2=False), "logaddexp", x1, x2)


def logaddexp2(x1: Any, x2: Any) -> Tensor:
    """Elementwise log₂(2^x1 + 2^x2), computed without overflow.

    Example:
        >>> logaddexp2([1.0], [1.0]).tolist()
        [2.0]
    """
    x1, x2 = float_operands(x1, x2)
    return call_binary(LogAddExp(base2=True), "logaddexp2", x1, x2)


def ldexp(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 · 2**x2`` for an integer exponent ``x2``.

    Args:
        x1: mantissas; integer inputs give ``floatx()``.
        x2: integer exponents (a TypeError otherwise).

    Returns:
        The promoted floating dtype of ``x1`` and ``x2``; differentiable in ``x1``
        (∂/∂x1 = 2**x2).

    Example:
        >>> ldexp([1.5, 3.0], [2, 1]).tolist()
        [6.0, 6.0]
    """
    x2 = tensor(x2)
    if x2.data.dtype.kind not in "iu":
        raise TypeError(
            f"ldexp: the exponent x2 must be an integer type, received dtype {x2.dtype}. "
            "Cast it first, e.g. ops.cast(x2, 'int32')."
        )
    a, scale = float_operands(x1, x2)
    return call_binary(lambda u, v: u * exp2(v), "ldexp", a, scale)
