"""The dtype policy: the default float type (``floatx``) and the fuzz factor ``epsilon``."""

from __future__ import annotations

from typing import Any

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
_ALLOWED_FLOATX = ("float16", "float32", "float64")


def floatx() -> str:
    """Return the default float dtype as a string (``"float32"`` unless changed).

    Example:
        >>> floatx()
        'float32'
    """
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float dtype used for Python scalars, lists and new weights.

    Args:
        value: one of ``"float16"``, ``"float32"``, ``"float64"``.
    """
    global _FLOATX
    value = str(np.dtype(value)) if value in _ALLOWED_FLOATX else value
    if value not in _ALLOWED_FLOATX:
        raise ValueError(f"set_floatx: expected one of {_ALLOWED_FLOATX}, received {value!r}.")
    _FLOATX = value


def epsilon() -> float:
    """Return the fuzz factor used to avoid division by zero (Keras default ``1e-7``)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by :func:`epsilon`."""
    global _EPSILON
    _EPSILON = float(value)


def standardize_dtype(dtype: Any) -> str:
    """Return the canonical string name of a dtype-like value (``None`` -> floatx)."""
    if dtype is None:
        return _FLOATX
    return np.dtype(getattr(dtype, "name", dtype) if not isinstance(dtype, str) else dtype).name


def is_float_dtype(dtype: Any) -> bool:
    """True for floating-point dtypes (the ones that can carry gradients)."""
    return np.dtype(dtype).kind == "f"
