"""Logical reductions: all and any (truth over axes) and count_nonzero. Their results are bool
or int32 tensors and carry no gradient."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.ops.numpy._reduction import is_empty_axis, reduction_axes

__all__ = ["all", "any", "count_nonzero"]


def _logical(name: str, x: Any, axis: Any, keepdims: bool) -> Tensor:
    x = as_tensor(x)
    data = x.data
    if is_empty_axis(axis):
        return Tensor._make(data.astype(bool))
    axes = reduction_axes(x, axis, name)
    return Tensor._make(getattr(data, name)(axis=axes, keepdims=keepdims))


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether every element over ``axis`` is true (non-zero); a bool tensor, no gradient.

    Example:
        >>> all([[1.0, 0.0], [2.0, 3.0]], axis=1).tolist()
        [False, True]
    """
    return _logical("all", x, axis, keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether some element over ``axis`` is true (non-zero); a bool tensor, no gradient.

    Example:
        >>> any([[1.0, 0.0], [0.0, 0.0]], axis=1).tolist()
        [True, False]
    """
    return _logical("any", x, axis, keepdims)


def count_nonzero(x: Any, axis: Any = None) -> Tensor:
    """The number of non-zero elements over ``axis``, as int32 (no gradient).

    Example:
        >>> count_nonzero([[1.0, 0.0], [2.0, 3.0]], axis=1).tolist()
        [1, 2]
    """
    x = as_tensor(x)
    nonzero = x.data != 0
    if is_empty_axis(axis):
        return Tensor._make(nonzero.astype("int32"))
    return Tensor._make(nonzero.sum(axis=reduction_axes(x, axis, "count_nonzero"), dtype="int32"))
