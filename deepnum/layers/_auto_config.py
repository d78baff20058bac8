"""The config Keras writes for a layer class that does not define ``get_config``: the
constructor arguments it was created with, when they are plain values.

Keras records the arguments of ``__init__`` as each layer is created and returns them from the
default ``get_config``; arguments that JSON cannot hold (a layer, a function, an array) make
``get_config`` raise ``NotImplementedError`` with an example of the method to write. A
subclassed ``Model`` records no arguments (Keras's ``Model.__new__`` drops them), so its
default config holds the defaults of ``__init__``, or the same error when some argument has no
default.
"""

from __future__ import annotations

import inspect
from typing import Any

_PLAIN = (str, int, float, bool, type(None))

_EXAMPLE = """
    class CustomLayer(keras.layers.Layer):
        def __init__(self, arg1, arg2, **kwargs):
            super().__init__(**kwargs)
            self.arg1 = arg1
            self.arg2 = arg2

        def get_config(self):
            config = super().get_config()
            config.update({
                "arg1": self.arg1,
                "arg2": self.arg2,
            })
            return config"""


class InitArgs:
    """The arguments a layer was created with; an opaque holder, so that the layers among
    them are not taken for sub-layers when the layer's attributes are walked."""

    __slots__ = ("args", "kwargs")

    def __init__(self, args: tuple, kwargs: dict) -> None:
        self.args, self.kwargs = args, kwargs


def _leaves(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _leaves(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    return [value]


def recorded_config(obj: Any, args: tuple, kwargs: dict) -> dict:
    """The arguments ``args``/``kwargs`` given to ``type(obj).__init__``, by name, with the
    defaults filled in (``name`` left out, ``**kwargs`` merged in).

    Raises:
        NotImplementedError: when the arguments cannot be written as plain values (Keras's
            message and example), or cannot be named (positional-only or ``*args``).
    """
    init = type(obj).__init__
    signature = inspect.signature(init)
    spec = inspect.getfullargspec(init)
    named = True
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError:
        bound, named = None, None
    if bound is not None:
        positional_only = any(
            p.kind is p.POSITIONAL_ONLY
            for n, p in signature.parameters.items()
            if n != spec.args[0]
        )
        bound.apply_defaults()
        values = dict(bound.arguments)
        values.update(values.pop(spec.varkw, {}) if spec.varkw else {})
        values.pop(spec.args[0], None)
        values.pop("name", None)
        varargs = values.pop(spec.varargs, ()) if spec.varargs else ()
        if positional_only or varargs:
            named = False
        elif all(isinstance(v, _PLAIN) for v in _leaves(values)):
            return values
    raise NotImplementedError(_message(type(obj).__name__, named is False))


def _message(class_name: str, unnamed: bool) -> str:
    if unnamed:
        reason = (
            "positional only or variadic positional arguments (e.g., `*args`) to `__init__()`, "
            "which is not supported by the automatic config generation. Please remove all "
            "positional only and variadic arguments from `__init__()` or override "
            "`get_config()` and `from_config()` to make the object serializable."
        )
    else:
        reason = (
            "non-serializable argument values in `__init__()`, and therefore the object must "
            "override `get_config()` in order to be serializable. Please implement "
            "`get_config()`."
        )
    return f"Object {class_name} was created by passing {reason}\n\nExample:\n{_EXAMPLE}"


def keeps_name(obj: Any) -> bool:
    """Whether ``__init__`` can take ``name`` back (Keras drops it from the config if not)."""
    params = inspect.signature(type(obj).__init__).parameters
    return "name" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
