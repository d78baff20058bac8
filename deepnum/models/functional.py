"""The Functional API: symbolic inputs (``Input``) and the recording of layer calls on
symbolic tensors (each call builds the layer, infers its outputs and their masks, and adds a
``Node`` to the graph)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import shape_str
from deepnum.layers import context
from deepnum.layers.layer import Layer, _jsonable_shape, _with_path
from deepnum.models.keras_tensor import (
    KerasTensor,
    Node,
    _flatten,
    _OpLayer,
    is_symbolic,
    map_structure,
)
from deepnum.models.shape_inference import (
    _ShapeOnly,
    infer_output_shape,
    map_structure_specs,
    output_specs,
)

__all__ = [
    "Input",
    "InputLayer",
    "KerasTensor",
    "Node",
    "_OpLayer",
    "_flatten",
    "infer_output_shape",
    "is_symbolic",
    "map_structure",
    "map_structure_specs",
    "symbolic_call",
]


def symbolic_call(layer: Layer, args: tuple, kwargs: dict) -> Any:
    """Record ``layer(*args)`` on symbolic tensors: build the layer, infer its outputs (shapes,
    dtypes and Keras masks) and add the call to the graph as a ``Node``."""
    inputs = args[0]
    shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs)
    context.push(layer, None)
    try:
        if not layer.built:
            layer.build(shapes)
            layer.built = True
            layer._build_shapes = shapes
        layer._check_inputs(
            map_structure(
                lambda t: _ShapeOnly(t.shape, t.dtype) if isinstance(t, KerasTensor) else t,
                inputs,
            )
        )
        specs, masks = output_specs(layer, inputs, args[1:], kwargs)
    except (ValueError, TypeError) as e:
        raise _with_path(e) from None
    finally:
        context.pop()
        layer._clear_losses()  # the zero inputs' losses are not the model's (Keras keeps none)
    outputs = map_structure_specs(lambda spec: KerasTensor(spec[0], spec[1]), specs)
    flat = _flatten(outputs)
    for t, mask in zip(flat, masks):
        if mask is not None:
            t._keras_mask = KerasTensor(*mask)
    node = Node(layer, args, kwargs, flat)
    layer._inbound_nodes.append(node)
    for i, t in enumerate(flat):
        t.node, t.index = node, i
    return outputs


# ------------------------------------------------------------------------ Input
class InputLayer(Layer):
    """The layer behind ``Input``: it holds the model's input shape and does nothing.

    Args:
        shape: the shape of one sample (no batch axis).
        batch_size: optional fixed batch size.
        dtype: the input's dtype (default ``floatx()``).
        sparse, ragged: Keras's flags; deepnum has no sparse or ragged tensors, so True is
            refused (as Keras does on its torch backend).
        batch_shape: the full shape, batch axis included (instead of shape/batch_size).
        input_tensor: an existing symbolic tensor to use as this input.
        optional: whether the model accepts None for this input.
        name: the layer's name (also the input's key for dict inputs).
    """

    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        sparse: bool | None = None,
        ragged: bool | None = None,
        batch_shape: Any = None,
        input_tensor: Any = None,
        optional: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        shape = kwargs.pop("input_shape", shape)
        if isinstance(dtype, dict):  # a serialized Keras DTypePolicy
            dtype = dtype.get("config", {}).get("name")
        if input_tensor is not None:
            batch_shape, dtype = _from_input_tensor(input_tensor, shape, batch_size, batch_shape)
            shape = batch_size = None
        strings = dtype in ("string", "str")  # text stays a host array of str (Keras's tf.string)
        super().__init__(name=name, dtype=None if strings else dtype)
        if strings:
            self.dtype = "string"
        for flag, value in (("sparse", sparse), ("ragged", ragged)):
            if value:
                raise ValueError(
                    f"Input: `{flag}=True` is not supported: deepnum has no {flag} tensors. "
                    f"Pass dense arrays and leave `{flag}` unset."
                )
        self.sparse, self.ragged, self.optional = False, False, bool(optional)
        self.batch_shape = _batch_shape(shape, batch_size, batch_shape, batch_input_shape)
        self._batch_input_shape = self.batch_shape
        self.built = True
        if input_tensor is None:
            input_tensor = KerasTensor(self.batch_shape, self.dtype, name=self.name)
        input_tensor.node, input_tensor.index = Node(self, (), {}, [input_tensor]), 0
        self._inbound_nodes.append(input_tensor.node)

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict:
        return {
            "batch_shape": _jsonable_shape(self.batch_shape),
            "dtype": self.dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }


def _batch_shape(shape: Any, batch_size: Any, batch_shape: Any, legacy: Any) -> tuple:
    """The checked batch shape of an input, from ``batch_shape`` or ``shape``/``batch_size``."""
    if batch_shape is None:
        batch_shape = legacy
    if batch_shape is None:
        if shape is None:
            raise ValueError("Input: pass `shape` (without the batch axis), e.g. shape=(784,).")
        shape = _shape_argument("shape", (shape,) if isinstance(shape, int) else shape)
        if batch_size is not None and not _is_positive_int(batch_size):
            raise ValueError(
                f"Input: `batch_size` must be a positive integer or None, received "
                f"batch_size={batch_size!r}."
            )
        batch_shape = (batch_size,) + shape
    elif shape is not None:
        raise ValueError("Input: pass either `shape` or `batch_shape`, not both.")
    return _shape_argument("batch_shape", batch_shape)


def _from_input_tensor(tensor: Any, shape: Any, batch_size: Any, batch_shape: Any) -> tuple:
    if not isinstance(tensor, KerasTensor):
        raise ValueError(
            "Input: argument `input_tensor` must be a KerasTensor (from Input or a layer "
            f"called on one). Received invalid type: input_tensor={tensor!r} (of type "
            f"{type(tensor).__name__})."
        )
    mismatch = (shape is not None and tuple(shape) != tensor.shape[1:]) or (
        batch_shape is not None and tuple(batch_shape) != tensor.shape
    )
    if mismatch or (batch_size is not None and tensor.shape[:1] != (batch_size,)):
        raise ValueError(
            "Input: when providing the `input_tensor` argument, `shape`, `batch_size` and "
            f"`batch_shape` must agree with its shape {shape_str(tensor.shape)}."
        )
    return tensor.shape, tensor.dtype


def _dimension(value: Any) -> int | None:
    """``value`` as a size (an int ≥ 0, or None), or ValueError."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{value!r} is not an integer")
    if value < 0:
        raise ValueError(f"{value} is negative")
    return int(value)


def _is_positive_int(value: Any) -> bool:
    try:
        return bool(_dimension(value))
    except ValueError:
        return False


def _shape_argument(argument: str, value: Any) -> tuple:
    """A shape argument of ``Input`` checked: a tuple/list of non-negative ints or None."""
    problem = None
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        problem = f"a {type(value).__name__} is not a shape"
    else:
        for size in value:
            try:
                _dimension(size)
            except ValueError as e:
                problem = str(e)
                break
    if problem is not None:
        raise ValueError(
            f"Input: `{argument}` must be a tuple of sizes, each a non-negative integer or None "
            f"(unknown), e.g. (28, 28, 1); received {argument}={value!r} ({problem})."
        )
    return tuple(_dimension(size) for size in value)


def Input(  # noqa: N802 - Keras's name
    shape: Any = None,
    batch_size: int | None = None,
    dtype: Any = None,
    sparse: bool | None = None,
    ragged: bool | None = None,
    batch_shape: Any = None,
    name: str | None = None,
    tensor: Any = None,
    optional: bool = False,
) -> KerasTensor:
    """A symbolic input for the Functional API.

    Args:
        shape: the shape of one sample (no batch axis), e.g. ``(784,)`` or ``(28, 28, 1)``.
        batch_size: optional fixed batch size.
        dtype: the input's dtype (default ``floatx()``; use ``"int32"`` for token ids).
        sparse, ragged: must stay unset (deepnum has no sparse or ragged tensors).
        batch_shape: the full shape, batch axis included (instead of shape/batch_size).
        name: optional name (becomes the key for dict inputs).
        tensor: an existing symbolic tensor to use as this input.
        optional: whether the model accepts None for this input.

    Returns:
        A KerasTensor to call layers on.

    Example:
        >>> import deepnum as dn
        >>> x = dn.Input(shape=(784,))
        >>> x.shape
        (None, 784)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        ragged=ragged,
        batch_shape=batch_shape,
        input_tensor=tensor,
        optional=optional,
        name=name,
    )
    return layer.output
