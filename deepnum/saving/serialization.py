"""Keras 3's object serialization (``serialize_keras_object`` / ``deserialize_keras_object``)
for deepnum objects, both directions.

Saving writes what Keras writes: layer configs carry a ``DTypePolicy`` dict for ``dtype``,
a graph model is a ``Functional`` and a Sequential comes from module ``keras``, so Keras 3
rebuilds deepnum's files. Loading accepts Keras's configs: ``shared_object_id`` markers and
keys deepnum does not use are dropped, and classes are looked up only among deepnum's own,
registered ones and ``custom_objects``. Python code in a config (a ``Lambda`` whose function is
marshalled bytecode) is refused unless ``safe_mode=False``, as in Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.layers.layer import Layer
from deepnum.layers.serialization import _CUSTOM, resolve_class
from deepnum.saving import keras_ops, lambdas
from deepnum.saving.object_registration import get_registered_name, get_registered_object

_PLAIN = (str, int, float, bool)
# The arguments of Keras's Model.compile, the keys of a compile_config.
_COMPILE_KEYS = frozenset(
    {
        "optimizer",
        "loss",
        "loss_weights",
        "metrics",
        "weighted_metrics",
        "run_eagerly",
        "steps_per_execution",
        "jit_compile",
        "auto_scale_loss",
    }
)
_DTYPE_POLICY = "DTypePolicy"
# Keys of deepnum's configs that Keras's constructors reject (Keras omits them itself).
_NOT_IN_KERAS = {
    "SpatialDropout1D": ("trainable",),
    "SpatialDropout2D": ("trainable",),
    "SpatialDropout3D": ("trainable",),
}


# ------------------------------------------------------------------------ saving
def serialize_keras_object(obj: Any) -> Any:
    """The JSON-compatible description of ``obj`` in Keras 3's schema.

    Args:
        obj: a layer or model, optimizer, loss, metric, initializer, regularizer, constraint,
            function, NumPy array, or a (nested) list/dict of these.

    Returns:
        Plain values as they are; objects as ``{"module", "class_name", "config",
        "registered_name"}`` (layers add ``build_config``, compiled models ``compile_config``).

    Example:
        >>> import deepnum as dn
        >>> d = serialize_keras_object(dn.layers.Dense(2))
        >>> d["module"], d["class_name"], d["config"]["dtype"]["class_name"]
        ('keras.layers', 'Dense', 'DTypePolicy')
    """
    from deepnum import constraints, initializers, losses, metrics, optimizers, regularizers

    if obj is None or isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:
            return obj.item()
        return {
            "class_name": "__numpy__",
            "config": {"value": obj.tolist(), "dtype": obj.dtype.name},
        }
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, slice):
        parts = {"start": obj.start, "stop": obj.stop, "step": obj.step}
        return {"class_name": "__slice__", "config": serialize_keras_object(parts)}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, Layer):
        return serialize_layer(obj)
    families = (
        (optimizers.schedules.LearningRateSchedule, optimizers.schedules.serialize),
        (optimizers.Optimizer, optimizers.serialize),
        (losses.Loss, losses.serialize),
        (metrics.Metric, metrics.serialize),
        (initializers.Initializer, initializers.serialize),
        (regularizers.Regularizer, regularizers.serialize),
        (constraints.Constraint, constraints.serialize),
    )
    for base, serialize in families:
        if isinstance(obj, base):
            out = serialize(obj)
            return _mark_registered(out, obj)
    if callable(obj):
        return lambdas.serialize_function(obj)
    raise TypeError(
        f"serialize_keras_object: cannot serialize {obj!r} of type {type(obj).__name__}; "
        "expected a deepnum layer, model, optimizer, loss, metric, initializer, regularizer, "
        "constraint, function, array or plain value."
    )


def _mark_registered(out: dict, obj: Any) -> dict:
    registered = getattr(type(obj), "_registered_name", None)
    if registered and _CUSTOM.get(registered) is type(obj):
        out["module"] = _module_of(type(obj))
        out["registered_name"] = registered
    return out


def serialize_layer(layer: Layer) -> dict:
    """A layer's or model's Keras 3 description, with ``build_config`` and, for a compiled
    model, ``compile_config``."""
    from deepnum.layers.serialization import serialize

    out = to_keras_layer_dict(serialize(layer), _layers_by_name(layer))
    compile_config = get_compile_config(layer)
    if compile_config:
        out["compile_config"] = compile_config
    return out


def _module_of(cls: type) -> str | None:
    module = cls.__module__
    return None if module in ("__main__", "builtins") else module


def to_keras_layer_dict(entry: dict, layers: dict[str, Any] | None = None) -> dict:
    """Turn deepnum's serialized layer (and, recursively, the layers inside its config) into
    what Keras 3 writes. ``layers`` maps names to the layer objects (for Lambda functions and
    Keras operations)."""
    layers = layers or {}
    obj = layers.get((entry.get("config") or {}).get("name"))
    if isinstance(obj, keras_ops.KerasOperation):
        out = {k: v for k, v in entry.items() if k != "build_config"}
        out.update(keras_ops.serialize(obj))
        if isinstance(out.get("inbound_nodes"), list):
            out["inbound_nodes"] = [_encode_node(node) for node in out["inbound_nodes"]]
        return out
    try:
        cls = resolve_class(entry["class_name"], entry.get("registered_name"))
    except ValueError:
        return entry
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        return entry
    out = dict(entry)
    config = dict(entry.get("config") or {})
    registered = entry.get("registered_name")
    if registered:
        out["module"] = _module_of(cls)
    elif cls.__name__ == "Sequential":
        out["module"] = "keras"
        if "build_config" not in out and config.get("build_input_shape") is not None:
            out["build_config"] = {"input_shape": config["build_input_shape"]}
    elif cls.__name__ == "Model" and "input_layers" in config:
        out["module"], out["class_name"] = "keras.src.models.functional", "Functional"
    if cls.__name__ != "InputLayer" and isinstance(config.get("dtype"), str):
        config["dtype"] = dtype_policy(config["dtype"])
    for key in _NOT_IN_KERAS.get(cls.__name__, ()):
        config.pop(key, None)
    if cls.__name__ == "Lambda" and isinstance(obj, Layer) and hasattr(obj, "function"):
        config["function"] = lambdas.serialize_function(obj.function, as_lambda=True)
    for key, value in config.items():
        if _looks_like_layer(value):
            config[key] = to_keras_layer_dict(value, layers)
        elif isinstance(value, list) and value and all(_looks_like_layer(v) for v in value):
            config[key] = [to_keras_layer_dict(v, layers) for v in value]
    out["config"] = config
    if isinstance(out.get("inbound_nodes"), list):
        out["inbound_nodes"] = [_encode_node(node) for node in out["inbound_nodes"]]
    return out


def _encode_node(node: Any) -> Any:
    """Encode the non-tensor arguments of a node (slices, arrays, ...) as Keras does."""

    def encode(value: Any) -> Any:
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            return value
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        return serialize_keras_object(value)

    return encode(node) if isinstance(node, dict) else node


def dtype_policy(name: str) -> dict:
    """Keras's serialized ``DTypePolicy`` for a dtype name."""
    return {
        "module": "keras",
        "class_name": _DTYPE_POLICY,
        "config": {"name": name},
        "registered_name": None,
    }


def _looks_like_layer(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("class_name"), str)
        and isinstance(value.get("config"), dict)
        and not value["class_name"].startswith("__")
    )


def _layers_by_name(root: Layer) -> dict[str, Any]:
    """Every layer under ``root`` by name; refuses layers that cannot be saved."""
    from deepnum.models.functional import _OpLayer

    found: dict[str, Any] = {}
    stack, seen = [root], set()
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if isinstance(layer, _OpLayer):
            raise ValueError(
                f'Cannot save layer "{layer.name}": it comes from a Python operator on symbolic '
                "tensors (x + y, x * y, x[...]), which deepnum cannot serialize yet. Use the "
                "layers deepnum.layers.Add, Subtract, Multiply, ... instead."
            )
        found.setdefault(layer.name, layer)
        stack.extend(layer._sublayers())
    return found


def get_compile_config(model: Any) -> dict | None:
    """The serialized arguments of ``model.compile`` (Keras's ``get_compile_config``), or None
    for a model that was never compiled."""
    from deepnum import optimizers

    raw = getattr(model, "_compile_config", None)
    if not getattr(model, "compiled", False) or raw is None:
        return None
    optimizer = getattr(model, "optimizer", None)
    return {
        "optimizer": optimizers.serialize(optimizer) if optimizer is not None else None,
        "loss": _serialize_compile_value(raw.get("loss")),
        "loss_weights": serialize_keras_object(raw.get("loss_weights")),
        "metrics": _serialize_compile_value(raw.get("metrics")),
        "weighted_metrics": _serialize_compile_value(raw.get("weighted_metrics")),
        "run_eagerly": bool(raw.get("run_eagerly", False)),
        "steps_per_execution": int(raw.get("steps_per_execution", 1) or 1),
        "jit_compile": False,
    }


def _serialize_compile_value(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_serialize_compile_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_compile_value(v) for k, v in value.items()}
    return serialize_keras_object(value)


# ------------------------------------------------------------------------ loading
def deserialize_keras_object(
    config: Any, custom_objects: dict | None = None, safe_mode: bool = True, **kwargs: Any
) -> Any:
    """Rebuild an object from its Keras 3 description (deepnum's or Keras's).

    Classes are resolved only among deepnum's own, those registered with
    ``register_keras_serializable`` and ``custom_objects``; nothing is imported.

    Args:
        config: the output of ``serialize_keras_object`` (or of Keras's).
        custom_objects: name -> class or function for user-defined objects.
        safe_mode: refuse Python bytecode (lambdas) in the config (default True).
        **kwargs: ``compile=False`` skips a model's ``compile_config``.

    Returns:
        The object.

    Example:
        >>> import deepnum as dn
        >>> layer = deserialize_keras_object(serialize_keras_object(dn.layers.Dense(2)))
        >>> type(layer).__name__, layer.units
        ('Dense', 2)
    """
    compile_model = kwargs.pop("compile", True)
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected arguments {sorted(kwargs)}.")
    custom_objects = dict(custom_objects or {})
    if config is None or isinstance(config, _PLAIN) and not isinstance(config, str):
        return config
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects)
        return found if found is not None else config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, safe_mode) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"deserialize_keras_object: cannot parse {config!r}.")
    if "class_name" not in config or "config" not in config:
        return {
            k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()
        }
    class_name = config["class_name"]
    if class_name.startswith("__") or class_name == "function":
        return lambdas.deserialize_special(config, custom_objects, safe_mode)
    family = _family(config, custom_objects)
    if family is not None:
        return family(config, custom_objects)
    return deserialize_layer(config, custom_objects, safe_mode, compile_model)


def _family(config: dict, custom_objects: dict) -> Any:
    """The deserializer of a non-layer family (optimizer, loss, ...), or None for layers."""
    from deepnum import constraints, initializers, losses, metrics, optimizers, regularizers

    module = str(config.get("module") or "")
    cls = get_registered_object(
        config.get("registered_name"), custom_objects
    ) or get_registered_object(config["class_name"], custom_objects)
    if isinstance(cls, type) and not issubclass(cls, Layer):
        for base in (
            optimizers.schedules.LearningRateSchedule,
            optimizers.Optimizer,
            losses.Loss,
            metrics.Metric,
            initializers.Initializer,
            regularizers.Regularizer,
            constraints.Constraint,
        ):
            if issubclass(cls, base):
                return lambda c, _: cls.from_config(dict(c.get("config") or {}))
    if module.startswith("keras.optimizers.schedules"):
        return lambda c, co: optimizers.schedules.deserialize(c, co)
    if "optimizers" in module:
        return lambda c, co: optimizers.deserialize(c, co)
    if module.startswith("keras.losses"):
        return lambda c, co: losses.deserialize(c, co)
    if module.startswith("keras.metrics"):
        return lambda c, co: metrics.deserialize(c, co)
    simple = {
        "keras.initializers": initializers.get,
        "keras.regularizers": regularizers.get,
        "keras.constraints": constraints.get,
    }
    for prefix, get in simple.items():
        if module.startswith(prefix):
            return lambda c, _, get=get: get(_strip_registered(c))
    if config["class_name"] in (_DTYPE_POLICY, "FloatDTypePolicy"):
        return lambda c, _: (c.get("config") or {}).get("name")
    return None


def _strip_registered(config: dict) -> dict:
    return {"class_name": config["class_name"], "config": config.get("config") or {}}


def deserialize_layer(
    config: dict, custom_objects: dict | None = None, safe_mode: bool = True, compile: bool = True
) -> Any:
    """Rebuild a layer or model (then build it and, for a model, compile it)."""
    from deepnum.layers.serialization import deserialize

    custom = dict(custom_objects or {})
    prepared = prepare_layer_config(config, custom, safe_mode)
    obj = deserialize(prepared, custom)
    compile_config = config.get("compile_config")
    if compile and compile_config and hasattr(obj, "compile"):
        compile_from_config(obj, compile_config, custom)
    return obj


def prepare_layer_config(config: Any, custom_objects: dict, safe_mode: bool) -> Any:
    """A copy of a serialized layer (tree) that deepnum's ``from_config`` accepts.

    Drops Keras's ``shared_object_id`` markers and the InputLayer keys deepnum does not use,
    decodes ``__numpy__``/``__bytes__``/``__slice__``/``__ellipsis__`` values, and replaces a
    Lambda's function by one from ``custom_objects`` (registered functions, or bytecode when
    ``safe_mode`` is False; refused otherwise). New functions are added to ``custom_objects``.
    """
    if isinstance(config, list):
        return [prepare_layer_config(c, custom_objects, safe_mode) for c in config]
    if not isinstance(config, dict):
        return config
    class_name = config.get("class_name")
    if (
        isinstance(class_name, str)
        and class_name.startswith("__")
        and class_name not in ("__keras_tensor__", "__lambda__")
    ):
        return lambdas.deserialize_special(config, custom_objects, safe_mode)
    out = {
        k: prepare_layer_config(v, custom_objects, safe_mode)
        for k, v in config.items()
        if k != "shared_object_id"
    }
    if isinstance(out.get("inbound_nodes"), list):
        from deepnum.saving.legacy_h5 import convert_legacy_nodes

        out["inbound_nodes"] = convert_legacy_nodes(out["inbound_nodes"])
    inner = out.get("config")
    module = str(out.get("module") or "")
    if module.startswith("keras.src.ops") and isinstance(class_name, str):
        token = f"keras_operation>{module}.{class_name}"
        custom_objects[token] = keras_ops.resolve(module, class_name)
        out["registered_name"] = token
        return out
    if isinstance(class_name, str) and isinstance(inner, dict):
        for key in ("input_layers", "output_layers"):
            refs = inner.get(key)
            if isinstance(refs, list) and len(refs) == 1 and isinstance(refs[0], list):
                inner[key] = refs[0]  # Keras unpacks a single input/output (Keras 2 files)
        if class_name == "InputLayer":
            _drop_input_layer_keys(inner)
        elif class_name == "Lambda" or "function" in inner and _is_lambda_class(out):
            lambdas.prepare_lambda_config(inner, custom_objects, safe_mode)
    return out


def _is_lambda_class(entry: dict) -> bool:
    try:
        cls = resolve_class(entry["class_name"], entry.get("registered_name"))
    except (ValueError, KeyError):
        return False
    from deepnum.layers import Lambda

    return isinstance(cls, type) and issubclass(cls, Lambda)


def _drop_input_layer_keys(inner: dict) -> None:
    for key in ("ragged", "optional"):
        if inner.pop(key, False):
            raise ValueError(
                f"InputLayer {inner.get('name')!r}: `{key}=True` inputs are not supported by "
                "deepnum."
            )


def compile_from_config(model: Any, config: dict, custom_objects: dict | None = None) -> None:
    """Compile ``model`` with the arguments saved by ``get_compile_config`` (Keras's or
    deepnum's)."""
    import inspect

    from deepnum import optimizers

    config = dict(config)
    unknown = sorted(set(config) - _COMPILE_KEYS)
    if unknown:  # Keras's compile(**config) refuses them too
        raise ValueError(
            f"the compile_config has unknown key(s) {unknown}; expected some of "
            f"{sorted(_COMPILE_KEYS)}."
        )
    optimizer = config.pop("optimizer", None)
    if isinstance(optimizer, dict):
        optimizer = optimizers.deserialize(optimizer, custom_objects)
    kwargs = {"optimizer": optimizer if optimizer is not None else "rmsprop"}
    accepted = inspect.signature(model.compile).parameters
    for key in ("loss", "loss_weights", "metrics", "weighted_metrics"):
        value = config.get(key)
        if value is not None and key in accepted:
            kwargs[key] = _deserialize_compile_value(value, custom_objects)
    for key in ("run_eagerly", "steps_per_execution"):
        if key in config and key in accepted:
            kwargs[key] = config[key]
    model.compile(**kwargs)


def _deserialize_compile_value(value: Any, custom_objects: dict | None) -> Any:
    if isinstance(value, list):
        return [_deserialize_compile_value(v, custom_objects) for v in value]
    if isinstance(value, dict) and not ("class_name" in value and "config" in value):
        return {k: _deserialize_compile_value(v, custom_objects) for k, v in value.items()}
    return deserialize_keras_object(value, custom_objects)


__all__ = [
    "compile_from_config",
    "deserialize_keras_object",
    "get_compile_config",
    "get_registered_name",
    "serialize_keras_object",
]
