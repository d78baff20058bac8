"""Bitwise and integer-valued ops on integer (and, where meaningful, boolean) tensors.

The operands are promoted first (``uint8 & int8 → int16``, ``int8 << 2 → int8``). Floating
inputs are a TypeError. The results are integers, so they carry no gradient.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._promotion import call_binary, constant, operands, require_kind, tensor

__all__ = [
    "bitwise_and",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "gcd",
    "lcm",
    "left_shift",
    "right_shift",
]

_INTEGERS = "integer tensors (cast floating data first, e.g. ops.cast(x, 'int32'))"
_BOOLS_OR_INTEGERS = "boolean or " + _INTEGERS


def _integer_op(name: str, ufunc: str, x1: Any, x2: Any, kinds: str) -> Tensor:
    x1, x2 = operands(x1, x2)
    require_kind(name, x1, kinds, _INTEGERS if kinds == "iu" else _BOOLS_OR_INTEGERS)
    fn = getattr(get_array_module(x1.data), ufunc)
    return constant(call_binary(lambda a, b: fn(a.data, b.data), name, x1, x2))


def bitwise_and(x: Any, y: Any) -> Tensor:
    """Elementwise bitwise AND (logical AND for booleans).

    Example:
        >>> bitwise_and([12, 10], 6).tolist()
        [4, 2]
    """
    return _integer_op("bitwise_and", "bitwise_and", x, y, "biu")


def bitwise_or(x: Any, y: Any) -> Tensor:
    """Elementwise bitwise OR (logical OR for booleans).

    Example:
        >>> bitwise_or([12, 10], 6).tolist()
        [14, 14]
    """
    return _integer_op("bitwise_or", "bitwise_or", x, y, "biu")


def bitwise_xor(x: Any, y: Any) -> Tensor:
    """Elementwise bitwise XOR (logical XOR for booleans).

    Example:
        >>> bitwise_xor([12, 10], 6).tolist()
        [10, 12]
    """
    return _integer_op("bitwise_xor", "bitwise_xor", x, y, "biu")


def bitwise_invert(x: Any) -> Tensor:
    """Elementwise bitwise NOT: ``~x == -x - 1`` for signed integers, NOT for booleans.

    Example:
        >>> bitwise_invert([0, 5]).tolist()
        [-1, -6]
    """
    x = tensor(x)
    require_kind("bitwise_invert", x, "biu", _BOOLS_OR_INTEGERS)
    return constant(get_array_module(x.data).invert(x.data))


def bitwise_not(x: Any) -> Tensor:
    """Alias of :func:`bitwise_invert`.

    Example:
        >>> bitwise_not([True, False]).tolist()
        [False, True]
    """
    return bitwise_invert(x)


def bitwise_left_shift(x: Any, y: Any) -> Tensor:
    """Elementwise ``x << y``: shift the bits of ``x`` left by ``y`` (``x · 2**y``).

    Example:
        >>> bitwise_left_shift([1, 3], 2).tolist()
        [4, 12]
    """
    return _integer_op("bitwise_left_shift", "left_shift", x, y, "iu")


def left_shift(x: Any, y: Any) -> Tensor:
    """Alias of :func:`bitwise_left_shift`.

    Example:
        >>> left_shift([1], 3).tolist()
        [8]
    """
    return bitwise_left_shift(x, y)


def bitwise_right_shift(x: Any, y: Any) -> Tensor:
    """Elementwise ``x >> y``: shift the bits of ``x`` right by ``y`` (floor of ``x / 2**y``).

    Example:
        >>> bitwise_right_shift([16, -16], 2).tolist()
        [4, -4]
    """
    return _integer_op("bitwise_right_shift", "right_shift", x, y, "iu")


def right_shift(x: Any, y: Any) -> Tensor:
    """Alias of :func:`bitwise_right_shift`.

    Example:
        >>> right_shift([8], 3).tolist()
        [1]
    """
    return bitwise_right_shift(x, y)


def gcd(x1: Any, x2: Any) -> Tensor:
    """Elementwise greatest common divisor of ``|x1|`` and ``|x2|`` (``gcd(0, 0) == 0``).

    Example:
        >>> gcd([12, 18], [8, 27]).tolist()
        [4, 9]
    """
    return _integer_op("gcd", "gcd", x1, x2, "iu")


def lcm(x1: Any, x2: Any) -> Tensor:
    """Elementwise least common multiple of ``|x1|`` and ``|x2|`` (0 if either is 0).

    Example:
        >>> lcm([12, 18], [8, 27]).tolist()
        [24, 54]
    """
    return _integer_op("lcm", "lcm", x1, x2, "iu")
