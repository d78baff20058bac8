"""Layer configs in Keras 3's serialized form, and the registry of classes they may name.

A class name read from a config is resolved only against deepnum's own classes and classes
registered explicitly (``register_keras_serializable`` or ``custom_objects``): a config can
never make deepnum import or run arbitrary code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_CUSTOM: dict[str, type] = {}


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Class decorator: make a custom class loadable from configs as ``"package>Name"``.

    Example:
        >>> import deepnum as dn
        >>> @dn.saving.register_keras_serializable(package="demo")
        ... class Double(dn.layers.Layer):
        ...     def call(self, x):
        ...         return x * 2
    """

    def decorator(cls: type) -> type:
        key = f"{package}>{name or cls.__name__}"
        _CUSTOM[key] = cls
        cls._registered_name = key
        return cls

    return decorator


def builtin_classes() -> dict[str, type]:
    """deepnum's own serializable classes by Keras class name (layers and models)."""
    import deepnum.layers as layers_module
    import deepnum.models as models_module
    from deepnum.layers.layer import Layer

    out: dict[str, type] = {}
    for module in (layers_module, models_module):
        for name in dir(module):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, Layer):
                out[obj.__name__] = obj
                exported = vars(obj).get("_keras_export_name")  # see serialize
                if exported:
                    out[exported] = obj
    if "Model" in out:
        out["Functional"] = out["Model"]
    return out


def resolve_class(
    class_name: str, registered_name: str | None = None, custom_objects: dict | None = None
) -> type:
    """Look a class up among custom_objects, registered classes and deepnum's own classes."""
    custom_objects = custom_objects or {}
    for key in (registered_name, class_name):
        if key and key in custom_objects:
            return custom_objects[key]
        if key and key in _CUSTOM:
            return _CUSTOM[key]
    builtins = builtin_classes()
    if class_name in builtins:
        return builtins[class_name]
    raise ValueError(
        f"Unknown class {registered_name or class_name!r}: it is neither a deepnum class nor "
        "registered. Register custom classes with "
        "@deepnum.saving.register_keras_serializable() or pass custom_objects={...}."
    )


def serialize(layer: Any) -> dict:
    """``{"module", "class_name", "config", "registered_name", "build_config"}`` like Keras."""
    cls = type(layer)
    registered = getattr(cls, "_registered_name", None)
    out = {
        "module": "keras.layers" if registered is None else None,
        # Keras writes a class under its exported name, which differs from the class's own
        # name once: GroupedQueryAttention, exported as GroupQueryAttention.
        "class_name": vars(cls).get("_keras_export_name", cls.__name__),
        "config": layer.get_config(),
        "registered_name": registered,
    }
    build_config = layer.get_build_config() if hasattr(layer, "get_build_config") else None
    if build_config is not None:
        out["build_config"] = build_config
    return out


def deserialize(config: dict, custom_objects: dict | None = None) -> Any:
    """Rebuild a layer (or model) from ``serialize``'s output."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize: expected a dict with 'class_name', received {config!r}.")
    cls = resolve_class(config["class_name"], config.get("registered_name"), custom_objects)
    inner = dict(config.get("config", {}))
    if hasattr(cls, "from_config"):
        try:
            obj = (
                cls.from_config(inner, custom_objects)
                if _takes_custom(cls)
                else cls.from_config(inner)
            )
        except TypeError as e:
            raise TypeError(f"Could not rebuild {config['class_name']} from its config: {e}") from e
    else:
        obj = cls(**inner)
    if config.get("build_config") and hasattr(obj, "build_from_config"):
        obj.build_from_config(config["build_config"])
    return obj


def _takes_custom(cls: type) -> bool:
    import inspect

    return "custom_objects" in inspect.signature(cls.from_config).parameters
