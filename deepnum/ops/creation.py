"""Constant tensors shaped like others (no gradient flows through them)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import get_array_module


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
