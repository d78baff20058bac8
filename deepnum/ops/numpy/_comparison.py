"""Comparisons and floating-point classification; every result is boolean and carries no gradient.

The operands of a comparison are promoted first (Keras's rule), so ``int32`` data compares
with a float32 tensor as float32 values.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._promotion import call_binary, constant, operands, tensor

__all__ = [
    "allclose",
    "equal",
    "greater",
    "greater_equal",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "less",
    "less_equal",
    "not_equal",
]


def _compare(name: str, x1: Any, x2: Any) -> Tensor:
    """``xp.<name>(x1, x2)`` on the promoted operands, as a constant boolean Tensor."""
    if type(x1) is Tensor and type(x2) in (float, int) and x1.data.dtype.kind == "f":
        # A Python number compares as a weak scalar of the tensor's dtype: NumPy's own rule.
        return constant(getattr(get_array_module(x1.data), name)(x1.data, x2))
    x1, x2 = operands(x1, x2)
    fn = getattr(get_array_module(x1.data), name)
    return constant(call_binary(lambda a, b: fn(a.data, b.data), name, x1, x2))


def equal(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 == x2`` with broadcasting.

    Example:
        >>> equal([1, 2], 2).tolist()
        [False, True]
    """
    return _compare("equal", x1, x2)


def not_equal(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 != x2`` with broadcasting.

    Example:
        >>> not_equal([1, 2], 2).tolist()
        [True, False]
    """
    return _compare("not_equal", x1, x2)


def greater(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 > x2`` with broadcasting.

    Example:
        >>> greater([1, 3], 2).tolist()
        [False, True]
    """
    return _compare("greater", x1, x2)


def greater_equal(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 >= x2`` with broadcasting.

    Example:
        >>> greater_equal([1, 2], 2).tolist()
        [False, True]
    """
    return _compare("greater_equal", x1, x2)


def less(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 < x2`` with broadcasting.

    Example:
        >>> less([1, 2], 2).tolist()
        [True, False]
    """
    return _compare("less", x1, x2)


def less_equal(x1: Any, x2: Any) -> Tensor:
    """Elementwise ``x1 <= x2`` with broadcasting.

    Example:
        >>> less_equal([1, 3], 2).tolist()
        [True, False]
    """
    return _compare("less_equal", x1, x2)


def isclose(
    x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Tensor:
    """Elementwise ``|x1 − x2| ≤ atol + rtol·|x2|`` (equal infinities are close).

    Args:
        x1, x2: the values, promoted to a common dtype; integers compare exactly.
        rtol, atol: the relative and absolute tolerances.
        equal_nan: count NaN as close to NaN.

    Returns:
        A boolean tensor of the broadcast shape.

    Example:
        >>> isclose([1.0, 1.1], 1.0 + 1e-7).tolist()
        [True, False]
    """
    x1, x2 = operands(x1, x2)
    xp = get_array_module(x1.data)
    if x1.data.dtype.kind not in "fc":
        return constant(call_binary(lambda a, b: xp.equal(a.data, b.data), "isclose", x1, x2))
    return constant(
        call_binary(
            lambda a, b: xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan),
            "isclose",
            x1,
            x2,
        )
    )


def allclose(
    x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Tensor:
    """Whether every element of ``isclose(x1, x2, rtol, atol, equal_nan)`` is true.

    Returns:
        A 0-d boolean tensor.

    Example:
        >>> bool(allclose([1.0, 2.0], [1.0, 2.0 + 1e-9]))
        True
    """
    close = isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return constant(close.data.all())


def _classify(name: str, x: Any, integral: bool) -> Tensor:
    """``xp.<name>(x)``; integer and boolean data are finite, so the answer is ``integral``."""
    x = tensor(x)
    xp = get_array_module(x.data)
    if x.data.dtype.kind in "biu":
        return constant(xp.full(x.shape, integral, dtype=bool))
    return constant(getattr(xp, name)(x.data))


def isfinite(x: Any) -> Tensor:
    """True where ``x`` is neither infinite nor NaN.

    Example:
        >>> isfinite([1.0, float("inf"), float("nan")]).tolist()
        [True, False, False]
    """
    return _classify("isfinite", x, True)


def isinf(x: Any) -> Tensor:
    """True where ``x`` is +inf or −inf.

    Example:
        >>> isinf([1.0, float("-inf")]).tolist()
        [False, True]
    """
    return _classify("isinf", x, False)


def isnan(x: Any) -> Tensor:
    """True where ``x`` is NaN.

    Example:
        >>> isnan([1.0, float("nan")]).tolist()
        [False, True]
    """
    return _classify("isnan", x, False)


def isneginf(x: Any) -> Tensor:
    """True where ``x`` is −inf.

    Example:
        >>> isneginf([float("-inf"), float("inf")]).tolist()
        [True, False]
    """
    return _classify("isneginf", x, False)


def isposinf(x: Any) -> Tensor:
    """True where ``x`` is +inf.

    Example:
        >>> isposinf([float("-inf"), float("inf")]).tolist()
        [False, True]
    """
    return _classify("isposinf", x, False)
