"""Resolve the identifiers that ``get``/``deserialize`` accept: names and Keras-format configs.

One rule for every family (activations, initializers, regularizers, constraints, losses,
metrics): a name or a config is looked up among ``custom_objects``, the objects registered with
``register_keras_serializable`` and the family's own objects, and nowhere else. An unknown name,
a malformed config or a lambda is a ``ValueError`` that names it, lists the valid choices and
says how to make a custom object loadable. Code from a config (a lambda's bytecode) runs only
once ``deepnum.config.enable_unsafe_deserialization()`` has been called, as in Keras.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Mapping
from typing import Any

_FIX = (
    "For a custom {kind}, pass it in custom_objects={{{name!r}: ...}} or decorate it with "
    "@deepnum.saving.register_keras_serializable()."
)


def snake_case(name: str) -> str:
    """Keras's snake-case alias of a class name: ``"GlorotUniform"`` → ``"glorot_uniform"``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def registered(name: str | None, custom_objects: Mapping | None = None) -> Any:
    """``name`` in ``custom_objects``, else in the registry of ``register_keras_serializable``
    (None when it is in neither)."""
    if not name:
        return None
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    # The registry lives with the layers (a higher package): looked up only for names that are
    # not the family's own, so building blocks never import it at import time.
    from deepnum.layers.serialization import _CUSTOM

    return _CUSTOM.get(name)


# Longer lists of valid names are summarised in messages (metrics have over a hundred).
_LISTED = 40


def unknown(kind: str, name: Any, choices: Mapping | list, what: str = "") -> ValueError:
    """The error for a name that is nowhere: the valid choices, a close match and the fix."""
    names = sorted(choices)
    close = difflib.get_close_matches(str(name), names, n=3) if isinstance(name, str) else []
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    if len(names) <= _LISTED:
        valid = f"Expected one of {names}."
    else:
        valid = f"Expected one of deepnum's {len(names)} {kind} names ({', '.join(names[:8])}, …)."
    head = f"Could not locate {what} {name!r}" if what else f"Unknown {kind} {name!r}"
    return ValueError(f"{head}.{hint} {valid} " + _FIX.format(kind=kind, name=name))


def lookup(
    name: str, kind: str, module_objects: Mapping, custom_objects: Mapping | None = None
) -> Any:
    """The object named ``name``: custom objects first, then the family's, then registered."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in module_objects:
        return module_objects[name]
    found = registered(name, None)
    if found is None:
        raise unknown(kind, name, module_objects)
    return found


def _malformed(kind: str, config: Any, why: str) -> ValueError:
    return ValueError(
        f"Could not interpret {kind} config {config!r}: {why}. Expected a name or a dict "
        "{'class_name': ..., 'config': {...}} (the output of serialize())."
    )


def _function(config: dict, kind: str, module_objects: Mapping, custom_objects: Any) -> Any:
    name = config.get("config")
    if not isinstance(name, str):
        raise _malformed(kind, config, "a 'function' entry needs the function's name as 'config'")
    found = registered(name, custom_objects)
    if found is None and name in module_objects:
        found = module_objects[name]
    if found is None:
        raise unknown(kind, name, module_objects, what="function")
    return found


def _instantiate(cls: type, inner: Any, kind: str, config: dict) -> Any:
    if not isinstance(inner, dict):
        raise _malformed(kind, config, "its 'config' entry must be a dict")
    try:
        return cls.from_config(dict(inner)) if hasattr(cls, "from_config") else cls(**inner)
    except TypeError as e:
        try:
            accepted = f" {cls.__name__} accepts {list(inspect.signature(cls).parameters)}."
        except (TypeError, ValueError):
            accepted = ""
        raise ValueError(
            f"Could not build {kind} {cls.__name__} from config {inner!r}: {e}.{accepted}"
        ) from e


def _lambda(config: dict, kind: str) -> Any:
    """A lambda's function, only once unsafe deserialization is enabled (as in Keras)."""
    from deepnum.config import in_safe_mode

    if in_safe_mode():
        raise ValueError(
            f"Could not load the {kind} {config!r}: it is Python bytecode (a lambda), and "
            "running code from a config is refused by default. Give the function a name, "
            "decorate it with @deepnum.saving.register_keras_serializable() (or pass it in "
            "custom_objects) and save the model again; or, for a file you trust, call "
            "deepnum.config.enable_unsafe_deserialization() first."
        )
    # Loading bytecode is the saving package's job (a higher layer): imported on use.
    from deepnum.saving.lambdas import load_lambda

    return load_lambda(config, safe_mode=False, what=f"The {kind} config")


def deserialize_identifier(
    config: Any,
    kind: str,
    module_objects: Mapping,
    custom_objects: Mapping | None = None,
) -> Any:
    """Resolve a name or a Keras-format config dict of one family.

    Args:
        config: a name (``"relu"``, ``"GlorotUniform"``) or ``{"class_name", "config", ...}``;
            ``class_name`` ``"function"`` names a function in ``config``.
        kind: the family in words, for messages (``"initializer"``).
        module_objects: the family's own objects by name.
        custom_objects: name -> class or function, given by the caller.

    Returns:
        The object for a name (a class or a function, not instantiated); an instance for a
        class config, the function for a function config.

    Raises:
        ValueError: an unknown name, a malformed config or a lambda.
    """
    if isinstance(config, str):
        return lookup(config, kind, module_objects, custom_objects)
    if not isinstance(config, dict):
        raise _malformed(kind, config, f"a {type(config).__name__} is neither a name nor a dict")
    class_name = config.get("class_name")
    if not isinstance(class_name, str):
        raise _malformed(kind, config, "it has no 'class_name' string")
    if class_name == "__lambda__":
        return _lambda(config, kind)
    if class_name == "function":
        return _function(config, kind, module_objects, custom_objects)
    found = registered(config.get("registered_name"), custom_objects)
    if found is None:
        found = registered(class_name, custom_objects)
    if found is None:
        found = module_objects.get(class_name)
    if found is None:
        raise unknown(kind, class_name, module_objects, what="class")
    if not inspect.isclass(found):
        return found
    return _instantiate(found, config.get("config", {}), kind, config)
