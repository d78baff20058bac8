"""Trigonometric and hyperbolic functions, their inverses, and angle conversions.

Integer and boolean inputs compute in ``floatx()`` (Keras's rule); floating inputs keep their
dtype. Every derivative is written in deepnum ops, so these differentiate to any order.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._arithmetic import multiply
from deepnum.ops.numpy._broadcast import sum_to
from deepnum.ops.numpy._exponential import sqrt
from deepnum.ops.numpy._promotion import call_binary, float_operands, float_tensor

__all__ = [
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "cos",
    "cosh",
    "deg2rad",
    "hypot",
    "rad2deg",
    "sin",
    "sinc",
    "sinh",
    "tan",
    "tanh",
]


class Sin(Function):
    """dy/dx = cos x."""

    def forward(self, x):
        return get_array_module(x).sin(x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])


class Cos(Function):
    """dy/dx = −sin x."""

    def forward(self, x):
        return get_array_module(x).cos(x)

    def backward(self, gy):
        return -gy * sin(self.inputs[0])


class Tan(Function):
    """dy/dx = 1 + tan²x."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).tan(x)

    def backward(self, gy):
        y = self.outputs[0]
        return gy * (1 + y * y)


class Sinh(Function):
    """dy/dx = cosh x."""

    def forward(self, x):
        return get_array_module(x).sinh(x)

    def backward(self, gy):
        return gy * cosh(self.inputs[0])


class Cosh(Function):
    """dy/dx = sinh x."""

    def forward(self, x):
        return get_array_module(x).cosh(x)

    def backward(self, gy):
        return gy * sinh(self.inputs[0])


class Tanh(Function):
    """dy/dx = 1 − tanh²x."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).tanh(x)

    def backward(self, gy):
        y = self.outputs[0]
        return gy * (1 - y * y)


class Arcsin(Function):
    """dy/dx = 1/√(1 − x²)."""

    def forward(self, x):
        return get_array_module(x).arcsin(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / sqrt(1 - x * x)


class Arccos(Function):
    """dy/dx = −1/√(1 − x²)."""

    def forward(self, x):
        return get_array_module(x).arccos(x)

    def backward(self, gy):
        x = self.inputs[0]
        return -gy / sqrt(1 - x * x)


class Arctan(Function):
    """dy/dx = 1/(1 + x²)."""

    def forward(self, x):
        return get_array_module(x).arctan(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / (1 + x * x)


class Arcsinh(Function):
    """dy/dx = 1/√(x² + 1)."""

    def forward(self, x):
        return get_array_module(x).arcsinh(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / sqrt(x * x + 1)


class Arccosh(Function):
    """dy/dx = 1/√(x² − 1)."""

    def forward(self, x):
        return get_array_module(x).arccosh(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / sqrt(x * x - 1)


class Arctanh(Function):
    """dy/dx = 1/(1 − x²)."""

    def forward(self, x):
        return get_array_module(x).arctanh(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / (1 - x * x)


class Arctan2(Function):
    """θ = atan2(y, x): ∂θ/∂y = x/(x² + y²), ∂θ/∂x = −y/(x² + y²)."""

    def forward(self, y, x):
        return get_array_module(y).arctan2(y, x)

    def backward(self, g):
        y, x = self.inputs
        r2 = x * x + y * y
        gy = sum_to(g * x / r2, y.shape) if self.needs_input_grad[0] else None
        gx = sum_to(-g * y / r2, x.shape) if self.needs_input_grad[1] else None
        return gy, gx


class Hypot(Function):
    """r = √(a² + b²): ∂r/∂a = a/r, ∂r/∂b = b/r."""

    save_outputs = True

    def forward(self, a, b):
        return get_array_module(a).hypot(a, b)

    def backward(self, g):
        a, b = self.inputs
        r = self.outputs[0]
        ga = sum_to(g * a / r, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(g * b / r, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Sinc(Function):
    """y = sin(πx)/(πx), 1 at 0: dy/dx = (cos(πx) − y)/x, 0 at 0 (PyTorch's value)."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).sinc(x)

    def backward(self, gy):
        from deepnum.ops.numpy._elementwise import where

        x = self.inputs[0]
        at_zero = x.data == 0
        safe = where(at_zero, 1, x)
        slope = (cos(math.pi * safe) - self.outputs[0]) / safe
        return gy * where(at_zero, 0, slope)


def sin(x: Any) -> Tensor:
    """Elementwise sine (radians).

    Example:
        >>> sin([0.0]).tolist()
        [0.0]
    """
    return Sin()(float_tensor(x))


def cos(x: Any) -> Tensor:
    """Elementwise cosine (radians).

    Example:
        >>> cos([0.0]).tolist()
        [1.0]
    """
    return Cos()(float_tensor(x))


def tan(x: Any) -> Tensor:
    """Elementwise tangent (radians).

    Example:
        >>> tan([0.0]).tolist()
        [0.0]
    """
    return Tan()(float_tensor(x))


def sinh(x: Any) -> Tensor:
    """Elementwise hyperbolic sine (eˣ − e⁻ˣ)/2.

    Example:
        >>> sinh([0.0]).tolist()
        [0.0]
    """
    return Sinh()(float_tensor(x))


def cosh(x: Any) -> Tensor:
    """Elementwise hyperbolic cosine (eˣ + e⁻ˣ)/2.

    Example:
        >>> cosh([0.0]).tolist()
        [1.0]
    """
    return Cosh()(float_tensor(x))


def tanh(x: Any) -> Tensor:
    """Elementwise hyperbolic tangent (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ).

    Example:
        >>> tanh([0.0]).tolist()
        [0.0]
    """
    return Tanh()(float_tensor(x))


def arcsin(x: Any) -> Tensor:
    """Elementwise inverse sine, in [−π/2, π/2] (NaN outside [−1, 1]).

    Example:
        >>> arcsin([0.0]).tolist()
        [0.0]
    """
    return Arcsin()(float_tensor(x))


def arccos(x: Any) -> Tensor:
    """Elementwise inverse cosine, in [0, π] (NaN outside [−1, 1]).

    Example:
        >>> arccos([1.0]).tolist()
        [0.0]
    """
    return Arccos()(float_tensor(x))


def arctan(x: Any) -> Tensor:
    """Elementwise inverse tangent, in (−π/2, π/2).

    Example:
        >>> arctan([0.0]).tolist()
        [0.0]
    """
    return Arctan()(float_tensor(x))


def arcsinh(x: Any) -> Tensor:
    """Elementwise inverse hyperbolic sine ln(x + √(x² + 1)).

    Example:
        >>> arcsinh([0.0]).tolist()
        [0.0]
    """
    return Arcsinh()(float_tensor(x))


def arccosh(x: Any) -> Tensor:
    """Elementwise inverse hyperbolic cosine ln(x + √(x² − 1)), for x ≥ 1.

    Example:
        >>> arccosh([1.0]).tolist()
        [0.0]
    """
    return Arccosh()(float_tensor(x))


def arctanh(x: Any) -> Tensor:
    """Elementwise inverse hyperbolic tangent ½ ln((1 + x)/(1 − x)), for |x| < 1.

    Example:
        >>> arctanh([0.0]).tolist()
        [0.0]
    """
    return Arctanh()(float_tensor(x))


def arctan2(x1: Any, x2: Any) -> Tensor:
    """Elementwise angle of the point (x2, x1), i.e. atan2(y=x1, x=x2), in [−π, π].

    Example:
        >>> round(arctan2([1.0], [-1.0]).item(), 6)
        2.356194
    """
    x1, x2 = float_operands(x1, x2)
    return call_binary(Arctan2(), "arctan2", x1, x2)


def hypot(x1: Any, x2: Any) -> Tensor:
    """Elementwise √(x1² + x2²), without intermediate overflow.

    Example:
        >>> hypot([3.0], [4.0]).tolist()
        [5.0]
    """
    x1, x2 = float_operands(x1, x2)
    return call_binary(Hypot(), "hypot", x1, x2)


def deg2rad(x: Any) -> Tensor:
    """Convert degrees to radians: x · π/180.

    Example:
        >>> round(deg2rad([180.0]).item(), 6)
        3.141593
    """
    return multiply(float_tensor(x), math.pi / 180.0)


def rad2deg(x: Any) -> Tensor:
    """Convert radians to degrees: x · 180/π.

    Example:
        >>> round(rad2deg([math.pi]).item(), 6)
        180.0
    """
    return multiply(float_tensor(x), 180.0 / math.pi)


def sinc(x: Any) -> Tensor:
    """The normalized sinc function sin(πx)/(πx), with sinc(0) = 1.

    Example:
        >>> sinc([0.0, 0.5]).tolist()[0]
        1.0
    """
    return Sinc()(float_tensor(x))
