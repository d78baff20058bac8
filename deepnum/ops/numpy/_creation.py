"""Constant tensors shaped like others (no gradient flows through them)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import default_device, floatx, get_array_module

__all__ = ["arange", "eye", "full", "full_like", "ones", "ones_like", "zeros", "zeros_like"]


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    """A tensor of zeros with the shape (and dtype, unless given) of ``x``."""
    x = as_tensor(x)
    return Tensor._make(get_array_module(x.data).zeros(x.shape, dtype=dtype or x.dtype))


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    """A tensor of ones with the shape (and dtype, unless given) of ``x``."""
    x = as_tensor(x)
    return Tensor._make(get_array_module(x.data).ones(x.shape, dtype=dtype or x.dtype))


def full_like(x: Any, fill_value: float, dtype: Any = None) -> Tensor:
    """A tensor filled with ``fill_value`` with the shape of ``x``."""
    x = as_tensor(x)
    xp = get_array_module(x.data)
    return Tensor._make(xp.full(x.shape, fill_value, dtype=dtype or x.dtype))


def convert_to_tensor(x: Any, dtype: Any = None) -> Tensor:
    """``x`` as a Tensor (Keras's ``ops.convert_to_tensor``); Tensors pass through."""
    from deepnum.ops.numpy._elementwise import cast

    t = as_tensor(x)
    return t if dtype is None else cast(t, dtype)


def convert_to_numpy(x: Any) -> Any:
    """``x`` as a NumPy array on the host (Keras's ``ops.convert_to_numpy``)."""
    return as_tensor(x).numpy()


def zeros(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of zeros (default dtype floatx) on the default device."""
    return Tensor._make(default_device().xp.zeros(shape, dtype=dtype or floatx()))


def ones(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of ones (default dtype floatx)."""
    return Tensor._make(default_device().xp.ones(shape, dtype=dtype or floatx()))


def full(shape: Any, fill_value: float, dtype: Any = None) -> Tensor:
    """A tensor filled with ``fill_value`` (default dtype floatx)."""
    return Tensor._make(default_device().xp.full(shape, fill_value, dtype=dtype or floatx()))


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop) (NumPy's ``arange``; integers stay integers).

    Example:
        >>> arange(3).numpy().tolist()
        [0, 1, 2]
    """
    xp = default_device().xp
    values = xp.arange(start, stop, step) if stop is not None else xp.arange(start)
    return Tensor._make(values.astype(dtype) if dtype is not None else values)


def eye(n: int, m: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:
    """The identity matrix (ones on the k-th diagonal)."""
    return Tensor._make(default_device().xp.eye(n, m, k, dtype=dtype or floatx()))
