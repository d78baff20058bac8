"""``keras.utils.legacy``: Keras 2's serialization format, ``{"class_name", "config"}``.

Loading stays safe: a class or function name is looked up only in ``custom_objects``, the
registry (``deepnum.saving.get_custom_objects``, scopes included) and the ``module_objects``
the caller passes; nothing is imported.
"""

from __future__ import annotations

import inspect
from typing import Any

_PASSIVE = "__passive_serialization__"


def serialize_keras_object(instance: Any) -> Any:
    """The Keras 2 description of an object: ``{"class_name": <registered name>, "config":
    get_config()}``, nested objects serialized the same way (marked
    ``"__passive_serialization__"``); a function is its registered name.

    Args:
        instance: an object with ``get_config()``, a function or class, or None.

    Returns:
        A JSON-compatible dict, a name, or None.

    Example:
        >>> import deepnum as dn
        >>> d = serialize_keras_object(dn.layers.Dense(2))
        >>> d["class_name"], d["config"]["units"]
        ('Dense', 2)
    """
    from deepnum.saving.object_registration import get_registered_name

    instance = inspect.unwrap(instance) if callable(instance) else instance
    if instance is None:
        return None
    if hasattr(instance, "get_config") and not inspect.isclass(instance):
        config = {}
        for key, item in _config_of(instance).items():
            if isinstance(item, str) or not hasattr(item, "get_config"):
                config[key] = item
                continue
            serialized = serialize_keras_object(item)
            if isinstance(serialized, dict):
                serialized[_PASSIVE] = True
            config[key] = serialized
        return {"class_name": get_registered_name(type(instance)), "config": config}
    if hasattr(instance, "__name__"):
        return get_registered_name(instance)
    raise ValueError(f"Cannot serialize {instance!r} because it doesn't implement `get_config()`.")


def _config_of(instance: Any) -> dict:
    """``get_config()``; for a layer, in Keras's form (dtype policies, nested layers)."""
    from deepnum.layers.layer import Layer
    from deepnum.saving.serialization import serialize_keras_object as serialize_v3

    if isinstance(instance, Layer):
        return serialize_v3(instance)["config"]
    return instance.get_config()


def deserialize_keras_object(
    identifier: Any,
    module_objects: dict[str, Any] | None = None,
    custom_objects: dict[str, Any] | None = None,
    printable_module_name: str = "object",
) -> Any:
    """Rebuild an object from its Keras 2 description (or find a function by name).

    Args:
        identifier: ``{"class_name", "config"}``, a name, or None.
        module_objects: the built-in objects to look names up in (e.g. ``{"Dense": Dense}``).
        custom_objects: user objects, looked up before ``module_objects``.
        printable_module_name: what the object is, for the error message.

    Returns:
        The object (``cls.from_config(config)``, or ``cls(**config)`` without ``from_config``),
        the function for a name, or None.

    Raises:
        ValueError: for a name found nowhere.

    Example:
        >>> import deepnum as dn
        >>> layer = deserialize_keras_object(
        ...     {"class_name": "Dense", "config": {"units": 3}}, {"Dense": dn.layers.Dense}
        ... )
        >>> layer.units
        3
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _lookup(identifier, module_objects, custom_objects, printable_module_name)
    if not isinstance(identifier, dict) or "class_name" not in identifier:
        raise ValueError(
            f"Could not interpret serialized {printable_module_name}: {identifier!r}. Expected "
            'a name or {"class_name": ..., "config": ...}.'
        )
    cls = _lookup(identifier["class_name"], module_objects, custom_objects, printable_module_name)
    config = {}
    for key, value in (identifier.get("config") or {}).items():
        if isinstance(value, dict) and value.get(_PASSIVE):
            value = {k: v for k, v in value.items() if k != _PASSIVE}
            value = deserialize_keras_object(
                value, module_objects, custom_objects, printable_module_name
            )
        config[key] = value
    if not hasattr(cls, "from_config"):
        return cls(**config)
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, custom_objects=dict(custom_objects or {}))
    return cls.from_config(config)


def _lookup(name: str, module_objects: Any, custom_objects: Any, what: str) -> Any:
    from deepnum.saving.object_registration import get_registered_object

    found = (custom_objects or {}).get(name)
    if found is None:
        found = get_registered_object(name, None, module_objects)
    if found is None:
        raise ValueError(
            f"Unknown {what}: '{name}'. Please ensure you are using a "
            "`deepnum.utils.custom_object_scope` and that this object is included in the "
            "scope, or register it with `deepnum.saving.register_keras_serializable()`."
        )
    return found
