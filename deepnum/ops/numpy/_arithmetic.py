"""Elementwise arithmetic with NumPy broadcasting and Keras's dtype promotion.

``+ - * / // % **``, negation, reciprocal and square. The operands are promoted first
(``_promotion.operands``: ``int32 + float32 → float32``, ``int8 + 3 → int8``); the divisions
that return floats (``divide``, ``divide_no_nan``) turn integer results into ``floatx()``.

Each backward sums the incoming gradient back to the input's shape (``sum_to``), which is
how broadcasting is differentiated: ∂(x + y)/∂x = 1 summed over the broadcast axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import sum_to, sum_to_array
from deepnum.ops.numpy._promotion import (
    call_binary,
    constant,
    float_operands,
    float_tensor,
    operands,
    scalar_type,
    tensor,
)

__all__ = [
    "add",
    "divide",
    "divide_no_nan",
    "floor_divide",
    "fmod",
    "mod",
    "multiply",
    "negative",
    "power",
    "reciprocal",
    "square",
    "subtract",
    "true_divide",
]


class Add(Function):
    def forward(self, x, y):
        return x + y

    def backward(self, gy):
        x, y = self.inputs
        return sum_to(gy, x.shape), sum_to(gy, y.shape)

    def backward_arrays(self, gy):
        x, y = self.inputs
        return sum_to_array(gy, x.data.shape), sum_to_array(gy, y.data.shape)


class Subtract(Function):
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


class Multiply(Function):
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


class Divide(Function):
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


class _Remainder(Function):
    """x − q·y for an integer quotient q (floored for ``mod``, truncated for ``fmod``):
    ∂/∂x = 1, ∂/∂y = −q, with q piecewise constant."""

    def backward(self, gy):
        from deepnum.ops.numpy._rounding import floor, trunc

        x, y = self.inputs
        gx = sum_to(gy, x.shape) if self.needs_input_grad[0] else None
        gy2 = None
        if self.needs_input_grad[1]:
            q = (floor if self.floored else trunc)(x / y)
            gy2 = sum_to(-gy * q, y.shape)
        return gx, gy2


class Mod(_Remainder):
    floored = True

    def forward(self, x, y):
        return get_array_module(x).remainder(x, y)


class Fmod(_Remainder):
    floored = False

    def forward(self, x, y):
        return get_array_module(x).fmod(x, y)


class Negative(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy

    def backward_arrays(self, gy):
        return -gy


class Reciprocal(Function):
    """y = 1/x, dy/dx = −y²."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).reciprocal(x)

    def backward(self, gy):
        y = self.outputs[0]
        return -gy * y * y


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


class Power(Function):
    """x ** y for two tensors: ∂/∂x = y·x^(y-1), ∂/∂y = ln(x)·x^y."""

    save_outputs = True

    def forward(self, x, y):
        return x**y

    def backward(self, gy):
        from deepnum.ops.numpy._elementwise import where
        from deepnum.ops.numpy._exponential import log

        x, y = self.inputs
        (out,) = self.outputs
        gx = sum_to(gy * y * x ** (y - 1), x.shape) if self.needs_input_grad[0] else None
        gy2 = None
        if self.needs_input_grad[1]:
            # ln(x) is undefined for x <= 0; where x == 0 the limit of x^y·ln(x) is 0.
            safe_x = where(x.data > 0, x, 1)
            gy2 = sum_to(gy * out * log(safe_x), y.shape)
        return gx, gy2


def _no_bool(name: str, x1: Tensor, *, hint: str) -> None:
    if x1.data.dtype.kind == "b":
        raise TypeError(f"{name}: boolean operands are not supported; {hint}.")


def add(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 + x2`` with broadcasting.

    Args:
        x1, x2: Tensors, arrays or numbers; their dtypes are promoted as Keras does.

    Returns:
        The sum, of the promoted dtype (booleans add as logical or).

    Example:
        >>> import numpy as np
        >>> add(np.array([1, 2], "int8"), 3).dtype
        dtype('int8')
    """
    x1, x2 = operands(x1, x2)
    return call_binary(Add(), "add", x1, x2)


def subtract(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 - x2`` with broadcasting and Keras's dtype promotion.

    Example:
        >>> subtract([5, 7], 2).tolist()
        [3, 5]
    """
    x1, x2 = operands(x1, x2)
    _no_bool("subtract", x1, hint="use logical_xor, or cast the operands to a number type")
    return call_binary(Subtract(), "subtract", x1, x2)


def multiply(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 * x2`` with broadcasting and Keras's dtype promotion.

    Example:
        >>> multiply([1.5, 2.0], 2).tolist()
        [3.0, 4.0]
    """
    x1, x2 = operands(x1, x2)
    return call_binary(Multiply(), "multiply", x1, x2)


def divide(x1: Any, x2: Any) -> Tensor:
    """Elementwise true division ``x1 / x2``; integer and boolean operands give ``floatx()``.

    ∂/∂x1 = 1/x2, ∂/∂x2 = −x1/x2².

    Example:
        >>> import numpy as np
        >>> divide(np.array([1, 3], "int32"), 2).tolist()
        [0.5, 1.5]
    """
    x1, x2 = float_operands(x1, x2)
    return call_binary(Divide(), "divide", x1, x2)


def true_divide(x1: Any, x2: Any) -> Tensor:
    """Alias of :func:`divide` (NumPy's name): ``x1 / x2`` as floats.

    Example:
        >>> true_divide([1.0], [4.0]).tolist()
        [0.25]
    """
    return divide(x1, x2)


def divide_no_nan(x1: Any, x2: Any) -> Tensor:
    """``x1 / x2`` with 0 where ``x2 == 0`` (also for ``0/0`` and ``inf/0``).

    The gradient is zero where ``x2 == 0`` and that of ``x1 / x2`` elsewhere.

    Example:
        >>> divide_no_nan([1.0, 2.0], [0.0, 4.0]).tolist()
        [0.0, 0.5]
    """
    from deepnum.ops.numpy._elementwise import where

    x1, x2 = float_operands(x1, x2)
    zero = x2.data == 0
    safe = where(zero, 1, x2)
    return where(zero, 0, call_binary(Divide(), "divide_no_nan", x1, safe))


def floor_divide(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``floor(x1 / x2)`` in the promoted dtype; carries no gradient.

    Example:
        >>> floor_divide([7, -7], 2).tolist()
        [3, -4]
    """
    x1, x2 = operands(x1, x2)
    _no_bool("floor_divide", x1, hint="cast the operands to a number type")
    xp = get_array_module(x1.data)
    return constant(call_binary(_array_op(xp.floor_divide), "floor_divide", x1, x2))


def mod(x1: Any, x2: Any) -> Tensor:
    """Elementwise remainder with the sign of the divisor: ``x1 - floor(x1/x2)·x2``.

    Booleans compute as int32. ∂/∂x1 = 1, ∂/∂x2 = −floor(x1/x2).

    Example:
        >>> mod([7, -7], 3).tolist()
        [1, 2]
    """
    x1, x2 = _int32_if_bool(*operands(x1, x2))
    return call_binary(Mod(), "mod", x1, x2)


def fmod(x1: Any, x2: Any) -> Tensor:
    """Elementwise remainder with the sign of the dividend: ``x1 - trunc(x1/x2)·x2`` (C's).

    Booleans compute as int32. ∂/∂x1 = 1, ∂/∂x2 = −trunc(x1/x2).

    Example:
        >>> fmod([7, -7], 3).tolist()
        [1, -1]
    """
    x1, x2 = _int32_if_bool(*operands(x1, x2))
    return call_binary(Fmod(), "fmod", x1, x2)


def negative(x: Any) -> Tensor:
    """Elementwise ``-x``.

    Example:
        >>> negative([1.0, -2.0]).tolist()
        [-1.0, 2.0]
    """
    x = tensor(x)
    _no_bool("negative", x, hint="use logical_not to flip booleans")
    return Negative()(x)


def reciprocal(x: Any) -> Tensor:
    """Elementwise ``1 / x``; integer and boolean inputs give ``floatx()``. d/dx = −1/x².

    Example:
        >>> reciprocal([2.0, 4.0]).tolist()
        [0.5, 0.25]
    """
    return Reciprocal()(float_tensor(x))


def power(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 ** x2`` with Keras's dtype promotion.

    A number exponent is a constant of the op (d/dx xᶜ = c·xᶜ⁻¹); a tensor exponent is
    differentiated too (d/dy xʸ = ln(x)·xʸ).

    Example:
        >>> power([2, 3], 2).tolist()
        [4, 9]
    """
    kind = scalar_type(x2)
    if kind is int or kind is float:
        x1, _ = operands(x1, x2)
        _no_bool("power", x1, hint="cast the operands to a number type")
        # The exponent as a Python number: a NumPy scalar would promote the result.
        return PowerScalar(x2.item() if isinstance(x2, np.generic) else x2)(x1)
    x1, x2 = operands(x1, x2)
    _no_bool("power", x1, hint="cast the operands to a number type")
    return call_binary(Power(), "power", x1, x2)


def square(x: Any) -> Tensor:
    """Elementwise ``x ** 2``; booleans give int32.

    Example:
        >>> square([3, -2]).tolist()
        [9, 4]
    """
    x = tensor(x)
    if x.data.dtype.kind == "b":
        x = Tensor._make(x.data.astype(np.int32))
    return PowerScalar(2)(x)


def _int32_if_bool(x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
    if x1.data.dtype.kind != "b":
        return x1, x2
    return Tensor._make(x1.data.astype(np.int32)), Tensor._make(x2.data.astype(np.int32))


def _array_op(fn: Any) -> Any:
    """Apply a raw array function to two Tensors' data (for ops without a gradient)."""

    def apply(x1: Tensor, x2: Tensor) -> Any:
        return fn(x1.data, x2.data)

    return apply
