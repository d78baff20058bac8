"""The registry of user classes and functions that configs may name (Keras's
``register_keras_serializable``, ``get_custom_objects``, ``custom_object_scope``,
``get_registered_name``, ``get_registered_object``).

There is one registry, ``get_custom_objects()``: every lookup of a class name in a config
(layers, models, optimizers, losses, ...) consults it, so objects registered there, by the
decorator, or for the duration of a ``custom_object_scope`` can be loaded — and nothing else
that is not deepnum's own: a config never makes deepnum import a module.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from deepnum.layers.serialization import _CUSTOM
from deepnum.layers.serialization import register_keras_serializable as _register


def get_custom_objects() -> dict[str, Any]:
    """The global name → class/function registry itself (a mutable dict).

    Registering with :func:`register_keras_serializable` adds ``"package>Name"`` entries;
    adding an entry by hand (``get_custom_objects()["MyLayer"] = MyLayer``) makes configs
    naming ``MyLayer`` loadable.

    Example:
        >>> import deepnum as dn
        >>> class Twice(dn.layers.Layer):
        ...     def call(self, x):
        ...         return 2 * x
        >>> get_custom_objects()["Twice"] = Twice
        >>> type(dn.layers.deserialize({"class_name": "Twice", "config": {}})).__name__
        'Twice'
        >>> del get_custom_objects()["Twice"]
    """
    return _CUSTOM


class CustomObjectScope:
    """Make objects loadable by name inside a ``with`` block — Keras's
    ``keras.saving.custom_object_scope`` (also ``CustomObjectScope``).

    On entering, the objects join the registry of :func:`get_custom_objects` (replacing
    entries of the same name for the duration); on leaving, the registry is as before. Scopes
    nest. Unlike Keras's thread-local scopes, the registry is shared by all threads.

    Args:
        custom_objects: name → class or function; ``None`` adds nothing.

    Example:
        >>> import deepnum as dn
        >>> class Twice(dn.layers.Layer):
        ...     def call(self, x):
        ...         return 2 * x
        >>> with custom_object_scope({"Twice": Twice}):
        ...     layer = dn.layers.deserialize({"class_name": "Twice", "config": {}})
        >>> type(layer).__name__, "Twice" in get_custom_objects()
        ('Twice', False)
    """

    def __init__(self, custom_objects: dict[str, Any] | None) -> None:
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError(
                "custom_object_scope: `custom_objects` must be a dict of name -> class or "
                f"function. Received: {custom_objects!r}"
            )
        self.custom_objects = dict(custom_objects or {})
        self.backup: dict[str, Any] | None = None

    def __enter__(self) -> CustomObjectScope:
        self.backup = {k: _CUSTOM[k] for k in self.custom_objects if k in _CUSTOM}
        _CUSTOM.update(self.custom_objects)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        for key in self.custom_objects:
            _CUSTOM.pop(key, None)
        _CUSTOM.update(self.backup or {})


custom_object_scope = CustomObjectScope


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Decorator: register a class or function under ``"package>name"`` so that configs
    naming it can be loaded (and :func:`get_registered_name` gives that name).

    Args:
        package: the package part of the name (default ``"Custom"``).
        name: the name part (default: the class's or function's ``__name__``).

    Returns:
        The decorator, which returns its argument unchanged.

    Raises:
        ValueError: for a class without ``get_config()``, as in Keras.

    Example:
        >>> @register_keras_serializable(package="doc")
        ... def twice(x):
        ...     return 2 * x
        >>> get_registered_name(twice), get_registered_object("doc>twice") is twice
        ('doc>twice', True)
    """

    def decorator(arg: Any) -> Any:
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(
                f"register_keras_serializable: cannot register class {arg.__name__!r}, which "
                "does not have a get_config() method."
            )
        return _register(package, name)(arg)

    return decorator


def get_registered_name(obj: Any) -> str:
    """The name under which ``obj`` (a class or function) is registered, else its own name.

    Example:
        >>> get_registered_name(len)
        'len'
    """
    registered = getattr(obj, "_registered_name", None)
    if registered and _CUSTOM.get(registered) is obj:
        return registered
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(
    name: str | None, custom_objects: dict | None = None, module_objects: dict | None = None
) -> Any:
    """Look ``name`` up in the registry (scopes included), then ``custom_objects``, then
    ``module_objects`` — Keras's order.

    Args:
        name: a registered name (``"package>Name"``) or a plain name.
        custom_objects: name → class or function, given by the caller.
        module_objects: a last-resort mapping (e.g. a module's built-in objects).

    Returns:
        The object, or None when the name is nowhere.

    Example:
        >>> get_registered_object("relu", module_objects={"relu": max}) is max
        True
    """
    if name is None:
        return None
    for table in (_CUSTOM, custom_objects or {}, module_objects or {}):
        if name in table:
            return table[name]
    return None


__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
]
