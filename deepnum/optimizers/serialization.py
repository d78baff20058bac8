"""Keras-format configs for optimizers and schedules, resolved only against known classes.

A serialized object is Keras 3's dict ``{"module", "class_name", "config", "registered_name"}``,
so configs move between Keras and deepnum. Deserialization never imports or executes code: the
class name is looked up among the built-in classes, the ``custom_objects`` passed in and the
classes registered with ``register_keras_serializable``.
"""

from __future__ import annotations

from typing import Any

from deepnum._identifiers import registered


def serialize_object(obj: Any, module: str, builtins: dict[str, type]) -> dict[str, Any]:
    """Return ``obj``'s Keras-format config dict.

    Args:
        obj: an object with ``get_config()``.
        module: the Keras module of the built-in classes (``"keras.optimizers"``).
        builtins: lower-case class name -> built-in class.

    Returns:
        ``{"module", "class_name", "config", "registered_name"}``.
    """
    cls = type(obj)
    builtin = builtins.get(cls.__name__.lower()) is cls
    return {
        "module": module if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": obj.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def resolve_class(
    config: dict[str, Any],
    builtins: dict[str, type],
    custom_objects: dict[str, Any] | None,
    kind: str,
) -> type:
    """Find the class named by a Keras-format config.

    Built-in names match case-insensitively (``"adam"``, ``"Adam"``); custom classes match by
    their exact ``class_name`` or ``registered_name`` in ``custom_objects``.

    Raises:
        ValueError: the config is malformed or names no known class.
    """
    if (
        not isinstance(config, dict)
        or not isinstance(config.get("class_name"), str)
        or not isinstance(config.get("config", {}), dict)
    ):
        raise ValueError(
            f"Could not deserialize {kind}: expected a dict with a 'class_name' string and a "
            f"'config' dict (the output of serialize()). Received: {config!r}"
        )
    for key in (config.get("registered_name"), config["class_name"]):
        found = registered(key, custom_objects)
        if found is not None:
            return found
    name = config["class_name"]
    cls = builtins.get(name.lower())
    if cls is None:
        known = sorted({c.__name__ for c in builtins.values()})
        raise ValueError(
            f"Unknown {kind} {name!r}. Expected one of {known} (any case); for a custom "
            f"{kind}, pass the class in custom_objects={{{name!r}: ...}} or decorate it with "
            "@deepnum.saving.register_keras_serializable()."
        )
    return cls


def build_from_config(cls: type, config: dict[str, Any], kind: str, **kwargs: Any) -> Any:
    """``cls.from_config(config["config"], **kwargs)``; a config the class does not accept
    (an unknown or missing argument) is a ValueError naming the class and the arguments."""
    inner = dict(config.get("config", {}))
    try:
        return cls.from_config(inner, **kwargs)
    except TypeError as e:
        raise ValueError(
            f"Could not build {kind} {cls.__name__} from its config {inner!r}: {e}. Check the "
            "argument names against the class's signature."
        ) from e
