"""Small helpers of the Layer call: shapes of nested inputs, the flags of a ``call``
signature, masks of nested outputs, error paths."""

from __future__ import annotations

import inspect
from typing import Any

from deepnum.layers import context


def flatten_structure(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in flatten_structure(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in flatten_structure(item)]
    return [value]


def _shapes(inputs: Any) -> Any:
    if isinstance(inputs, (list, tuple)):
        return [_shapes(x) for x in inputs]
    if isinstance(inputs, dict):
        return {k: _shapes(v) for k, v in inputs.items()}
    return tuple(inputs.shape) if hasattr(inputs, "shape") else None


def _jsonable_shape(shape: Any) -> Any:
    if isinstance(shape, dict):
        return {k: _jsonable_shape(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_jsonable_shape(s) for s in shape]
    return list(shape) if shape is not None else None


def _tuple_shape(shape: Any) -> Any:
    if isinstance(shape, dict):
        return {k: _tuple_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_tuple_shape(s) for s in shape]
    return tuple(shape)


def _batch_input_shape(kwargs: dict) -> tuple | None:
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        shape = kwargs["input_shape"]
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return (kwargs.get("batch_size"),) + shape
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), int(kwargs["input_dim"]))
    return None


def _signature_flags(call: Any) -> dict[str, Any]:
    """What ``__call__`` passes to ``call``: ``training`` and ``mask`` when ``call`` names
    them (as Keras, not through ``**kwargs``), the default of ``training``, and the name of
    the first argument (the inputs, which may also come by keyword)."""
    params = inspect.signature(call).parameters
    training = params.get("training")
    default = None if training is None or training.default is training.empty else training.default
    positional = [
        name
        for name, p in params.items()
        if name != "self" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return {
        "training": training is not None,
        "training_default": default,
        "mask": "mask" in params,
        "first_argument": positional[0] if positional else None,
    }


def _collect_mask(inputs: Any) -> Any:
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(x, "_keras_mask", None) for x in inputs]
        return None if all(m is None for m in masks) else masks
    return getattr(inputs, "_keras_mask", None)


def _pair_masks(flat_outputs: list, masks: Any) -> tuple[list, list]:
    if isinstance(masks, (list, tuple)):
        return flat_outputs, flatten_structure(masks)
    return flat_outputs, [masks] * len(flat_outputs)


def _with_path(error: Exception) -> Exception:
    """Prefix an error with the path of the layer being called, once (innermost wins)."""
    if getattr(error, "_deepnum_path", False):
        return error
    path = context.current_path()
    try:
        new = type(error)(f"{path}: {error}") if path else error
    except Exception:  # an exception type with a custom constructor: keep it as it is
        new = error
    new._deepnum_path = True
    new.__traceback__ = error.__traceback__
    return new
