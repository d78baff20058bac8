"""Layer: the unit of the Keras API. ``__init__`` stores config, ``build`` creates weights,
``call`` holds the maths."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum import regularizers
from deepnum.autodiff.tensor import Tensor
from deepnum.autodiff.variable import Variable
from deepnum.backend import is_array
from deepnum.backend.global_state import dtype_policy_name
from deepnum.layers import _auto_config, context
from deepnum.layers._layer_utils import (
    _batch_input_shape,
    _collect_mask,
    _jsonable_shape,
    _pair_masks,
    _shapes,
    _signature_flags,
    _tuple_shape,
    _with_path,
    flatten_structure,
)
from deepnum.layers.input_spec import InputSpec, check_input_spec
from deepnum.layers.layer_state import WEIGHT_BUDGET, LayerState

__all__ = ["WEIGHT_BUDGET", "Layer", "_jsonable_shape", "_shapes", "_tuple_shape", "_with_path"]

_BASE_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "input_dim")
_UNSET = object()


class Layer(LayerState):
    """Base class of all layers (Keras's ``keras.Layer``).

    Subclasses implement ``build(input_shape)`` (create weights with ``add_weight``) and
    ``call(inputs, training=None, mask=None)``. A layer builds itself on its first call, from
    the shape of what it receives: the next layer's input size is inferred from the previous
    layer's output.

    Args:
        activity_regularizer: a penalty on the outputs, added to ``losses`` at each call
            (divided by the batch size, as Keras does).
        trainable: whether the layer's weights are updated by training.
        dtype: the dtype of the weights and computations (default: the dtype policy,
            ``floatx()`` unless ``deepnum.config.set_dtype_policy`` changed it).
        autocast: cast float inputs to the layer's dtype.
        name: a unique name; defaults to the snake-case class name (``dense``, ``dense_1``, …).
        input_shape: Keras-2 idiom for the first layer of a Sequential (without batch axis).

    Example:
        >>> import deepnum as dn
        >>> class Scale(dn.layers.Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, x):
        ...         return x * self.w
        >>> Scale()(dn.ops.ones_like(dn.tensor([[1.0, 2.0]]))).shape
        (1, 2)
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Layer:
        obj = super().__new__(cls)
        # The constructor's arguments, for the default get_config (as Keras records them).
        object.__setattr__(obj, "_init_args", _auto_config.InitArgs(args, kwargs))
        return obj

    def __init__(
        self,
        *,
        activity_regularizer: Any = None,
        trainable: bool = True,
        dtype: Any = None,
        autocast: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = [k for k in kwargs if k not in _BASE_KWARGS]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) {unknown}; "
                "check the spelling against the layer's documented arguments."
            )
        self.name = name or context.unique_name(context.snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        if isinstance(dtype, dict):  # a serialized Keras DTypePolicy
            dtype = dtype.get("config", {}).get("name")
        self.dtype = np.dtype(dtype).name if dtype is not None else dtype_policy_name()
        self.autocast = bool(autocast)
        self.built = False
        self.input_spec: InputSpec | list[InputSpec] | None = None
        # As in Keras, a layer that defines compute_mask supports masking unless it says not.
        self._supports_masking = type(self).compute_mask is not Layer.compute_mask
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._applies_activity_regularizer = self.activity_regularizer is not None
        self._own_weights: list[Variable] = []
        self._created_trainable: set[int] = set()
        self._losses: list[Tensor] = []
        self._regularized: list[tuple[Variable, Any]] = []
        self._batch_input_shape = _batch_input_shape(kwargs)
        self._call_signature = _signature_flags(type(self).call)
        self._build_shapes: Any = None
        self._inbound_nodes: list = []
        self._last_output_shape: tuple | None = None

    # ---------------------------------------------------------------- calling
    def build(self, input_shape: Any) -> None:
        """Create the weights for inputs of ``input_shape``. The base version creates none."""
        self.built = True

    def call(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.call is not implemented.")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from deepnum.models.functional import is_symbolic, symbolic_call

        first = self._call_signature.get("first_argument")
        if not args and first in kwargs:  # the inputs given by keyword: layer(inputs=x)
            kwargs = dict(kwargs)
            args = (kwargs.pop(first),)
        if is_symbolic(args, kwargs):
            return symbolic_call(self, args, kwargs)
        if not args:
            raise ValueError(f'Layer "{self.name}" was called without inputs.')
        if context.depth() == 0:  # losses hold the terms of the latest forward pass only
            self._clear_losses()
        inputs = self._standardize(args[0])
        training = self._resolve_training(kwargs.pop("training", _UNSET))
        mask = kwargs.pop("mask", None)
        if mask is None:
            mask = _collect_mask(inputs)
        context.push(self, training)
        try:
            self._maybe_build(inputs)
            self._check_inputs(inputs)
            if self._call_signature["training"] and training is not None:
                kwargs["training"] = training
            if self._call_signature["mask"] and mask is not None:
                kwargs["mask"] = mask
            outputs = self.call(inputs, *args[1:], **kwargs)
            self._add_activity_losses(outputs)
            if self.supports_masking:
                self._set_mask(inputs, outputs, mask)
            if isinstance(outputs, Tensor) and outputs.ndim:
                self._last_output_shape = (None,) + outputs.shape[1:]
        except (ValueError, TypeError) as e:
            raise _with_path(e) from None
        finally:
            context.pop()
        return outputs

    def _resolve_training(self, given: Any) -> Any:
        """Keras's order: the argument, else the enclosing call's value, else the default of
        this layer's ``call`` signature."""
        if given is not _UNSET:
            return given
        training = context.current_training()
        return self._call_signature["training_default"] if training is None else training

    def _standardize(self, inputs: Any) -> Any:
        """Arrays and numbers become Tensors; float inputs take the layer's dtype (autocast).
        A Keras mask attached to an input stays attached."""
        if isinstance(inputs, (list, tuple)):
            return type(inputs)(self._standardize(x) for x in inputs)
        if isinstance(inputs, dict):
            return {k: self._standardize(v) for k, v in inputs.items()}
        cast = self.autocast and self.dtype != "string"
        if isinstance(inputs, Tensor):
            if cast and inputs.dtype.kind == "f" and inputs.dtype != self.dtype:
                from deepnum.ops import cast as cast_op

                out = cast_op(inputs, self.dtype)
                out._keras_mask = getattr(inputs, "_keras_mask", None)
                return out
            return inputs
        if is_array(inputs) or isinstance(inputs, (int, float, np.generic)):
            arr = inputs if is_array(inputs) else np.asarray(inputs)
            if cast and arr.dtype.kind == "f" and arr.dtype != self.dtype:
                arr = arr.astype(self.dtype)
            return Tensor._make(arr)
        return inputs

    def _maybe_build(self, inputs: Any) -> None:
        if self.built:
            return
        shapes = _shapes(inputs)
        self.build(shapes)
        self.built = True
        self._build_shapes = shapes

    def _check_inputs(self, inputs: Any) -> None:
        if self.input_spec is None:
            return
        specs = self.input_spec if isinstance(self.input_spec, list) else [self.input_spec]
        flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        for i, (spec, x) in enumerate(zip(specs, flat)):
            if spec is not None and hasattr(x, "shape"):
                check_input_spec(self, spec, tuple(x.shape), i, getattr(x, "dtype", None))

    def _add_activity_losses(self, outputs: Any) -> None:
        """Keras's activity penalty for a regularizer given to ``Layer.__init__``: one term
        per output tensor, divided by the batch size."""
        if not self._applies_activity_regularizer or self.activity_regularizer is None:
            return
        for out in flatten_structure(outputs):
            if isinstance(out, Tensor):
                loss = self.activity_regularizer(out)
                self.add_loss(loss / out.shape[0] if out.ndim and out.shape[0] else loss)

    # ---------------------------------------------------------------- masks
    @property
    def supports_masking(self) -> bool:
        """Whether the layer gives its outputs a mask through ``compute_mask``."""
        return self._supports_masking

    @supports_masking.setter
    def supports_masking(self, value: bool) -> None:
        self._supports_masking = bool(value)

    def compute_mask(self, inputs: Any, previous_mask: Any) -> Any:
        """The mask of the outputs: the input's mask, passed through."""
        return previous_mask

    def _set_mask(self, inputs: Any, outputs: Any, mask: Any) -> None:
        """Attach ``compute_mask``'s result to the outputs that have no mask yet."""
        flat = flatten_structure(outputs)
        if all(getattr(out, "_keras_mask", None) is not None for out in flat):
            return
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is None:
            return
        for out, m in zip(*_pair_masks(flat, out_mask)):
            if (
                isinstance(out, Tensor)
                and getattr(out, "_keras_mask", None) is None
                and m is not None
            ):
                out._keras_mask = m

    # ---------------------------------------------------------------- graph
    @property
    def input(self) -> Any:
        """The symbolic input(s) of the layer's first call on symbolic tensors (Functional and
        Sequential models): ``layer.input`` of a layer inside a built model."""
        return self._node_attribute("input")

    @property
    def output(self) -> Any:
        """The symbolic output(s) of the layer's first call on symbolic tensors, e.g. to build
        a feature extractor: ``Model(model.inputs, [l.output for l in model.layers])``."""
        return self._node_attribute("output")

    def _node_attribute(self, attribute: str) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined {attribute}."
            )
        node = self._inbound_nodes[0]
        values = node.parents if attribute == "input" else node.outputs
        return values[0] if len(values) == 1 else list(values)

    def compute_output_shape(self, *args: Any, **kwargs: Any) -> Any:
        """Output shape for ``input_shape`` (batch axis may be None), found by running the layer
        on small dummy inputs: axes whose size changes with the input's unknown axes are None."""
        from deepnum.models.functional import infer_output_shape

        return infer_output_shape(self, args[0] if args else kwargs["input_shape"])

    @property
    def compute_dtype(self) -> str:
        return self.dtype

    variable_dtype = compute_dtype
    input_dtype = compute_dtype

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict:
        """The constructor arguments (JSON-serialisable); ``from_config`` inverts it.

        A subclass that does not define ``get_config`` gets, as in Keras, the plain-valued
        arguments it was created with (``NotImplementedError`` if some are not plain)."""
        config: dict[str, Any] = {"name": self.name}
        if type(self).get_config is Layer.get_config:
            recorded = self.__dict__.get("_init_args") or _auto_config.InitArgs((), {})
            config.update(_auto_config.recorded_config(self, recorded.args, recorded.kwargs))
            if not _auto_config.keeps_name(self):
                config.pop("name")
        config.update({"trainable": self.trainable, "dtype": self.dtype})
        if self._applies_activity_regularizer and self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)

    def get_build_config(self) -> dict | None:
        if self._build_shapes is None:
            return None
        return {"input_shape": _jsonable_shape(self._build_shapes)}

    def build_from_config(self, config: dict | None) -> None:
        if config and "input_shape" in config and not self.built:
            self.build(_tuple_shape(config["input_shape"]))
            self.built = True
            self._build_shapes = _tuple_shape(config["input_shape"])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
