"""Running totals along an axis: cumsum, cumprod, their NaN-skipping forms, and the trapezoidal
rule (trapezoid).

Result dtypes are Keras's: the input's dtype (or ``dtype=``), with bool giving int32. float16
accumulates in float32, as Keras does on the CPU.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import get_array_module
from deepnum.backend.dtypes import promote_types
from deepnum.ops.numpy._reduction import single_axis

__all__ = ["cumprod", "cumsum", "nancumprod", "nancumsum", "trapezoid"]


def _reverse_cumsum(xp: Any, x: Any, axis: int) -> Any:
    """yᵢ = Σ_{j≥i} xⱼ along ``axis`` (a running sum from the end)."""
    return xp.flip(xp.cumsum(xp.flip(x, axis), axis=axis), axis)


class Cumsum(Function):
    """yᵢ = Σ_{j≤i} xⱼ (or Σ_{j≥i} xⱼ when ``reverse``). The gradient is the running sum of
    gy in the opposite direction."""

    def __init__(self, axis: int, reverse: bool = False) -> None:
        self.axis, self.reverse = axis, reverse

    def forward(self, x):
        xp = get_array_module(x)
        if self.reverse:
            return _reverse_cumsum(xp, x, self.axis)
        return xp.cumsum(x, axis=self.axis)

    def backward(self, gy):
        return Cumsum(self.axis, not self.reverse)(gy)

    def backward_arrays(self, gy):
        return Cumsum(self.axis, not self.reverse).forward(gy)


class Cumprod(Function):
    """yᵢ = ∏_{j≤i} xⱼ; ∂L/∂xₖ = Σ_{i≥k} gᵢ ∏_{j≤i, j≠k} xⱼ.

    Without zeros that is (Σ_{i≥k} gᵢ yᵢ) / xₖ. With zeros, the recorded backward (used for
    higher orders) builds the products row by row, exact at every order in O(n²) per slice;
    the array backward of a plain ``backward()`` stays O(n): before the first zero z the formula
    above holds, at z the gradient is ∏_{j<z} xⱼ · Σ_{i≥z} gᵢ ∏_{z<j≤i} xⱼ, and after z it is 0.
    """

    save_outputs = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        return get_array_module(x).cumprod(x, axis=self.axis)

    def backward(self, gy):
        from deepnum.ops.numpy import moveaxis

        x = self.inputs[0]
        if (x.data != 0).all():
            return Cumsum(self.axis, reverse=True)(gy * self.outputs[0]) / x
        xt, gt = moveaxis(x, self.axis, -1), moveaxis(gy, self.axis, -1)
        return moveaxis(_cumprod_grad_rows(xt, gt), -1, self.axis)

    def backward_arrays(self, gy):
        x, y = self.inputs[0].data, self._saved[0]
        xp = get_array_module(x)
        if (x != 0).all():
            return _reverse_cumsum(xp, gy * y, self.axis) / x
        move = (self.axis, -1)
        gx = _cumprod_grad_first_zero(
            xp, xp.moveaxis(x, *move), xp.moveaxis(y, *move), xp.moveaxis(gy, *move)
        )
        return xp.moveaxis(gx, -1, self.axis)


def _cumprod_grad_rows(x: Tensor, g: Tensor) -> Tensor:
    """Σ_{i≥k} gᵢ ∏_{j≤i, j≠k} xⱼ along the last axis, as differentiable Tensor ops: row k of
    an (n, n) matrix is the running product of x with xₖ replaced by 1."""
    from deepnum.ops.numpy import expand_dims, sum, where

    xp = get_array_module(x.data)
    n = x.shape[-1]
    rows = where(xp.eye(n, dtype=bool), 1, expand_dims(x, -2))
    running = Cumprod(-1)(rows)
    upper = xp.triu(xp.ones((n, n), dtype=bool))  # i ≥ k
    return sum(where(upper, running * expand_dims(g, -2), 0), axis=-1)


def _cumprod_grad_first_zero(xp: Any, x: Any, y: Any, g: Any) -> Any:
    """The cumprod gradient along the last axis of raw arrays when some xⱼ are 0 (O(n))."""
    n = x.shape[-1]
    index = xp.arange(n)
    zero = x == 0
    first = xp.where(zero.any(axis=-1), zero.argmax(axis=-1), n)[..., None]
    before = index < first
    safe = xp.where(before, x, 1)
    grad_before = _reverse_cumsum(xp, g * y, -1) / safe
    left = safe.prod(axis=-1, keepdims=True)
    after = xp.cumprod(xp.where(index <= first, 1, x), axis=-1)
    at_zero = left * xp.where(index >= first, g * after, 0).sum(axis=-1, keepdims=True)
    return xp.where(before, grad_before, xp.where(index == first, at_zero, 0))


def _prepare(x: Any, axis: Any, dtype: Any, op: str) -> tuple[Tensor, int, Any]:
    """Flatten for ``axis=None``, pick Keras's result dtype, and cast float inputs to it."""
    from deepnum.ops.numpy import reshape
    from deepnum.ops.numpy._elementwise import cast

    x = as_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis = single_axis(axis, x.ndim, op) if x.ndim else 0
    if dtype is None:
        dtype = "int32" if x.dtype == bool else x.dtype
    dtype = get_array_module(x.data).dtype(dtype)
    if dtype.kind == "f":
        x = cast(x, "float32" if dtype == "float16" else dtype)
    return x, axis, dtype


def _cumulative(cls: type, x: Any, axis: Any, dtype: Any, op: str) -> Tensor:
    from deepnum.ops.numpy._elementwise import cast

    x, axis, dtype = _prepare(x, axis, dtype, op)
    if x.ndim == 0:  # a 0-d tensor (PyTorch accepts axis 0): its running total is itself
        return cast(x, dtype)
    if dtype.kind != "f":
        xp = get_array_module(x.data)
        accumulate = xp.cumsum if cls is Cumsum else xp.cumprod
        return Tensor._make(accumulate(x.data, axis=axis, dtype=dtype))
    return cast(cls(axis)(x), dtype)


def cumsum(x: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    """Running sum along ``axis``: yᵢ = Σ_{j≤i} xⱼ.

    Args:
        x: input tensor.
        axis: the axis to accumulate along; None flattens ``x`` first.
        dtype: the result's dtype; by default ``x``'s, with bool giving int32.

    Returns:
        A tensor of ``x``'s shape (1-d for ``axis=None``). The gradient is the running sum of
        the incoming gradient from the end.

    Example:
        >>> cumsum([[1.0, 2.0], [3.0, 4.0]], axis=1).tolist()
        [[1.0, 3.0], [3.0, 7.0]]
    """
    return _cumulative(Cumsum, x, axis, dtype, "cumsum")


def cumprod(x: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    """Running product along ``axis``: yᵢ = ∏_{j≤i} xⱼ.

    Args:
        x: input tensor.
        axis: the axis to accumulate along; None flattens ``x`` first.
        dtype: the result's dtype; by default ``x``'s, with bool giving int32.

    Returns:
        A tensor of ``x``'s shape (1-d for ``axis=None``), differentiable at any order, exactly
        also where some xⱼ are 0.

    Example:
        >>> cumprod([1.0, 2.0, 3.0]).tolist()
        [1.0, 2.0, 6.0]
    """
    return _cumulative(Cumprod, x, axis, dtype, "cumprod")


def _replace_nan(x: Any, value: float) -> Tensor:
    """``x`` with NaN replaced by ``value`` (the gradient at NaN positions is 0)."""
    from deepnum.ops.numpy import where

    x = as_tensor(x)
    if x.data.dtype.kind != "f":
        return x
    nan = get_array_module(x.data).isnan(x.data)
    return where(nan, value, x) if nan.any() else x


def nancumsum(x: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    """Running sum along ``axis`` that treats NaN as 0.

    Example:
        >>> nancumsum([1.0, float("nan"), 2.0]).tolist()
        [1.0, 1.0, 3.0]
    """
    return cumsum(_replace_nan(x, 0), axis=axis, dtype=dtype)


def nancumprod(x: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    """Running product along ``axis`` that treats NaN as 1.

    Example:
        >>> nancumprod([2.0, float("nan"), 3.0]).tolist()
        [2.0, 2.0, 6.0]
    """
    return cumprod(_replace_nan(x, 1), axis=axis, dtype=dtype)


def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Tensor:
    """Integral of ``y`` along ``axis`` by the trapezoidal rule: Σᵢ (xᵢ₊₁ − xᵢ)(yᵢ + yᵢ₊₁)/2.

    Args:
        y: the sampled values.
        x: the sample points, 1-d along ``axis`` or of ``y``'s shape; None: spacing ``dx``.
        dx: the spacing when ``x`` is None.
        axis: the axis to integrate along.

    Returns:
        ``y`` reduced over ``axis``, differentiable in ``y`` and ``x``. Float inputs keep
        their (promoted) dtype; integer and bool ``y`` give floatx. Fewer than 2 samples give 0.

    Example:
        >>> trapezoid([1.0, 2.0, 3.0]).item()
        4.0
    """
    from deepnum.ops.numpy import reshape
    from deepnum.ops.numpy import sum as total
    from deepnum.ops.numpy._elementwise import cast

    y = as_tensor(y)
    axis = single_axis(axis, y.ndim, "trapezoid")
    x = None if x is None else as_tensor(x)
    dtype = _trapezoid_dtype(y, x)
    y = cast(y, dtype)
    upper = (slice(None),) * axis + (slice(1, None),)
    lower = (slice(None),) * axis + (slice(None, -1),)
    pairs = y[upper] + y[lower]
    if x is None:
        return total(pairs, axis=axis) * (as_tensor(dx, like=y) / 2)
    x = cast(x, dtype)
    if x.ndim == 1:
        d = x[1:] - x[:-1]
        d = reshape(d, (-1,) + (1,) * (y.ndim - 1 - axis))
    else:
        d = x[upper] - x[lower]
    return total(d * pairs, axis=axis) / 2


def _trapezoid_dtype(y: Tensor, x: Tensor | None) -> Any:
    """y's and x's dtypes promoted, then made floating (bool and integers give floatx)."""
    dtype = y.dtype if x is None else promote_types(y.dtype, x.dtype)
    return promote_types(dtype, float)
