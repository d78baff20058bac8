"""Rounding and the floating-point representation: ceil, floor, trunc, round, nextafter, signbit.

The rounding ops are piecewise constant, so they carry no gradient (PyTorch's gradient is 0
almost everywhere, the same for every use through a chain rule).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import sum_to
from deepnum.ops.numpy._promotion import call_binary, constant, float_operands, float_tensor, tensor

__all__ = ["ceil", "floor", "nextafter", "round", "signbit", "trunc"]


class NextAfter(Function):
    """The next representable value after x1 towards x2; ∂/∂x1 = 1, ∂/∂x2 = 0 (PyTorch's)."""

    def forward(self, x1, x2):
        return get_array_module(x1).nextafter(x1, x2)

    def backward(self, gy):
        return sum_to(gy, self.inputs[0].shape), None


def ceil(x: Any) -> Tensor:
    """Elementwise smallest integer ≥ x, as floats (integers and booleans give ``floatx()``).

    Example:
        >>> ceil([1.2, -1.2]).tolist()
        [2.0, -1.0]
    """
    x = float_tensor(x)
    return constant(get_array_module(x.data).ceil(x.data))


def floor(x: Any) -> Tensor:
    """Elementwise largest integer ≤ x, as floats (integers and booleans give ``floatx()``).

    Example:
        >>> floor([1.7, -1.2]).tolist()
        [1.0, -2.0]
    """
    x = float_tensor(x)
    return constant(get_array_module(x.data).floor(x.data))


def trunc(x: Any) -> Tensor:
    """Elementwise rounding towards zero, in ``x``'s dtype.

    Example:
        >>> trunc([1.7, -1.7]).tolist()
        [1.0, -1.0]
    """
    x = tensor(x)
    if x.data.dtype.kind in "biu":
        return constant(x.data)
    return constant(get_array_module(x.data).trunc(x.data))


def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001 - NumPy's name
    """Round to ``decimals`` decimal places, halves to even, in ``x``'s dtype.

    Args:
        x: input; integers round at negative ``decimals`` (``round(15, -1) == 20``).
        decimals: the number of decimal places (negative: to tens, hundreds, ...).

    Returns:
        The rounded tensor, of ``x``'s dtype.

    Example:
        >>> round([0.5, 1.5, 2.675], 0).tolist()
        [0.0, 2.0, 3.0]
    """
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise TypeError(f"round: `decimals` must be an int, received {decimals!r}.")
    x = tensor(x)
    if x.data.dtype.kind == "b" or (x.data.dtype.kind in "iu" and decimals >= 0):
        return constant(x.data)
    return constant(get_array_module(x.data).round(x.data, int(decimals)))


def nextafter(x1: Any, x2: Any) -> Tensor:
    """The next representable floating value after ``x1`` in the direction of ``x2``.

    Computed in the promoted floating dtype (integers give ``floatx()``), so the step is that
    dtype's: ``nextafter(float32(1), 2) == 1 + 2**-23``.

    Example:
        >>> import numpy as np
        >>> float(nextafter(np.float32(1.0), np.float32(2.0))) - 1.0 == 2.0**-23
        True
    """
    x1, x2 = float_operands(x1, x2)
    return call_binary(NextAfter(), "nextafter", x1, x2)


def signbit(x: Any) -> Tensor:
    """True where the sign bit is set (x < 0, including −0.0 and negative NaN).

    Example:
        >>> signbit([-0.0, 0.0, -2.0]).tolist()
        [True, False, True]
    """
    x = tensor(x)
    xp = get_array_module(x.data)
    if x.data.dtype.kind == "b":
        return constant(xp.zeros(x.shape, dtype=bool))
    return constant(xp.signbit(x.data))
