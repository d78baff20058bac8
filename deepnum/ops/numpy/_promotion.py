"""Operands of the elementwise ops, converted and promoted with Keras's dtype rules.

Keras promotes on a lattice (:mod:`deepnum.backend.dtypes`): ``int32 + float32 → float32``,
``uint8 + int8 → int16``, ``bool + int32 → int32``. A Python number (or NumPy scalar) is *weak*:
it adopts the other operand's dtype when it fits (``int8 + 3 → int8``, ``float16 + 2.5 →
float16``) and becomes ``floatx()`` otherwise (``int32 + 2.5 → float32``). A list converts as
Keras converts it (ints → ``int32``, floats → ``floatx()``). Arrays and Tensors of any rank keep
their dtype, so float64 data stays float64.

The promoted dtype of a pair is cached (:func:`deepnum.backend.dtypes.promote_types`), and two
Tensors of one dtype skip the lookup: the common case costs two attribute reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import floatx, get_array_module, is_array
from deepnum.backend.dtypes import promote_types

__all__: list[str] = []

_SCALAR_TYPES = (bool, int, float, complex)
_KIND_TO_PYTHON = {"b": bool, "i": int, "u": int, "f": float, "c": complex}
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


class Cast(Function):
    """Convert to another dtype; the gradient is cast back to the input's dtype."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return cast(gy, self.inputs[0].dtype)


def cast(x: Any, dtype: Any) -> Tensor:
    """Convert to ``dtype``; the gradient is cast back to the input's dtype.

    Args:
        x: a Tensor or array-like.
        dtype: the target dtype.

    Returns:
        ``x`` itself when it already has that dtype, else a converted Tensor (differentiable
        between floating dtypes).

    Example:
        >>> import deepnum as dn
        >>> cast(dn.tensor([1.7, -2.2]), "int32").tolist()
        [1, -2]
    """
    x = x if isinstance(x, Tensor) else tensor(x)
    if x.dtype == dtype:
        return x
    if get_array_module(x.data).dtype(dtype).kind != "f" or not x.requires_grad:
        return Tensor._make(x.data.astype(dtype))
    return Cast(dtype)(x)


def scalar_type(value: Any) -> type | None:
    """The Python type a number stands for (weak ``int``/``float``), ``None`` for non-scalars."""
    t = type(value)
    if t in _SCALAR_TYPES:
        return t
    if isinstance(value, np.generic):
        return _KIND_TO_PYTHON.get(value.dtype.kind)
    if isinstance(value, _SCALAR_TYPES):  # subclasses, e.g. IntEnum
        return bool if isinstance(value, bool) else _kind_of(value)
    return None


def _kind_of(value: Any) -> type:
    for t in (int, float, complex):
        if isinstance(value, t):
            return t
    raise TypeError(f"Unsupported number {value!r}")


def _sequence_array(value: Any) -> Any:
    """A list or other array-like as Keras converts it: ints → int32, floats → floatx."""
    arr = get_array_module(value).asarray(value)
    kind = arr.dtype.kind
    if kind in "iu":
        small = arr.size == 0 or (arr.min() >= _INT32_MIN and arr.max() <= _INT32_MAX)
        return arr.astype(np.int32 if small else np.int64)
    if kind == "f":
        return arr.astype(floatx())
    if kind == "c":
        return arr.astype(np.complex64)
    if kind == "b":
        return arr
    raise TypeError(
        f"Cannot convert a {type(value).__name__} of dtype {arr.dtype} to a tensor; expected "
        "numbers, arrays or Tensors."
    )


def tensor(value: Any) -> Tensor:
    """One operand as a Tensor: Tensors as they are, arrays keep their dtype, Python numbers
    take their Keras dtype (``int`` → ``int32``, ``float`` → ``floatx()``)."""
    if isinstance(value, Tensor):
        return value
    if is_array(value):
        return Tensor._make(value)
    kind = scalar_type(value)
    if kind is not None:
        xp = get_array_module(value)
        return Tensor._make(xp.asarray(value, dtype=promote_types(kind, kind)))
    return Tensor._make(_sequence_array(value))


def float_tensor(value: Any) -> Tensor:
    """One operand as a floating Tensor: integer and boolean data become ``floatx()``."""
    x = tensor(value)
    if x.data.dtype.kind in "fc":
        return x
    return Tensor._make(x.data.astype(floatx()))


def _dtype_key(value: Any) -> Any:
    """What promotion sees of an operand: a dtype, or the Python type of a weak number."""
    if isinstance(value, Tensor):
        return value.data.dtype
    return scalar_type(value)


def _to(value: Any, dtype: np.dtype, like: Any) -> Tensor:
    """``value`` as a Tensor of ``dtype``; numbers go to the array module of ``like``."""
    if isinstance(value, Tensor):
        if value.data.dtype == dtype:
            return value
        if value.requires_grad and dtype.kind == "f":
            return Cast(dtype)(value)
        return Tensor._make(value.data.astype(dtype))
    xp = get_array_module(like.data) if isinstance(like, Tensor) else np
    if dtype.kind in "iu" and type(value) is not bool:  # wrap out-of-range ints, as Keras does
        return Tensor._make(xp.asarray(value).astype(dtype))
    return Tensor._make(xp.asarray(value, dtype=dtype))


def operands(x1: Any, x2: Any) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors of their promoted dtype (Keras's lattice, 64 bits kept)."""
    if type(x1) is Tensor and type(x2) is Tensor:
        d1, d2 = x1.data.dtype, x2.data.dtype
        if d1 is d2:
            return x1, x2
        dtype = promote_types(d1, d2)
        return _to(x1, dtype, x1), _to(x2, dtype, x2)
    k1, k2 = _dtype_key(x1), _dtype_key(x2)
    if k1 is None:
        x1 = tensor(x1)
        k1 = x1.data.dtype
    if k2 is None:
        x2 = tensor(x2)
        k2 = x2.data.dtype
    dtype = promote_types(k1, k2)
    return _to(x1, dtype, x2), _to(x2, dtype, x1)


def float_operands(x1: Any, x2: Any) -> tuple[Tensor, Tensor]:
    """The promoted operands, made floating (``floatx()``) when the promotion is integral."""
    x1, x2 = operands(x1, x2)
    if x1.data.dtype.kind in "fc":
        return x1, x2
    dtype = promote_types(float, float)  # floatx, cached
    return Tensor._make(x1.data.astype(dtype)), Tensor._make(x2.data.astype(dtype))


def call_binary(op: Any, name: str, x1: Tensor, x2: Tensor) -> Tensor:
    """``op(x1, x2)`` with NumPy's broadcasting error restated with the op and both shapes."""
    try:
        return op(x1, x2)
    except ValueError as e:
        if "broadcast" not in str(e):
            raise
        raise ValueError(
            f"{name}: shapes {shape_str(x1.shape)} and {shape_str(x2.shape)} cannot be "
            "broadcast together; trailing dimensions must be equal or 1."
        ) from None


def require_kind(name: str, x: Tensor, kinds: str, expected: str) -> None:
    """Raise a TypeError naming ``name`` when ``x``'s dtype kind is not one of ``kinds``."""
    if x.data.dtype.kind not in kinds:
        raise TypeError(f"{name}: expected {expected}, received dtype {x.data.dtype}.")


def constant(data: Any) -> Tensor:
    """A result that carries no gradient (comparisons, rounding, integer ops)."""
    return Tensor._make(data)
