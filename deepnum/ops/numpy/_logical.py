"""Logical operations: any non-zero value counts as true; results are boolean constants."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._promotion import call_binary, constant, tensor

__all__ = ["logical_and", "logical_not", "logical_or", "logical_xor"]


def _logical(name: str, x1: Any, x2: Any) -> Tensor:
    x1, x2 = tensor(x1), tensor(x2)
    fn = getattr(get_array_module(x1.data, x2.data), name)
    return constant(call_binary(lambda a, b: fn(a.data, b.data), name, x1, x2))


def logical_and(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 AND x2`` with broadcasting.

    Example:
        >>> logical_and([True, True], [1, 0]).tolist()
        [True, False]
    """
    return _logical("logical_and", x1, x2)


def logical_or(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 OR x2`` with broadcasting.

    Example:
        >>> logical_or([False, False], [0.5, 0.0]).tolist()
        [True, False]
    """
    return _logical("logical_or", x1, x2)


def logical_xor(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 XOR x2`` with broadcasting.

    Example:
        >>> logical_xor([True, True], [True, False]).tolist()
        [False, True]
    """
    return _logical("logical_xor", x1, x2)


def logical_not(x: Any) -> Tensor:
    """Elementwise ``NOT x``.

    Example:
        >>> logical_not([True, 0.0]).tolist()
        [False, True]
    """
    x = tensor(x)
    return constant(get_array_module(x.data).logical_not(x.data))
