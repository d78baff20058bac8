"""Reductions that skip NaN: nansum, nanprod, nanmax, nanmin, nanmean, nanvar, nanstd,
nanargmax, nanargmin (nanmedian and nanquantile are in ``_quantiles``).

Each replaces NaN by the reduction's neutral value (0 for sums, 1 for products, −inf/+inf for
the extrema) and reduces what is left, so NaN positions get a zero gradient. Slices that are all
NaN give NaN (−1 for nanargmax/nanargmin), without a warning, as on Keras's PyTorch backend.
Integer and bool inputs hold no NaN: they reduce as the plain ops do.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._reduction import (
    WIDEN_TO_INT32,
    amax,
    amin,
    is_empty_axis,
    prod,
    reduction_axes,
    sum,
)
from deepnum.ops.numpy._sorting import argmax, argmin

__all__ = [
    "nanargmax",
    "nanargmin",
    "nanmax",
    "nanmean",
    "nanmin",
    "nanprod",
    "nanstd",
    "nansum",
    "nanvar",
]


def _nan_mask(x: Tensor) -> Any:
    """The NaN positions of a float tensor, None for other dtypes (which hold no NaN)."""
    return get_array_module(x.data).isnan(x.data) if x.data.dtype.kind == "f" else None


def _replace(x: Tensor, nan: Any, value: float) -> Tensor:
    """``x`` with its NaN set to ``value``; the gradient there is 0."""
    from deepnum.ops.numpy import where

    return where(nan, value, x) if nan is not None and nan.any() else x


def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` treating NaN as 0 (dtypes as ``sum``).

    Example:
        >>> nansum([1.0, float("nan"), 2.0]).item()
        3.0
    """
    x = as_tensor(x)
    x = _replace(x, _nan_mask(x), 0)
    if is_empty_axis(axis) and x.dtype.name in WIDEN_TO_INT32:  # Keras casts as sum would
        return Tensor._make(x.data.astype("int32"))
    return sum(x, axis=axis, keepdims=keepdims)


def nanprod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Product over ``axis`` treating NaN as 1 (dtypes as ``prod``).

    Example:
        >>> nanprod([2.0, float("nan"), 3.0]).item()
        6.0
    """
    x = as_tensor(x)
    return prod(_replace(x, _nan_mask(x), 1), axis=axis, keepdims=keepdims)


def _nan_extreme(reduce: Any, fill: float, x: Any, axis: Any, keepdims: bool, op: str) -> Tensor:
    from deepnum.ops.numpy import where

    x = as_tensor(x)
    nan = _nan_mask(x)
    if nan is None or is_empty_axis(axis):
        return reduce(x, axis=axis, keepdims=keepdims)
    out = reduce(_replace(x, nan, fill), axis=axis, keepdims=keepdims)
    all_nan = nan.all(axis=reduction_axes(x, axis, op), keepdims=keepdims)
    return where(all_nan, float("nan"), out) if all_nan.any() else out


def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis`` ignoring NaN; all-NaN slices give NaN.

    Example:
        >>> nanmax([[1.0, float("nan")], [float("nan"), float("nan")]], axis=1).tolist()
        [1.0, nan]
    """
    return _nan_extreme(amax, float("-inf"), x, axis, keepdims, "nanmax")


def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis`` ignoring NaN; all-NaN slices give NaN.

    Example:
        >>> nanmin([3.0, float("nan"), 2.0]).item()
        2.0
    """
    return _nan_extreme(amin, float("inf"), x, axis, keepdims, "nanmin")


def _valid_count(x: Tensor, nan: Any, axes: Any, keepdims: bool) -> Tensor:
    """The number of non-NaN values per slice, as x's dtype, with NaN for empty counts (so
    that dividing by it gives NaN without a division-by-zero warning)."""
    xp = get_array_module(x.data)
    count = (~nan).sum(axis=axes, keepdims=keepdims).astype(x.dtype)
    return Tensor._make(xp.where(count > 0, count, xp.nan).astype(x.dtype))


def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` of the non-NaN values: Σ x / #non-NaN; all-NaN slices give NaN.

    Float inputs keep their dtype, integer and bool inputs give floatx; ``axis=()`` returns
    ``x``. The gradient is 1 / #non-NaN at each non-NaN value.

    Example:
        >>> nanmean([1.0, float("nan"), 2.0]).item()
        1.5
    """
    from deepnum.ops.numpy._statistics import float_input

    if is_empty_axis(axis):
        return as_tensor(x)
    x = float_input(x)
    nan = _nan_mask(x)
    axes = reduction_axes(x, axis, "nanmean")
    total = sum(_replace(x, nan, 0), axis=axes, keepdims=keepdims)
    return total / _valid_count(x, nan, axes, keepdims)


def nanvar(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Variance over ``axis`` of the non-NaN values: Σ (x − x̄)² / #non-NaN.

    All-NaN slices give NaN; ``axis=()`` gives zeros (NaN kept). Float inputs keep their dtype,
    integer and bool inputs give floatx.

    Example:
        >>> nanvar([1.0, float("nan"), 3.0]).item()
        1.0
    """
    from deepnum.ops.numpy import where
    from deepnum.ops.numpy._statistics import float_input

    x = float_input(x)
    nan = _nan_mask(x)
    if is_empty_axis(axis):
        return where(nan, x, 0)
    axes = reduction_axes(x, axis, "nanvar")
    centred = _replace(x - nanmean(x, axis=axes, keepdims=True), nan, 0)
    total = sum(centred * centred, axis=axes, keepdims=keepdims)
    return total / _valid_count(x, nan, axes, keepdims)


def nanstd(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Standard deviation over ``axis`` of the non-NaN values, √nanvar.

    The gradient is 0 where the deviation is 0 (as for ``std``).

    Example:
        >>> nanstd([1.0, float("nan"), 3.0]).item()
        1.0
    """
    from deepnum.ops.numpy._statistics import SqrtZeroGrad

    return SqrtZeroGrad()(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_arg(arg: Any, fill: float, x: Any, axis: Any, keepdims: bool) -> Tensor:
    x = as_tensor(x)
    nan = _nan_mask(x)
    if nan is None:
        return arg(x, axis=axis, keepdims=keepdims)
    xp = get_array_module(x.data)
    index = arg(Tensor._make(xp.where(nan, fill, x.data)), axis=axis, keepdims=keepdims).data
    all_nan = nan.all(axis=axis, keepdims=keepdims)
    return Tensor._make(xp.where(all_nan, -1, index).astype("int32"))


def nanargmax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Index of the maximum along ``axis`` ignoring NaN, as int32; −1 for all-NaN slices.

    Example:
        >>> nanargmax([[float("nan"), 1.0, 0.5], [float("nan")] * 3], axis=1).tolist()
        [1, -1]
    """
    return _nan_arg(argmax, float("-inf"), x, axis, keepdims)


def nanargmin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Index of the minimum along ``axis`` ignoring NaN, as int32; −1 for all-NaN slices.

    Example:
        >>> nanargmin([float("nan"), 1.0, 0.5]).item()
        2
    """
    return _nan_arg(argmin, float("inf"), x, axis, keepdims)
