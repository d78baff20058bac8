"""Conversion and dtype queries: convert_to_tensor, convert_to_numpy, cast, saturate_cast,
is_tensor, shape, dtype, stop_gradient (Keras's ``keras.ops`` core functions)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.autodiff.variable import Variable
from deepnum.backend import (
    default_device,
    floatx,
    get_array_module,
    is_array,
    result_type,
    standardize_dtype,
)
from deepnum.backend import to_numpy as _host

__all__ = [
    "cast",
    "convert_to_numpy",
    "convert_to_tensor",
    "dtype",
    "is_tensor",
    "saturate_cast",
    "shape",
    "stop_gradient",
]

_INT32 = (-(2**31), 2**31 - 1)


class Cast(Function):
    """y = x as ``dtype``; between float types the gradient is cast back to x's dtype."""

    def __init__(self, dtype: str) -> None:
        self.dtype = dtype

    def forward(self, x):
        self.source = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return cast(gy, self.source.name)


class Identity(Function):
    """y = x: a plain Tensor that stays linked to a Variable's gradient."""

    def forward(self, x):
        return x

    def backward(self, gy):
        return gy


def _python_scalar_dtype(values: list) -> str:
    """Keras's dtype for Python scalars: bool, int32 (int64 beyond int32), floatx, complex64."""
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if any(isinstance(v, complex) for v in values):
        return "complex64"
    if any(isinstance(v, float) for v in values):
        return floatx()
    big = any(isinstance(v, int) and not _INT32[0] <= v <= _INT32[1] for v in values)
    return "int64" if big else "int32"


def _sequence_dtype(x: Any) -> str:
    """The dtype Keras gives a (nested) list of values: Python scalars by the rule above;
    NumPy scalars and arrays inside take part with their own dtype."""
    from deepnum.tree import flatten

    leaves = flatten(x)
    if all(isinstance(v, (bool, int, float, complex)) for v in leaves):
        return _python_scalar_dtype(leaves) if leaves else floatx()
    return result_type(*[getattr(v, "dtype", type(v)) for v in leaves])


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None, ragged: Any = None) -> Tensor:
    """``x`` as a Tensor, with Keras's dtypes.

    Python ``bool`` → bool, ``int`` → int32 (int64 beyond the int32 range), ``float`` →
    ``floatx()``, ``complex`` → complex64; a (nested) list of Python numbers takes the widest of
    those; NumPy arrays keep their dtype. A list holding Tensors is stacked (differentiably).
    Tensors pass through (cast when ``dtype`` is given) and stay on their device; other values
    go to the default device. A Variable gives a plain Tensor whose gradient reaches it.

    Args:
        x: a Tensor, Variable, NumPy/CuPy array, Python number or (nested) list.
        dtype: the dtype of the result (default: as above).
        sparse: deepnum's tensors are dense; ``True`` raises ValueError.
        ragged: deepnum's tensors are dense; ``True`` raises ValueError.

    Returns:
        A Tensor.

    Example:
        >>> convert_to_tensor([1, 2]).dtype, convert_to_tensor([1, 2.5]).dtype
        (dtype('int32'), dtype('float32'))
    """
    for name, flag in (("sparse", sparse), ("ragged", ragged)):
        if flag:
            raise ValueError(
                f"convert_to_tensor: {name}=True is not supported; deepnum's tensors are dense. "
                f"Pass {name}=False (or leave it None) to get a dense tensor."
            )
    dtype = None if dtype is None else standardize_dtype(dtype)
    if isinstance(x, Tensor):
        if isinstance(x, Variable):
            x = Identity()(x) if x.requires_grad else Tensor._make(x.data)
        return x if dtype is None or x.dtype == dtype else cast(x, dtype)
    if isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in x):
        from deepnum.ops.numpy import stack

        return stack([convert_to_tensor(v, dtype) for v in x])
    if is_array(x):
        data = x if dtype is None else x.astype(dtype, copy=False)
        return Tensor._make(default_device().xp.asarray(data))
    if isinstance(x, (bool, int, float, complex)):
        dtype = dtype or _python_scalar_dtype([x])
    elif isinstance(x, (list, tuple)):
        dtype = dtype or _sequence_dtype(x)
    xp = default_device().xp
    return Tensor._make(xp.asarray(xp.asarray(x), dtype=dtype))


def convert_to_numpy(x: Any) -> np.ndarray:
    """``x`` as a NumPy array on the host, cut from the graph (a copy).

    A list or tuple of tensors becomes one stacked array.

    Example:
        >>> convert_to_numpy(convert_to_tensor([1.0, 2.0]))
        array([1., 2.], dtype=float32)
    """
    if isinstance(x, (list, tuple)):
        return _host([convert_to_numpy(v) for v in x])
    value = _host(x.data if isinstance(x, Tensor) else x)
    return value.copy() if value is x or isinstance(x, Tensor) else value


def cast(x: Any, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype``. Between float dtypes the gradient flows (cast back to the
    input's dtype); a cast to an integer or bool dtype cuts the graph.

    Float → int truncates toward zero (as NumPy, PyTorch and Keras do).

    Args:
        x: a tensor, array or Python value.
        dtype: the target dtype (a name, NumPy dtype or Python type).

    Returns:
        A Tensor of ``dtype``; ``x`` itself when it already has that dtype.

    Example:
        >>> cast([1.7, -1.2], "int32").tolist()
        [1, -1]
    """
    dtype = standardize_dtype(dtype)
    if not isinstance(x, Tensor):
        return convert_to_tensor(x, dtype)
    if isinstance(x, Variable):
        x = convert_to_tensor(x)
    if x.dtype == dtype:
        return x
    if get_array_module(x.data).dtype(dtype).kind not in "fc":
        return Tensor._make(x.data.astype(dtype))
    return Cast(dtype)(x)


def _dtype_range(name: str, xp: Any) -> tuple[Any, Any]:
    if name == "bool":
        return 0, 1
    info = xp.iinfo(name) if xp.dtype(name).kind in "iu" else xp.finfo(name)
    return info.min, info.max


def saturate_cast(x: Any, dtype: Any) -> Tensor:
    """Cast ``x`` to ``dtype``, first clipping it to the range ``dtype`` can hold.

    ``cast([-1., 256.], "uint8")`` wraps around; ``saturate_cast`` gives ``[0, 255]``. Infinities
    saturate too. The limits are those of ``dtype`` expressed in ``x``'s dtype, nudged toward
    zero when not representable there: float32 cannot hold 2³¹ − 1, so a float32 input
    saturates to int32 at 2147483520, the largest float32 below 2³¹.

    Args:
        x: a tensor or array.
        dtype: the target dtype.

    Returns:
        A Tensor of ``dtype``.

    Example:
        >>> saturate_cast([-1.0, 256.0, float("inf")], "uint8").tolist()
        [0, 255, 255]
    """
    from deepnum.ops.numpy import clip

    dtype = standardize_dtype(dtype)
    x = convert_to_tensor(x)
    xp = get_array_module(x.data)
    in_dtype = x.dtype.name
    (in_min, in_max), (out_min, out_max) = _dtype_range(in_dtype, xp), _dtype_range(dtype, xp)
    zero = xp.asarray(0, in_dtype)
    # Compared as Python numbers (exactly): NumPy would round out_max to in_dtype first and
    # miss that e.g. float32(2**31 - 1) == 2**31 overflows int32.
    low = xp.asarray(max(in_min, out_min)).astype(in_dtype)
    if low.item() < out_min:
        low = xp.nextafter(low, zero)
    high = xp.asarray(min(in_max, out_max)).astype(in_dtype)
    if high.item() > out_max:
        high = xp.nextafter(high, zero)
    return cast(clip(x, low.item(), high.item()), dtype)


def is_tensor(x: Any) -> bool:
    """True for a deepnum Tensor; False for Variables (as in Keras), arrays and Python values.

    Example:
        >>> is_tensor(convert_to_tensor([1.0])), is_tensor([1.0])
        (True, False)
    """
    return isinstance(x, Tensor) and not isinstance(x, Variable)


def shape(x: Any) -> tuple:
    """The shape of ``x`` as a tuple of ints (``None`` for unknown sizes of a symbolic tensor).

    Example:
        >>> shape(convert_to_tensor([[1.0, 2.0, 3.0]]))
        (1, 3)
    """
    if hasattr(x, "shape"):
        return tuple(x.shape)
    return tuple(convert_to_tensor(x).shape)


def dtype(x: Any) -> str:
    """The dtype of ``x`` as Keras's standardized string (``"float32"``, ``"int32"``, ...).

    Example:
        >>> dtype(convert_to_tensor([1, 2]))
        'int32'
    """
    if not hasattr(x, "dtype"):
        x = convert_to_tensor(x)
    return standardize_dtype(x.dtype)


def stop_gradient(variable: Any) -> Tensor:
    """``variable``'s value cut from the graph: no gradient flows through it.

    Example:
        >>> import deepnum as dn
        >>> x = dn.tensor(3.0, requires_grad=True)
        >>> float(dn.grad(lambda t: t * stop_gradient(t))(x))
        3.0
    """
    if isinstance(variable, Tensor):
        return Tensor._make(variable.data)
    return convert_to_tensor(variable)
