"""Functions inside configs: Keras's ``function`` references, ``__lambda__`` bytecode (only with
``safe_mode=False``), and the other ``__special__`` values of Keras's schema."""

from __future__ import annotations

import base64
import binascii
import builtins
import json
import marshal
import types
from typing import Any

import numpy as np

from deepnum import config as global_config
from deepnum.saving.object_registration import get_registered_name, get_registered_object

_UNSAFE = (
    "it contains Python bytecode (a lambda), and running code from a model file is refused "
    "by default. If you trust the file, load it with safe_mode=False (or call "
    "deepnum.config.enable_unsafe_deserialization()); better, give the "
    "function a name, register it with @deepnum.saving.register_keras_serializable() and "
    "save the model again."
)


def _builtin_function(name: str) -> Any:
    """A deepnum activation, loss or metric function by name, or None."""
    from deepnum import activations, losses, metrics

    for lookup in (activations.get, losses.get, metrics.get_function):
        try:
            fn = lookup(name)
        except (ValueError, TypeError, KeyError):
            continue
        if isinstance(fn, types.FunctionType):
            return fn
    return None


def _is_deepnum_builtin(fn: Any) -> bool:
    name = getattr(fn, "__name__", None)
    return (
        str(getattr(fn, "__module__", "")).startswith("deepnum.")
        and name is not None
        and _builtin_function(name) is fn
    )


# ------------------------------------------------------------------------ saving
def func_dump(fn: types.FunctionType) -> tuple[str, Any, Any]:
    """``(base64 marshalled code, defaults, closure values)`` as Keras's ``func_dump``."""
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    try:
        json.dumps([fn.__defaults__, closure])
    except TypeError as e:
        raise ValueError(
            f"Cannot save the lambda {fn!r}: its defaults or closure values are not "
            f"JSON-serializable ({e}). Use a named, registered function instead."
        ) from None
    return code, fn.__defaults__, closure


def serialize_function(fn: Any, as_lambda: bool = False) -> dict:
    """Keras's description of a function: a name reference, or bytecode for a lambda.

    Args:
        fn: the function.
        as_lambda: use the form of a ``Lambda`` layer's ``function`` key
            (``{"code", "defaults", "closure"}``) rather than ``{"value": ...}``.
    """
    if isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>":
        code, defaults, closure = func_dump(fn)
        if as_lambda:
            return {
                "class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure},
            }
        return {"class_name": "__lambda__", "config": {"value": [code, defaults, closure]}}
    if _is_deepnum_builtin(fn):
        return {
            "module": "builtins",
            "class_name": "function",
            "config": fn.__name__,
            "registered_name": "function",
        }
    module = getattr(fn, "__module__", None)
    name = get_registered_name(fn)
    return {
        "module": None if module in ("__main__", None) else module,
        "class_name": "function",
        "config": name,
        "registered_name": name,
    }


# ------------------------------------------------------------------------ loading
def func_load(code: Any, defaults: Any = None, closure: Any = None) -> types.FunctionType:
    """Rebuild a function from ``func_dump``'s output. Runs untrusted code: only call it for
    files loaded with ``safe_mode=False``."""
    import deepnum

    if isinstance(code, (list, tuple)):
        code, defaults, closure = code
    try:
        raw = base64.b64decode(code.encode("ascii"))
    except (UnicodeEncodeError, binascii.Error):
        raw = code.encode("raw_unicode_escape")
    compiled = marshal.loads(raw)
    if not isinstance(compiled, types.CodeType):
        raise ValueError("The serialized lambda does not hold a code object.")
    cells = tuple(types.CellType(v) for v in closure) if closure else None
    namespace = {
        "__builtins__": builtins,
        "keras": deepnum,
        "deepnum": deepnum,
        "np": np,
        "ops": deepnum.ops,
    }
    return types.FunctionType(
        compiled, namespace, compiled.co_name, tuple(defaults) if defaults else None, cells
    )


def resolve_function(config: Any, custom_objects: dict) -> Any:
    """The function a ``{"class_name": "function", ...}`` reference (or a plain name) names:
    looked up in ``custom_objects``, the registry, then deepnum's built-in functions."""
    if isinstance(config, str):
        names, module = [config], "builtins"
    else:
        names = [config.get("config"), config.get("registered_name")]
        module = config.get("module")
    for name in names:
        if isinstance(name, str):
            found = get_registered_object(name, custom_objects)
            if found is not None:
                return found
            if ">" not in name:
                for key, value in custom_objects.items():
                    if key.endswith(f">{name}"):
                        return value
    name = names[0]
    if isinstance(name, str) and (
        module in (None, "builtins") or str(module).startswith(("keras", "deepnum"))
    ):
        fn = _builtin_function(name)
        if fn is not None:
            return fn
    raise ValueError(
        f"Unknown function {name!r}: it is neither a deepnum function nor registered. "
        "Register it with @deepnum.saving.register_keras_serializable() or pass "
        "custom_objects={...}."
    )


def load_lambda(spec: dict, safe_mode: bool, what: str) -> types.FunctionType:
    """The function of a ``__lambda__`` spec, or a ValueError naming ``what`` in safe mode
    (``deepnum.config.enable_unsafe_deserialization()`` turns safe mode off everywhere)."""
    if safe_mode and global_config.in_safe_mode():
        raise ValueError(f"{what}: {_UNSAFE}")
    inner = spec.get("config") or {}
    if "value" in inner:
        return func_load(inner["value"])
    return func_load(inner.get("code"), inner.get("defaults"), inner.get("closure"))


def deserialize_special(config: dict, custom_objects: dict, safe_mode: bool) -> Any:
    """Decode ``__numpy__``, ``__bytes__``, ``__slice__``, ``__ellipsis__``, ``__tensor__``,
    ``__lambda__`` and ``function`` entries."""
    kind = config["class_name"]
    inner = config.get("config") or {}
    if kind in ("__numpy__", "__tensor__"):
        dtype = np.dtype(inner.get("dtype", "float32"))
        if dtype.kind not in "biufc":
            raise ValueError(f"{kind}: dtype {dtype.name!r} is not numeric.")
        return np.array(inner["value"], dtype=dtype)
    if kind == "__bytes__":
        return str(inner["value"]).encode("utf-8")
    if kind == "__ellipsis__":
        return Ellipsis
    if kind == "__slice__":
        parts = [
            deserialize_special(p, custom_objects, safe_mode) if isinstance(p, dict) else p
            for p in (inner.get("start"), inner.get("stop"), inner.get("step"))
        ]
        return slice(*parts)
    if kind == "__lambda__":
        return load_lambda(config, safe_mode, "A config entry")
    if kind == "function":
        return resolve_function(config, custom_objects)
    if kind == "__in_memory_function__":
        name = inner.get("name")
        if name in custom_objects:
            return custom_objects[name]
        raise ValueError(
            f"The function {name!r} was not saved with the model (deepnum never stores code "
            f"without safe_mode=False); pass it as custom_objects={{{name!r}: function}}."
        )
    raise ValueError(f"Unknown special object {kind!r} in the config.")


def prepare_lambda_config(inner: dict, custom_objects: dict, safe_mode: bool) -> None:
    """Resolve a Lambda layer's ``function`` (and callable ``output_shape``/``mask``) in place;
    the function goes into ``custom_objects`` under a private key that the config names."""
    what = f"Lambda layer {inner.get('name')!r}"
    function_type = inner.pop("function_type", None)  # Keras 2 configs
    inner.pop("module", None)
    inner.pop("output_shape_module", None)
    output_shape_type = inner.pop("output_shape_type", None)
    for key, kind in (
        ("function", function_type),
        ("output_shape", output_shape_type),
        ("mask", None),
    ):
        spec = inner.get(key)
        fn = _spec_function(spec, kind, custom_objects, safe_mode, what)
        if fn is None:
            continue
        if key == "function":
            token = f"__deepnum_function_{len(custom_objects)}_{inner.get('name')}"
            custom_objects[token] = fn
            inner[key] = {"class_name": "__in_memory_function__", "config": {"name": token}}
        else:
            inner[key] = fn


def _spec_function(spec: Any, kind: Any, custom_objects: dict, safe_mode: bool, what: str) -> Any:
    if kind == "lambda" or (
        isinstance(spec, (list, tuple))
        and kind is None
        and spec
        and isinstance(spec[0], str)
        and len(spec) == 3
    ):
        return load_lambda({"config": {"value": list(spec)}}, safe_mode, what)
    if kind == "function" and isinstance(spec, str):
        return resolve_function(spec, custom_objects)
    if not isinstance(spec, dict):
        return None
    if spec.get("class_name") == "__lambda__":
        return load_lambda(spec, safe_mode, what)
    if spec.get("class_name") == "function":
        return resolve_function(spec, custom_objects)
    return None
