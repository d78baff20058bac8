"""Global configuration, as ``keras.config``.

Settings with an effect in deepnum: the float type and epsilon; the image data format (read by
every layer and op whose ``data_format`` is ``None``); the dtype policy (the dtype of new
layers); interactive logging (the progress bar of ``fit`` — off: one line per epoch); unsafe
deserialization (``load_model``'s default ``safe_mode``); the caps on epochs and steps per epoch
(``fit``, ``evaluate`` and ``predict`` honour them; also set by the ``KERAS_MAX_EPOCHS`` and
``KERAS_MAX_STEPS_PER_EPOCH`` environment variables, as in Keras).

Settings kept only so that Keras code runs: flash attention and traceback filtering are
remembered and reported but change nothing (deepnum has no flash-attention kernel and does not
rewrite tracebacks); ``is_nnx_enabled`` is False (NNX is JAX's); ``set_backend`` accepts only
deepnum's own backend.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from deepnum.backend import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from deepnum.backend import global_state as _state

__all__ = [
    "backend",
    "disable_flash_attention",
    "disable_interactive_logging",
    "disable_traceback_filtering",
    "dtype_policy",
    "enable_flash_attention",
    "enable_interactive_logging",
    "enable_traceback_filtering",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "is_flash_attention_enabled",
    "is_interactive_logging_enabled",
    "is_nnx_enabled",
    "is_traceback_filtering_enabled",
    "max_epochs",
    "max_steps_per_epoch",
    "set_backend",
    "set_dtype_policy",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_max_epochs",
    "set_max_steps_per_epoch",
]


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


_SETTINGS: dict[str, Any] = {
    "interactive_logging": True,
    "traceback_filtering": True,
    "flash_attention": None,  # None: let the layer decide (Keras's default)
    "safe_mode": True,
    "max_epochs": _env_int("KERAS_MAX_EPOCHS"),
    "max_steps_per_epoch": _env_int("KERAS_MAX_STEPS_PER_EPOCH"),
}

_POLICY_DTYPES = ("float16", "float32", "float64")


# ------------------------------------------------------------------------------ backend
def set_backend(backend: str) -> None:
    """Keras switches between TensorFlow, JAX and PyTorch here; deepnum has one backend.

    Args:
        backend: must be deepnum's own, ``"numpy"`` (``"deepnum"`` is accepted too); nothing
            changes.

    Raises:
        ValueError: for any other backend, since deepnum computes with NumPy (CuPy on GPU).
    """
    if backend not in ("numpy", "deepnum"):
        raise ValueError(
            f"set_backend({backend!r}): deepnum has a single backend, 'numpy' (NumPy on the CPU, "
            "CuPy on a GPU: choose the device with deepnum.backend.set_device). To run on "
            f"{backend}, use Keras itself."
        )


def is_nnx_enabled() -> bool:
    """False: Flax NNX is a JAX-backend feature of Keras."""
    return False


# --------------------------------------------------------------------------- dtype policy
class DTypePolicy:
    """The dtype a layer computes in and stores its weights with (Keras's ``DTypePolicy``).

    deepnum computes and stores in the same dtype: mixed precision (``"mixed_float16"``, whose
    weights stay float32 while the maths runs in float16) is not supported.

    Args:
        name: ``"float16"``, ``"float32"`` or ``"float64"`` (default ``floatx()``).

    Example:
        >>> DTypePolicy("float64")
        <DTypePolicy "float64">
    """

    def __init__(self, name: str | None = None) -> None:
        name = floatx() if name is None else str(name)
        if name not in _POLICY_DTYPES:
            why = (
                "mixed precision is not supported (deepnum computes and keeps weights in one dtype)"
                if name.startswith("mixed_")
                else "deepnum's layers compute in float16, float32 or float64"
            )
            raise ValueError(
                f"DTypePolicy: {why}; expected one of {_POLICY_DTYPES}, received {name!r}."
            )
        self.name = name

    @property
    def compute_dtype(self) -> str:
        return self.name

    @property
    def variable_dtype(self) -> str:
        return self.name

    @property
    def quantization_mode(self) -> None:
        return None

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> DTypePolicy:
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self.name}">'


def set_dtype_policy(policy: Any) -> None:
    """Set the dtype of layers created without ``dtype`` (their weights and computations).

    Args:
        policy: ``"float16"``, ``"float32"``, ``"float64"`` or a :class:`DTypePolicy` (or any
            object with such a ``name``). Mixed-precision policies raise ValueError.

    Example:
        >>> set_dtype_policy("float64")
        >>> dtype_policy().name
        'float64'
        >>> set_dtype_policy("float32")
    """
    name = getattr(policy, "name", policy)
    if not isinstance(name, str):
        raise ValueError(
            "set_dtype_policy: expected a policy name such as 'float32' or a DTypePolicy, "
            f"received {policy!r}."
        )
    _state.set_dtype_policy_name(DTypePolicy(name).name)


def dtype_policy() -> DTypePolicy:
    """The global dtype policy (``floatx()`` until :func:`set_dtype_policy` is called).

    Example:
        >>> dtype_policy()
        <DTypePolicy "float32">
    """
    return DTypePolicy(_state.dtype_policy_name())


# ------------------------------------------------------------------------------- logging
def enable_interactive_logging() -> None:
    """Let ``fit`` draw its progress bar in place on a terminal (the default)."""
    _SETTINGS["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """Make ``fit`` print one plain line per epoch instead of a progress bar (for logs)."""
    _SETTINGS["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    """Whether the progress bar may update in place (see :func:`disable_interactive_logging`)."""
    return _SETTINGS["interactive_logging"]


def enable_traceback_filtering() -> None:
    """Remembered for Keras compatibility; deepnum shows tracebacks unfiltered."""
    _SETTINGS["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    """Remembered for Keras compatibility; deepnum shows tracebacks unfiltered."""
    _SETTINGS["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    """The flag set by :func:`enable_traceback_filtering` (True by default, as in Keras)."""
    return _SETTINGS["traceback_filtering"]


def enable_flash_attention() -> None:
    """Remembered for Keras compatibility; deepnum's attention has no flash kernel."""
    _SETTINGS["flash_attention"] = True


def disable_flash_attention() -> None:
    """Remembered for Keras compatibility; deepnum's attention has no flash kernel."""
    _SETTINGS["flash_attention"] = False


def is_flash_attention_enabled() -> bool | None:
    """The flash-attention flag: None until enabled or disabled (as in Keras)."""
    return _SETTINGS["flash_attention"]


# ------------------------------------------------------------------------------- saving
def enable_unsafe_deserialization() -> None:
    """Let ``load_model`` and deserialization run Python code stored in files (Lambda layers
    saved from lambdas) by default, as ``safe_mode=False`` does. Only for trusted files."""
    _SETTINGS["safe_mode"] = False


def in_safe_mode() -> bool:
    """False once :func:`enable_unsafe_deserialization` has been called."""
    return _SETTINGS["safe_mode"]


# ------------------------------------------------------------------------------ training
def set_max_epochs(max_epochs: int | None) -> None:
    """Cap the number of epochs of every ``fit`` (``None``: no cap); for quick debugging runs."""
    _SETTINGS["max_epochs"] = max_epochs


def max_epochs() -> int | None:
    """The cap set by :func:`set_max_epochs` or ``KERAS_MAX_EPOCHS`` (``None``: none)."""
    return _SETTINGS["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Cap the steps of each epoch of ``fit`` and of ``evaluate`` and ``predict``."""
    _SETTINGS["max_steps_per_epoch"] = max_steps_per_epoch


def max_steps_per_epoch() -> int | None:
    """The cap set by :func:`set_max_steps_per_epoch` or ``KERAS_MAX_STEPS_PER_EPOCH``."""
    return _SETTINGS["max_steps_per_epoch"]


def capped_epochs(epochs: int) -> int:
    """``epochs`` limited by :func:`max_epochs` (used by ``fit``; warns when it limits)."""
    cap = _SETTINGS["max_epochs"]
    if cap and cap < epochs:
        warnings.warn(f"Limiting epochs to {cap}", stacklevel=3)
        return cap
    return epochs


def capped_steps(steps: int | None) -> int | None:
    """``steps`` per epoch (``None``: unknown) limited by :func:`max_steps_per_epoch` (used by
    every batch source of ``fit``, ``evaluate`` and ``predict``; warns when it limits)."""
    cap = _SETTINGS["max_steps_per_epoch"]
    if cap and (steps is None or cap < steps):
        warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
        return cap
    return steps
