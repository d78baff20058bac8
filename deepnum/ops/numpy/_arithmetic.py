"""Elementwise arithmetic with NumPy broadcasting: + - * / ** and negation.

Each backward sums the incoming gradient back to the input's shape (``sum_to``), which is
how broadcasting is differentiated: ∂(x + y)/∂x = 1 summed over the broadcast axes.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.ops.numpy._broadcast import sum_to, sum_to_array

__all__ = ["add", "divide", "multiply", "negative", "power", "square", "subtract", "true_divide"]


def _pair(x: Any, y: Any) -> tuple[Tensor, Tensor]:
    """Convert two operands; a Python number takes the other operand's dtype (weak typing)."""
    if isinstance(x, Tensor):
        return x, as_tensor(y, like=x)
    y = as_tensor(y)
    return as_tensor(x, like=y), y


class _Binary(Function):
    op_name = ""


def _binary(cls: type[_Binary], x: Any, y: Any) -> Tensor:
    """``cls()(x, y)`` after converting the operands, with a clear broadcasting error."""
    x, y = (x, y) if type(x) is Tensor and type(y) is Tensor else _pair(x, y)
    try:
        return cls()(x, y)
    except ValueError as e:
        if "broadcast" not in str(e):
            raise
        raise ValueError(
            f"{cls.op_name}: shapes {shape_str(x.shape)} and {shape_str(y.shape)} cannot be "
            "broadcast together; trailing dimensions must be equal or 1."
        ) from None


class Add(_Binary):
    op_name = "add"

    def forward(self, x, y):
        return x + y

    def backward(self, gy):
        x, y = self.inputs
        return sum_to(gy, x.shape), sum_to(gy, y.shape)

    def backward_arrays(self, gy):
        x, y = self.inputs
        return sum_to_array(gy, x.data.shape), sum_to_array(gy, y.data.shape)


class Subtract(_Binary):
    op_name = "subtract"

    def forward(self, x, y):
        return x - y

    def backward(self, gy):
        x, y = self.inputs
        gx = sum_to(gy, x.shape) if self.needs_input_grad[0] else None
        gy2 = sum_to(-gy, y.shape) if self.needs_input_grad[1] else None
        return gx, gy2

    def backward_arrays(self, gy):
        x, y = self.inputs
        gx = sum_to_array(gy, x.data.shape) if self.needs_input_grad[0] else None
        gy2 = sum_to_array(-gy, y.data.shape) if self.needs_input_grad[1] else None
        return gx, gy2


class Multiply(_Binary):
    op_name = "multiply"

    def forward(self, x, y):
        return x * y

    def backward(self, gy):
        x, y = self.inputs
        gx = sum_to(gy * y, x.shape) if self.needs_input_grad[0] else None
        gy2 = sum_to(gy * x, y.shape) if self.needs_input_grad[1] else None
        return gx, gy2

    def backward_arrays(self, gy):
        x, y = self.inputs[0].data, self.inputs[1].data
        gx = sum_to_array(gy * y, x.shape) if self.needs_input_grad[0] else None
        gy2 = sum_to_array(gy * x, y.shape) if self.needs_input_grad[1] else None
        return gx, gy2


class Divide(_Binary):
    op_name = "divide"

    def forward(self, x, y):
        return x / y

    def backward(self, gy):
        x, y = self.inputs
        gx = sum_to(gy / y, x.shape) if self.needs_input_grad[0] else None
        gy2 = sum_to(-gy * x / (y * y), y.shape) if self.needs_input_grad[1] else None
        return gx, gy2

    def backward_arrays(self, gy):
        x, y = self.inputs[0].data, self.inputs[1].data
        gx = sum_to_array(gy / y, x.shape) if self.needs_input_grad[0] else None
        gy2 = sum_to_array(-gy * x / (y * y), y.shape) if self.needs_input_grad[1] else None
        return gx, gy2


class Negative(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy

    def backward_arrays(self, gy):
        return -gy


class PowerScalar(Function):
    """x ** c for a constant exponent c: d/dx = c·x^(c-1)."""

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        return x**self.c

    def backward(self, gy):
        (x,) = self.inputs
        if self.c == 0:  # x⁰ is constant; x⁻¹ would give 0·∞ = nan at x = 0
            return gy * 0
        if self.c == 2:
            return gy * (2 * x)
        return gy * self.c * x ** (self.c - 1)


class Power(_Binary):
    """x ** y for two tensors: ∂/∂x = y·x^(y-1), ∂/∂y = ln(x)·x^y."""

    op_name = "power"
    save_outputs = True

    def forward(self, x, y):
        return x**y

    def backward(self, gy):
        from deepnum.ops.numpy._elementwise import log, where

        x, y = self.inputs
        (out,) = self.outputs
        gx = sum_to(gy * y * x ** (y - 1), x.shape) if self.needs_input_grad[0] else None
        gy2 = None
        if self.needs_input_grad[1]:
            # ln(x) is undefined for x <= 0; where x == 0 the limit of x^y·ln(x) is 0.
            safe_x = where(x.data > 0, x, 1)
            gy2 = sum_to(gy * out * log(safe_x), y.shape)
        return gx, gy2


def add(x: Any, y: Any) -> Tensor:
    """Elementwise ``x + y`` with broadcasting."""
    return _binary(Add, x, y)


def subtract(x: Any, y: Any) -> Tensor:
    """Elementwise ``x - y`` with broadcasting."""
    return _binary(Subtract, x, y)


def multiply(x: Any, y: Any) -> Tensor:
    """Elementwise ``x * y`` with broadcasting."""
    return _binary(Multiply, x, y)


def divide(x: Any, y: Any) -> Tensor:
    """Elementwise ``x / y`` (true division) with broadcasting."""
    return _binary(Divide, x, y)


true_divide = divide


def negative(x: Any) -> Tensor:
    """Elementwise ``-x``."""
    return Negative()(x)


def power(x: Any, y: Any) -> Tensor:
    """Elementwise ``x ** y``.

    A Python-number exponent is a constant of the op (d/dx xᶜ = c·xᶜ⁻¹); a tensor exponent is
    differentiated too (d/dy xʸ = ln(x)·xʸ).
    """
    if isinstance(y, numbers.Number) and not isinstance(y, bool):
        # A NumPy scalar exponent would promote a float32 base to float64: use its value.
        return PowerScalar(y.item() if isinstance(y, np.generic) else y)(as_tensor(x))
    return _binary(Power, x, y)


def square(x: Any) -> Tensor:
    """Elementwise ``x ** 2``."""
    return PowerScalar(2)(as_tensor(x))
