"""Activation functions (Keras 3's ``keras.activations``), with ``get``, ``serialize`` and
``deserialize`` resolving them by name.

Only the functions registered here (and the ``custom_objects`` a caller passes) are ever
looked up: a name in a config never reaches anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepnum._identifiers import deserialize_identifier, lookup
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
    """The activation a name or a Keras config names.

    Args:
        config: a name; a function config ``{"class_name": "function", "config": name}``; a
            registered class's config (an instance); or an activation layer's config
            (``Dense(activation=LeakyReLU())``, rebuilt as that layer).
        custom_objects: name → function or class, looked up first.

    Returns:
        The activation.

    Raises:
        ValueError: an unknown name, a malformed config or a lambda (never a silent linear).

    Example:
        >>> deserialize({"class_name": "function", "config": "gelu"}) is gelu
        True
    """
    if isinstance(config, dict) and str(config.get("module") or "").startswith("keras.layers"):
        # The layer registry sits above this package: imported on use.
        from deepnum.layers.serialization import deserialize as deserialize_layer

        return deserialize_layer(config, custom_objects)
    return deserialize_identifier(config, "activation", _ALL, custom_objects)


def get(identifier: Any) -> Callable:
    """Resolve an activation: ``None`` → linear, a name, a config dict, or a callable as is.

    Raises:
        ValueError: an unknown name, a malformed or lambda config, or anything else.

    Example:
        >>> get("relu").__name__
        'relu'
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        obj = lookup(identifier, "activation", _ALL)
    elif isinstance(identifier, dict):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret activation function identifier: {identifier!r}. Expected a name "
        "such as 'relu', a config dict or a callable."
    )
