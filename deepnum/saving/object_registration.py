"""The registry of user classes and functions that configs may name (Keras's
``keras.saving.register_keras_serializable`` / ``get_registered_object``)."""

from __future__ import annotations

from typing import Any

from deepnum.layers.serialization import _CUSTOM, register_keras_serializable


def get_registered_name(obj: Any) -> str:
    """The name under which ``obj`` (a class or function) is registered, else its own name.

    Example:
        >>> import deepnum as dn
        >>> @dn.saving.register_keras_serializable(package="doc")
        ... def twice(x):
        ...     return 2 * x
        >>> get_registered_name(twice)
        'doc>twice'
    """
    registered = getattr(obj, "_registered_name", None)
    if registered and _CUSTOM.get(registered) is obj:
        return registered
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(
    name: str | None, custom_objects: dict | None = None, module_objects: dict | None = None
) -> Any:
    """Look ``name`` up in ``custom_objects``, then the registry, then ``module_objects``.

    Args:
        name: a registered name (``"package>Name"``) or a plain name.
        custom_objects: name -> class or function, given by the caller.
        module_objects: a last resort mapping (e.g. a module's namespace).

    Returns:
        The object, or None when the name is nowhere.

    Example:
        >>> get_registered_object("doc>twice").__name__
        'twice'
    """
    if name is None:
        return None
    for table in (custom_objects or {}, _CUSTOM, module_objects or {}):
        if name in table:
            return table[name]
    return None


__all__ = ["get_registered_name", "get_registered_object", "register_keras_serializable"]
