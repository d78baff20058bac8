"""Which array module (NumPy or CuPy) a value lives in."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

try:  # CuPy is an optional extra; deepnum runs on NumPy alone.
    import cupy as _cupy
except Exception:  # pragma: no cover - depends on the machine
    _cupy = None


def cupy_available() -> bool:
    """Return True when CuPy imports and sees at least one CUDA device."""
    if _cupy is None:
        return False
    try:
        return _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # pragma: no cover - no driver
        return False


def get_array_module(*values: Any) -> ModuleType:
    """Return ``cupy`` if any value is a CuPy array (or wraps one), else ``numpy``.

    Args:
        *values: arrays, Tensors, Python scalars.

    Returns:
        The module to call for array maths on those values (``xp``).

    Example:
        >>> import numpy as np
        >>> get_array_module(np.ones(3)).__name__
        'numpy'
    """
    if _cupy is not None:
        for v in values:
            v = getattr(v, "data", v)
            if isinstance(v, _cupy.ndarray):
                return _cupy
    return np


def is_array(value: Any) -> bool:
    """True for a NumPy or CuPy ndarray."""
    if isinstance(value, np.ndarray):
        return True
    return _cupy is not None and isinstance(value, _cupy.ndarray)


def to_numpy(value: Any) -> np.ndarray:
    """Copy a CuPy array to the host; return NumPy arrays unchanged."""
    if _cupy is not None and isinstance(value, _cupy.ndarray):
        return _cupy.asnumpy(value)
    return np.asarray(value)
