"""``keras.layers.serialize`` / ``keras.layers.deserialize``: a layer's Keras 3 config dict.

They reach up to ``deepnum.saving`` at call time (the one place that knows Keras's complete
schema: dtype policies, nested layers, registered classes), like ``layers/serialization.py``
reaches up to ``deepnum.models``.
"""

from __future__ import annotations

from typing import Any


def serialize(layer: Any) -> dict:
    """The Keras 3 description of a layer (or model): ``{"module", "class_name", "config",
    "registered_name", "build_config"}``, as ``keras.layers.serialize`` writes it.

    Args:
        layer: a deepnum layer.

    Returns:
        A JSON-compatible dict.

    Example:
        >>> import deepnum as dn
        >>> d = dn.layers.serialize(dn.layers.Dense(3))
        >>> d["class_name"], d["config"]["units"]
        ('Dense', 3)
    """
    from deepnum.layers.layer import Layer
    from deepnum.saving.serialization import serialize_keras_object

    if not isinstance(layer, Layer):
        raise TypeError(
            f"layers.serialize: expected a deepnum layer, received {type(layer).__name__}."
        )
    return serialize_keras_object(layer)


def deserialize(config: dict, custom_objects: dict | None = None) -> Any:
    """Rebuild a layer from :func:`serialize`'s output, Keras's, or Keras 2's
    ``{"class_name", "config"}``. Classes are looked up among deepnum's own, the registered
    ones and ``custom_objects`` only.

    Args:
        config: the layer's description.
        custom_objects: name → class for user layers.

    Returns:
        A new layer.

    Raises:
        ValueError: when the config does not describe a layer.

    Example:
        >>> import deepnum as dn
        >>> dn.layers.deserialize({"class_name": "Dense", "config": {"units": 3}}).units
        3
    """
    from deepnum.layers.layer import Layer
    from deepnum.saving.serialization import deserialize_keras_object

    obj = deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(obj, Layer):
        raise ValueError(
            "layers.deserialize was passed a `config` object that is not a layer. Received: "
            f"{config!r}"
        )
    return obj
