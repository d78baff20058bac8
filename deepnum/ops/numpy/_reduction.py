"""Reductions over axes: sum, mean, max/min (amax/amin), prod, and logsumexp (a member of
``ops.math``).

Axes follow Keras (NumPy): ``None`` reduces every axis, an int or a tuple/list of ints
(negatives allowed) the listed ones, and an empty tuple or list none at all. Result dtypes are
Keras's: ``sum`` and ``prod`` widen bool, uint8, int8 and int16 to int32, ``mean`` of integers
is float32, ``max``/``min`` keep the dtype, and 64-bit inputs stay 64-bit. The gradient of an
extreme is shared equally among the elements that attain it, as PyTorch (Keras's backend here)
does for ``amax``/``amin`` and for full ``max``/``min``.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.mode import is_grad_enabled
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import broadcast_array, broadcast_to

__all__ = ["amax", "amin", "max", "mean", "min", "prod", "sum"]

# Keras's sum/prod widen these small integer types (and bool) to int32, as JAX does.
WIDEN_TO_INT32 = frozenset(["bool", "uint8", "int8", "int16"])


def normalize_axis(axis: Any, ndim: int, op: str = "reduction") -> tuple[int, ...]:
    """Return ``axis`` (None, an int or a sequence, negatives allowed) as a sorted tuple.

    Args:
        axis: None (every axis), an int, or a tuple/list of ints.
        ndim: the rank of the tensor reduced.
        op: the op's name, for error messages.

    Returns:
        The axes in ``[0, ndim)``, sorted.

    Example:
        >>> normalize_axis(-1, 3), normalize_axis((2, 0), 3), normalize_axis(None, 2)
        ((2,), (0, 2), (0, 1))
    """
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, without the loop
        return (axis % ndim,)
    if isinstance(axis, (tuple, list)) or getattr(axis, "ndim", 0):
        axes = tuple(axis)
    else:
        axes = (axis,)
    out = []
    for a in axes:
        if isinstance(a, bool) or not hasattr(a, "__index__"):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, received {axis!r}.")
        a, bound = int(a), builtins.max(ndim, 1)
        if not -bound <= a < bound:
            raise ValueError(
                f"{op}: axis {a} is out of bounds for a tensor of rank {ndim}; "
                f"valid axes are {-bound}..{bound - 1}."
            )
        if ndim:  # a 0-d tensor accepts axis 0 or -1 (as PyTorch does) and reduces nothing
            out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: axis {axis!r} repeats an axis; each axis may appear once.")
    return tuple(sorted(out))


def single_axis(axis: Any, ndim: int, op: str) -> int:
    """One axis (an int, negatives allowed) in ``[0, ndim)``, for ops that take exactly one."""
    if isinstance(axis, bool) or not hasattr(axis, "__index__") or getattr(axis, "ndim", 0):
        raise TypeError(f"{op}: axis must be an int, received {axis!r}.")
    if not -ndim <= int(axis) < ndim:
        raise ValueError(
            f"{op}: axis {int(axis)} is out of bounds for a tensor of rank {ndim}; "
            f"valid axes are {-ndim}..{ndim - 1}."
        )
    return int(axis) % ndim


def is_empty_axis(axis: Any) -> bool:
    """True for ``()`` and ``[]``: Keras's "reduce over no axis", which returns the input."""
    return type(axis) in (tuple, list) and len(axis) == 0


def reduced_shape(shape: tuple[int, ...], axes: Any, keepdims: bool) -> tuple[int, ...]:
    """The shape of a reduction's result (``axes`` None: every axis)."""
    if keepdims:
        return keepdims_shape(shape, axes)
    if axes is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def keepdims_shape(shape: tuple[int, ...], axes: Any) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (``axes`` None: every axis)."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def expand_grad(gy: Tensor, x_shape: tuple[int, ...], axes: Any) -> Tensor:
    """Reshape a reduced gradient to keepdims form and broadcast it back to the input's shape."""
    from deepnum.ops.numpy import reshape

    if gy.ndim == 0:  # a full reduction: a scalar broadcasts as it is
        return broadcast_to(gy, x_shape)
    return broadcast_to(reshape(gy, keepdims_shape(x_shape, axes)), x_shape)


def expand_grad_array(gy: Any, x_shape: tuple[int, ...], axes: Any) -> Any:
    """:func:`expand_grad` on raw arrays (a read-only broadcast view)."""
    if gy.ndim:
        gy = gy.reshape(keepdims_shape(x_shape, axes))
    return broadcast_array(gy, x_shape)


def max_shift(x: Any, axis: Any) -> Any:
    """The shift m = max(x) (keepdims) that makes log Σ eˣ = m + log Σ e^(x−m) stable.

    Works on raw arrays. Non-finite maxima (all −inf) and empty axes use 0 instead, so the
    result is −inf rather than nan or an error.
    """
    xp = get_array_module(x)
    axes = normalize_axis(axis, x.ndim)
    if x.size == 0:
        return xp.zeros(keepdims_shape(x.shape, axes), dtype=x.dtype)
    m = x.max(axis=axes, keepdims=True)
    return xp.where(xp.isfinite(m), m, 0)


def reduction_axes(x: Tensor, axis: Any, op: str) -> Any:
    """``None`` for a full reduction (NumPy's fastest path), else the normalized tuple."""
    return None if axis is None else normalize_axis(axis, x.ndim, op)


def reduced_count(shape: tuple[int, ...], axes: Any) -> int:
    """The number of elements each reduced value combines."""
    if axes is None:
        return math.prod(shape)
    n = 1
    for a in axes:  # a loop: cheaper than math.prod over a generator for one or two axes
        n *= shape[a]
    return n


# --------------------------------------------------------------------------- sum and mean
class Sum(Function):
    """y = Σ x over ``axes``; the gradient broadcasts back."""

    def __init__(self, axes: Any, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        return expand_grad(gy, self.inputs[0].shape, self.axes)

    def backward_arrays(self, gy):
        return expand_grad_array(gy, self.inputs[0].data.shape, self.axes)


def _scale(n: int) -> float:
    """1/n; an empty reduction's mean is nan, as in NumPy and PyTorch (0 · nan, no warning)."""
    return 1.0 / n if n else float("nan")


def _mean_array(x: Any, axes: Any, keepdims: bool, scale: float) -> Any:
    """The mean on a raw float array; float16 accumulates in float32, as Keras does."""
    if x.dtype == "float16":
        return (x.sum(axis=axes, keepdims=keepdims, dtype="float32") * scale).astype("float16")
    return x.sum(axis=axes, keepdims=keepdims) * scale


class Mean(Function):
    """y = (1/n) Σ x over ``axes``; ∂y/∂xᵢ = 1/n."""

    def __init__(self, axes: Any, keepdims: bool, n: int) -> None:
        self.axes, self.keepdims, self.scale = axes, keepdims, _scale(n)

    def forward(self, x):
        return _mean_array(x, self.axes, self.keepdims, self.scale)

    def backward(self, gy):
        return expand_grad(gy * self.scale, self.inputs[0].shape, self.axes)

    def backward_arrays(self, gy):
        return expand_grad_array(gy * self.scale, self.inputs[0].data.shape, self.axes)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum of the elements over ``axis``: y = Σᵢ xᵢ.

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints; ``()`` returns ``x`` unchanged.
        keepdims: keep the reduced axes with size 1.

    Returns:
        The sum; bool, uint8, int8 and int16 inputs give int32 (Keras's rule), other dtypes
        are kept. The gradient broadcasts back to every summed element.

    Example:
        >>> sum([[1.0, 2.0], [3.0, 4.0]], axis=0).tolist()
        [4.0, 6.0]
    """
    if type(x) is not Tensor:
        x = as_tensor(x)
    data = x.data
    if axis is not None:
        if is_empty_axis(axis):
            return x
        axis = normalize_axis(axis, data.ndim, "sum")
    if data.dtype.kind != "f":
        dtype = "int32" if data.dtype.name in WIDEN_TO_INT32 else data.dtype
        return Tensor._make(data.sum(axis=axis, keepdims=keepdims, dtype=dtype))
    if x.requires_grad and is_grad_enabled():
        return Sum(axis, keepdims)(x)
    return Tensor._make(data.sum(axis=axis, keepdims=keepdims))


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis``: y = (1/n) Σᵢ xᵢ.

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints; ``()`` returns ``x`` unchanged.
        keepdims: keep the reduced axes with size 1.

    Returns:
        The mean: float inputs keep their dtype, integer and bool inputs give float32. An empty
        reduction is nan.

    Example:
        >>> mean([[1.0, 2.0], [3.0, 5.0]], axis=1).tolist()
        [1.5, 4.0]
    """
    if type(x) is not Tensor:
        x = as_tensor(x)
    data = x.data
    if axis is not None:
        if is_empty_axis(axis):
            return x
        axis = normalize_axis(axis, data.ndim, "mean")
    n = reduced_count(data.shape, axis)
    if data.dtype.kind != "f":
        return Tensor._make(_mean_array(data.astype("float32"), axis, keepdims, _scale(n)))
    if x.requires_grad and is_grad_enabled():
        return Mean(axis, keepdims, n)(x)
    return Tensor._make(_mean_array(data, axis, keepdims, _scale(n)))


# --------------------------------------------------------------------------- max and min
class _Extreme(Function):
    """max/min: the gradient is shared equally among the elements that attain the extreme
    (PyTorch's ``amax``/``amin`` and full ``max``/``min``)."""

    save_outputs = True

    def __init__(self, axes: Any, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return self.reduce(x, self.axes, self.keepdims)

    def _share(self, x: Any, dtype: Any) -> Any:
        """Each element's share of the gradient: 1/k where it attains the extreme of its k
        ties, 0 elsewhere (a constant of the input)."""
        y = self._saved[0]
        if not self.keepdims and y.ndim != x.ndim:
            y = y.reshape(keepdims_shape(x.shape, self.axes))
        mask = (x == y).astype(dtype)
        return mask / mask.sum(axis=self.axes, keepdims=True)

    def backward(self, gy):
        x = self.inputs[0]
        return expand_grad(gy, x.shape, self.axes) * self._share(x.data, gy.dtype)

    def backward_arrays(self, gy):
        x = self.inputs[0].data
        return expand_grad_array(gy, x.shape, self.axes) * self._share(x, gy.dtype)


class Max(_Extreme):
    @staticmethod
    def reduce(x: Any, axes: Any, keepdims: bool) -> Any:
        return x.max(axis=axes, keepdims=keepdims)


class Min(_Extreme):
    @staticmethod
    def reduce(x: Any, axes: Any, keepdims: bool) -> Any:
        return x.min(axis=axes, keepdims=keepdims)


def _extreme(cls: type, op: str, x: Any, axis: Any, keepdims: bool, initial: Any) -> Tensor:
    if type(x) is not Tensor:
        x = as_tensor(x)
    data = x.data
    if is_empty_axis(axis):
        result = x
    else:
        if axis is not None:
            axis = normalize_axis(axis, data.ndim, op)
        if data.size == 0 and reduced_count(data.shape, axis) == 0:
            return _empty_extreme(op, x, axis, keepdims, initial)
        if x.requires_grad and is_grad_enabled():
            result = cls(axis, keepdims)(x)
        else:
            result = Tensor._make(cls.reduce(data, axis, keepdims))
    if initial is None:
        return result
    from deepnum.ops.numpy import maximum, minimum

    bound = Tensor._make(get_array_module(x.data).asarray(initial, dtype=x.dtype))
    return (maximum if cls is Max else minimum)(result, bound)


def _empty_extreme(op: str, x: Tensor, axes: Any, keepdims: bool, initial: Any) -> Tensor:
    """An extreme over a zero-length axis is only defined with ``initial`` (NumPy's rule)."""
    if initial is None:
        raise ValueError(
            f"{op}: cannot reduce a tensor of shape {shape_str(x.shape)} over an axis of "
            "length 0; pass `initial=` to give empty reductions a value."
        )
    xp = get_array_module(x.data)
    return Tensor._make(xp.full(reduced_shape(x.shape, axes, keepdims), initial, dtype=x.dtype))


def max(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    """Maximum over ``axis``: y = maxᵢ xᵢ.

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints; ``()`` reduces nothing.
        keepdims: keep the reduced axes with size 1.
        initial: a floor for the result, max(y, initial); also the value of reductions over
            an axis of length 0 (which raise without it).

    Returns:
        The maximum, in ``x``'s dtype. NaN propagates. The gradient is shared equally among
        tied maxima (PyTorch's rule); with ``initial``, ties between y and initial split it.

    Example:
        >>> max([[1.0, 5.0], [3.0, 2.0]], axis=1).tolist()
        [5.0, 3.0]
    """
    return _extreme(Max, "max", x, axis, keepdims, initial)


def min(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    """Minimum over ``axis``: y = minᵢ xᵢ.

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints; ``()`` reduces nothing.
        keepdims: keep the reduced axes with size 1.
        initial: a ceiling for the result, min(y, initial); also the value of reductions over
            an axis of length 0 (which raise without it).

    Returns:
        The minimum, in ``x``'s dtype; ties share the gradient equally.

    Example:
        >>> min([[1.0, 5.0], [3.0, 2.0]], axis=0).tolist()
        [1.0, 2.0]
    """
    return _extreme(Min, "min", x, axis, keepdims, initial)


def amax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis`` (``max`` without ``initial``).

    Example:
        >>> amax([[1.0, 5.0], [3.0, 2.0]]).item()
        5.0
    """
    return _extreme(Max, "amax", x, axis, keepdims, None)


def amin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis`` (``min`` without ``initial``).

    Example:
        >>> amin([[1.0, 5.0], [3.0, 2.0]], axis=1, keepdims=True).tolist()
        [[1.0], [2.0]]
    """
    return _extreme(Min, "amin", x, axis, keepdims, None)


# --------------------------------------------------------------------------- product
class Prod(Function):
    """y = ∏ x over ``axes``. ∂y/∂xᵢ = ∏_{j≠i} xⱼ: y/xᵢ when no factor is 0, else the product
    of the exclusive running products from the left and from the right, exact with zeros."""

    save_outputs = True

    def __init__(self, axes: Any, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return x.prod(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]
        g = expand_grad(gy, x.shape, self.axes)
        if (x.data != 0).all():
            y = expand_grad(self.outputs[0], x.shape, self.axes)
            return g * y / x
        return g * _products_of_others(x, self.axes)

    def backward_arrays(self, gy):
        x = self.inputs[0].data
        g = expand_grad_array(gy, x.shape, self.axes)
        if (x != 0).all():
            return g * expand_grad_array(self._saved[0], x.shape, self.axes) / x
        xp = get_array_module(x)
        xt, undo = axes_last(x, self.axes, xp.transpose, xp.reshape)
        ones = xp.ones(xt.shape[:-1] + (1,), dtype=x.dtype)
        left = xp.cumprod(xp.concatenate([ones, xt[..., :-1]], axis=-1), axis=-1)
        right = xp.cumprod(xp.concatenate([ones, xt[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        return g * undo(left * right)


def axes_last(x: Any, axes: Any, transpose: Any, reshape: Any) -> tuple[Any, Any]:
    """``x`` with the reduced axes moved last and merged into one, and the inverse map."""
    shape = x.shape
    axes = tuple(range(len(shape))) if axes is None else axes
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    perm = rest + tuple(axes)
    permuted = tuple(shape[i] for i in perm)
    inverse = tuple(sorted(range(len(shape)), key=lambda i: perm[i]))
    n = math.prod(shape[a] for a in axes)
    xt = reshape(transpose(x, perm), tuple(shape[i] for i in rest) + (n,))
    return xt, lambda v: transpose(reshape(v, permuted), inverse)


def _products_of_others(x: Tensor, axes: Any) -> Tensor:
    """∏_{j≠i} xⱼ over the reduced axes for every i, as differentiable Tensor ops."""
    from deepnum.ops.numpy import cumprod, pad, reshape, transpose

    xt, undo = axes_last(x, axes, transpose, reshape)
    widths = [(0, 0)] * (xt.ndim - 1) + [(1, 0)]
    left = cumprod(pad(xt[..., :-1], widths, constant_values=1), axis=-1)
    right = cumprod(pad(xt[..., :0:-1], widths, constant_values=1), axis=-1)[..., ::-1]
    return undo(left * right)


def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """Product of the elements over ``axis``: y = ∏ᵢ xᵢ.

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints; ``()`` reduces nothing.
        keepdims: keep the reduced axes with size 1.
        dtype: the result's dtype (the input is cast first). By default bool, uint8, int8 and
            int16 give int32 (Keras's rule) and other dtypes are kept.

    Returns:
        The product; ∂y/∂xᵢ = ∏_{j≠i} xⱼ, exact when some factors are zero, at any order.

    Example:
        >>> prod([[1.0, 2.0], [3.0, 4.0]], axis=1).tolist()
        [2.0, 12.0]
    """
    x = as_tensor(x)
    if is_empty_axis(axis) and dtype is None:  # Keras returns x as it is
        return x
    if dtype is None:
        dtype = "int32" if x.dtype.name in WIDEN_TO_INT32 else x.dtype
    if dtype != x.dtype:
        from deepnum.ops.numpy._elementwise import cast

        x = cast(x, dtype)
    if is_empty_axis(axis):
        return x
    axes = reduction_axes(x, axis, "prod")
    if x.data.dtype.kind != "f":
        return Tensor._make(x.data.prod(axis=axes, keepdims=keepdims, dtype=x.dtype))
    return Prod(axes, keepdims)(x)


# --------------------------------------------------------------------------- logsumexp
class LogSumExp(Function):
    """y = log Σ eˣ, computed as m + log Σ e^(x−m); ∂y/∂x = softmax(x)."""

    save_outputs = True

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        xp = get_array_module(x)
        m = max_shift(x, self.axes)
        y = xp.log(xp.exp(x - m).sum(axis=self.axes, keepdims=True)) + m
        return y if self.keepdims else y.reshape(reduced_shape(x.shape, self.axes, False))

    def backward(self, gy):
        from deepnum.ops.numpy import exp, reshape

        x = self.inputs[0]
        y = reshape(self.outputs[0], keepdims_shape(x.shape, self.axes))
        return expand_grad(gy, x.shape, self.axes) * exp(x - y)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log Σ exp(x) over ``axis``, stable for large |x|: m + log Σ e^(x−m) with m = max x.

    Example:
        >>> round(logsumexp([0.0, 0.0]).item(), 6)
        0.693147
    """
    x = as_tensor(x)
    return LogSumExp(normalize_axis(axis, x.ndim, "logsumexp"), keepdims)(x)
