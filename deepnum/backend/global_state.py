"""Process-wide state that ``clear_session`` resets: the counters behind automatic names
(``dense``, ``dense_1``, ...) and the dtype policy's name. Also the settings Keras keeps beside
them: the backend's name and the default image layout.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

from deepnum.backend.dtypes import floatx

__all__ = [
    "backend",
    "clear_session",
    "get_uid",
    "image_data_format",
    "is_keras_tensor",
    "set_image_data_format",
]

_UIDS: dict[str, int] = {}
_IMAGE_DATA_FORMAT = ["channels_last"]
_DTYPE_POLICY: list[str | None] = [None]  # None: follow floatx()


def backend() -> str:
    """The name of the backend: ``"numpy"``.

    deepnum computes with NumPy (CuPy on a GPU) and does not run on TensorFlow, JAX or
    PyTorch, so Keras code that branches on ``keras.backend.backend()`` takes its generic,
    backend-independent path (the one Keras's own NumPy backend takes), where deepnum's ops
    stand in for ``keras.ops``. Unlike Keras's NumPy backend, deepnum trains.

    Example:
        >>> backend()
        'numpy'
    """
    return "numpy"


def image_data_format() -> str:
    """The default layout of image tensors, read by every layer and op whose
    ``data_format`` is ``None``: ``"channels_last"`` (NHWC, the default) or
    ``"channels_first"`` (NCHW).

    Example:
        >>> image_data_format()
        'channels_last'
    """
    return _IMAGE_DATA_FORMAT[0]


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout: ``"channels_last"`` or ``"channels_first"``.

    Layers created afterwards with ``data_format=None`` use it.
    """
    value = str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT[0] = value


def get_uid(prefix: str = "") -> int:
    """The next integer for ``prefix``: 1, 2, 3, ... (reset by :func:`clear_session`).

    Automatic names share these counters: the first ``Dense`` layer is ``dense``, the next
    ``dense_1``.

    Example:
        >>> clear_session(free_memory=False)
        >>> get_uid("dense"), get_uid("dense")
        (1, 2)
    """
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def unique_name(base: str) -> str:
    """``base``, then ``base_1``, ``base_2``, ... (Keras's automatic names)."""
    n = _UIDS.get(base, 0)
    _UIDS[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def dtype_policy_name() -> str:
    """The dtype new layers compute in and create their weights with when given no ``dtype``:
    the policy set by ``deepnum.config.set_dtype_policy``, else ``floatx()``."""
    return _DTYPE_POLICY[0] or floatx()


def set_dtype_policy_name(name: str | None) -> None:
    """Set the name :func:`dtype_policy_name` returns (``None``: follow ``floatx()``)."""
    _DTYPE_POLICY[0] = name


def clear_session(free_memory: bool = True) -> None:
    """Reset the state Keras calls global: automatic-name counters (the next ``Dense`` is
    ``dense`` again) and the dtype policy.

    Args:
        free_memory: also run Python's garbage collector and hand freed heap memory back to
            the operating system.

    Example:
        >>> clear_session(free_memory=False)
        >>> get_uid("dense")
        1
    """
    _UIDS.clear()
    _DTYPE_POLICY[0] = None
    if free_memory:
        from deepnum.backend.memory import release_memory

        gc.collect()
        release_memory()


def is_keras_tensor(x: Any) -> bool:
    """True for a symbolic tensor (``deepnum.Input(...)`` and what layers return on it),
    False for concrete tensors and arrays.

    Example:
        >>> import deepnum as dn
        >>> is_keras_tensor(dn.Input((3,))), is_keras_tensor(dn.tensor([1.0]))
        (True, False)
    """
    # Symbolic tensors exist only once deepnum.models is imported; no import needed here.
    functional = sys.modules.get("deepnum.models.functional")
    return functional is not None and isinstance(x, functional.KerasTensor)
