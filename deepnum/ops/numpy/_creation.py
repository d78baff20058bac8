"""Creating tensors: constants (zeros, ones, full, empty and their ``_like`` forms), ranges
(arange), identity-like matrices (eye, identity, tri), and array / copy.

New tensors live on the default device; ``_like`` forms on the device of their model. Only
``full``/``full_like`` with a tensor fill value and ``copy`` carry a gradient.
"""

from __future__ import annotations

import numbers
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import default_device, floatx, get_array_module, is_array
from deepnum.ops.numpy._broadcast import broadcast_to
from deepnum.ops.numpy._shape import shape_tuple

__all__ = [
    "arange",
    "array",
    "copy",
    "empty",
    "empty_like",
    "eye",
    "full",
    "full_like",
    "identity",
    "ones",
    "ones_like",
    "tri",
    "zeros",
    "zeros_like",
]


def _xp() -> Any:
    return default_device().xp


def zeros(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of zeros (default dtype floatx) on the default device.

    Example:
        >>> zeros((2, 1)).numpy().tolist()
        [[0.0], [0.0]]
    """
    return Tensor._make(_xp().zeros(shape_tuple(shape), dtype=dtype or floatx()))


def ones(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of ones (default dtype floatx) on the default device.

    Example:
        >>> ones(2).numpy().tolist()
        [1.0, 1.0]
    """
    return Tensor._make(_xp().ones(shape_tuple(shape), dtype=dtype or floatx()))


def empty(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor whose values are not initialised (default dtype floatx).

    Example:
        >>> empty((2, 3)).shape
        (2, 3)
    """
    return Tensor._make(_xp().empty(shape_tuple(shape), dtype=dtype or floatx()))


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value`` (default dtype floatx).

    ``fill_value`` may be a tensor that broadcasts to ``shape``; the result is then
    differentiable with respect to it (each element's gradient is summed back).

    Example:
        >>> full((2,), 7).numpy().tolist()
        [7.0, 7.0]
    """
    shape = shape_tuple(shape)
    dtype = dtype or floatx()
    if isinstance(fill_value, (Tensor, list, tuple)) or is_array(fill_value):
        return _broadcast_fill(fill_value, shape, dtype)
    return Tensor._make(_xp().full(shape, fill_value, dtype=dtype))


def _broadcast_fill(fill_value: Any, shape: tuple[int, ...], dtype: Any) -> Tensor:
    from deepnum.ops.numpy._elementwise import cast

    value = as_tensor(fill_value)
    return broadcast_to(cast(value, get_array_module(value.data).dtype(dtype)), shape)


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``x``, on ``x``'s device.

    Example:
        >>> zeros_like([[1.0, 2.0]]).numpy().tolist()
        [[0.0, 0.0]]
    """
    x = as_tensor(x)
    return Tensor._make(get_array_module(x.data).zeros(x.shape, dtype=dtype or x.dtype))


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``x``, on ``x``'s device.

    Example:
        >>> ones_like([[1.0, 2.0]]).numpy().tolist()
        [[1.0, 1.0]]
    """
    x = as_tensor(x)
    return Tensor._make(get_array_module(x.data).ones(x.shape, dtype=dtype or x.dtype))


def empty_like(x: Any, dtype: Any = None) -> Tensor:
    """An uninitialised tensor with the shape (and dtype, unless given) of ``x``.

    Example:
        >>> empty_like([[1.0, 2.0]]).shape
        (1, 2)
    """
    x = as_tensor(x)
    return Tensor._make(get_array_module(x.data).empty(x.shape, dtype=dtype or x.dtype))


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """``fill_value`` with the shape (and dtype, unless given) of ``x``, on ``x``'s device.

    Example:
        >>> full_like([1, 2], 0.5, dtype="float32").numpy().tolist()
        [0.5, 0.5]
    """
    x = as_tensor(x)
    dtype = dtype or x.dtype
    if isinstance(fill_value, (Tensor, list, tuple)) or is_array(fill_value):
        return _broadcast_fill(fill_value, x.shape, dtype)
    return Tensor._make(get_array_module(x.data).full(x.shape, fill_value, dtype=dtype))


def array(x: Any, dtype: Any = None) -> Tensor:
    """``x`` as a tensor (Keras's ``ops.array``, which is ``convert_to_tensor``).

    Python data takes Keras's dtypes: integers ``int32``, floats floatx, booleans ``bool``;
    arrays keep theirs. A tensor passes through (cast when ``dtype`` differs).

    Example:
        >>> array([1, 2]).dtype, array([1.0, 2.0]).dtype
        (dtype('int32'), dtype('float32'))
    """
    from deepnum.ops.core import convert_to_tensor

    return convert_to_tensor(x, dtype=dtype)


class Copy(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


def copy(x: Any) -> Tensor:
    """A new tensor with the same values; the gradient passes through unchanged.

    Example:
        >>> copy([1.0, 2.0]).numpy().tolist()
        [1.0, 2.0]
    """
    return Copy()(as_tensor(x))


def _integral(v: Any) -> bool:
    if isinstance(v, Tensor) or is_array(v):
        return v.dtype.kind in "iub"
    return isinstance(v, numbers.Integral)


def _range_dtype(*values: Any) -> Any:
    """arange's default dtype: int32 for integer bounds, else floatx (or a float tensor's)."""
    given = [v for v in values if v is not None]
    if all(_integral(v) for v in given):
        return "int32"
    floats = [v.dtype for v in given if isinstance(v, Tensor) and v.dtype.kind == "f"]
    return max(floats, key=lambda d: d.itemsize) if floats else floatx()


def _scalar(v: Any) -> Any:
    return v.item() if isinstance(v, Tensor) or is_array(v) else v


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Tensor:
    """Evenly spaced values in ``[start, stop)`` with spacing ``step`` (default 1).

    With one argument it is the stop: ``arange(n)`` is ``0, 1, ..., n - 1``. The default dtype
    is ``int32`` when every argument is an integer, else floatx; the length is
    ``ceil((stop - start) / step)``.

    Example:
        >>> arange(3).numpy().tolist()
        [0, 1, 2]
        >>> arange(3).dtype
        dtype('int32')
    """
    dtype = dtype or _range_dtype(start, stop, step)
    start, stop, step = _scalar(start), _scalar(stop), _scalar(step)
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if step == 0:
        raise ValueError("arange: step must not be zero.")
    xp = _xp()
    return Tensor._make(xp.arange(start, stop, step).astype(dtype, copy=False))


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:  # noqa: N803
    """An ``N × M`` matrix with ones on the ``k``-th diagonal (default dtype floatx).

    Example:
        >>> eye(2, 3, k=1).numpy().tolist()
        [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    return Tensor._make(
        _xp().eye(int(N), None if M is None else int(M), int(k or 0), dtype or floatx())
    )


def identity(n: int, dtype: Any = None) -> Tensor:
    """The ``n × n`` identity matrix (default dtype floatx).

    Example:
        >>> identity(2).numpy().tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    return eye(n, dtype=dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:  # noqa: N803
    """An ``N × M`` matrix with ones at and below the ``k``-th diagonal: out[i, j] = j ≤ i + k.

    Example:
        >>> tri(2).numpy().tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """
    return Tensor._make(_xp().tri(int(N), None if M is None else int(M), int(k), dtype or floatx()))
