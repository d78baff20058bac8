"""Activation functions (Keras 3's ``keras.activations``), with ``get``, ``serialize`` and
``deserialize`` resolving them by name.

Only the functions registered here (and the ``custom_objects`` a caller passes) are ever
looked up: a name in a config never reaches anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepnum.activations.activations import (
    celu,
    elu,
    exponential,
    gelu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    leaky_relu,
    linear,
    log_sigmoid,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_shrink,
    softmax,
    softplus,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    step,
    swish,
    tanh,
    tanh_shrink,
    threshold,
)

__all__ = [
    "celu",
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "step",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]

# Every activation by name; ``swish`` and ``hard_swish`` are the same functions as ``silu`` and
# ``hard_silu`` (whose names ``serialize`` writes), as in Keras.
_ALL: dict[str, Callable] = {
    name: globals()[name] for name in __all__ if name not in ("deserialize", "get", "serialize")
}


def serialize(activation: Callable) -> str:
    """The name under which ``get`` finds a built-in ``activation`` (Keras writes the name).

    Example:
        >>> serialize(swish)
        'silu'
    """
    name = getattr(activation, "__name__", None)
    if name in _ALL and _ALL[name] is activation:
        return name
    raise ValueError(f"Cannot serialize activation {activation!r}: it is not a built-in.")


def deserialize(config: Any, custom_objects: dict | None = None) -> Callable:
    """The activation a ``serialize`` output (or a Keras function config) names.

    Args:
        config: a name, or a dict ``{"class_name": "function", "config": name, ...}``.
        custom_objects: extra name → function mappings, looked up first.

    Returns:
        The activation function.

    Example:
        >>> deserialize({"class_name": "function", "config": "gelu"}) is gelu
        True
    """
    objects = {**_ALL, **(custom_objects or {})}
    name = config
    if isinstance(config, dict):
        name = config.get("config") if config.get("class_name") == "function" else None
        name = name if name is not None else config.get("class_name")
    if callable(name):
        return name
    if isinstance(name, str) and name in objects:
        return objects[name]
    raise ValueError(
        f"Unknown activation {config!r}; expected one of {sorted(objects)}, or pass the function "
        "in custom_objects."
    )


def get(identifier: Any) -> Callable:
    """Resolve an activation from its name (``None`` → linear) or return a callable as is.

    Example:
        >>> get("relu").__name__
        'relu'
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _ALL.get(identifier)
        if fn is None:
            raise ValueError(
                f"Unknown activation {identifier!r}; expected one of {sorted(_ALL)} or a callable."
            )
        return fn
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation identifier: {identifier!r}.")
