"""Layer: the unit of the Keras API. ``__init__`` stores config, ``build`` creates weights,
``call`` holds the maths."""

from __future__ import annotations

import contextvars
import inspect
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from deepnum import constraints, initializers, regularizers
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.autodiff.variable import Variable
from deepnum.backend import default_device, floatx, is_array, to_device
from deepnum.backend.global_state import dtype_policy_name
from deepnum.layers import context
from deepnum.layers.input_spec import InputSpec, check_input_spec

_BASE_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "input_dim", "autocast")
# While a model is rebuilt from a file, an object whose ``claim(layer, name, shape, dtype)``
# refuses a weight the file cannot hold, before it is allocated (see deepnum.saving.limits).
WEIGHT_BUDGET: contextvars.ContextVar[Any] = contextvars.ContextVar("weight_budget", default=None)


class Layer:
    """Base class of all layers.

    Subclasses implement ``build(input_shape)`` (create weights with ``add_weight``) and
    ``call(inputs, training=None, mask=None)``. A layer builds itself on its first call, from
    the shape of what it receives: the next layer's input size is inferred from the previous
    layer's output.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: a unique name; defaults to the snake-case class name (``dense``, ``dense_1``, …).
        dtype: the dtype of the weights and computations (default: the dtype policy,
            ``floatx()`` unless ``deepnum.config.set_dtype_policy`` changed it).
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

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        unknown = [k for k in kwargs if k not in _BASE_KWARGS]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) {unknown}; "
                "check the spelling against the layer's documented arguments."
            )
        object.__setattr__(self, "_tracking", False)
        self.name = name or context.unique_name(context.snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        if isinstance(dtype, dict):  # a serialized Keras DTypePolicy
            dtype = dtype.get("config", {}).get("name")
        self.dtype = np.dtype(dtype).name if dtype is not None else dtype_policy_name()
        self.built = False
        self.input_spec: InputSpec | list[InputSpec] | None = None
        self.supports_masking = False
        self._own_weights: list[Variable] = []
        self._losses: list[Tensor] = []
        self._regularized: list[tuple[Variable, Any]] = []
        self._batch_input_shape = _batch_input_shape(kwargs)
        self._call_signature = _signature_flags(type(self).call)
        self._build_shapes: Any = None
        self._inbound_nodes: list = []
        self._last_output_shape: tuple | None = None
        self._tracking = True

    # ---------------------------------------------------------------- tracking
    def _sublayers(self) -> Iterator[Layer]:
        """Direct sub-layers in attribute order, also inside lists, tuples and dicts."""
        seen: set[int] = set()
        for value in self.__dict__.values():
            for item in _walk(value):
                if isinstance(item, Layer) and item is not self and id(item) not in seen:
                    seen.add(id(item))
                    yield item

    @property
    def layers(self) -> list[Layer]:
        return list(self._sublayers())

    def _attribute_variables(self) -> list[Variable]:
        own = {id(v) for v in self._own_weights}
        out = []
        for value in self.__dict__.values():
            for item in _walk(value):
                if isinstance(item, Variable) and id(item) not in own:
                    own.add(id(item))
                    out.append(item)
        return out

    @property
    def weights(self) -> list[Variable]:
        """All weights: own trainable, own non-trainable, then those of sub-layers (Keras order;
        as in Keras, a weight frozen after its creation keeps its place, e.g. a LoRA kernel)."""
        own = self._own_weights + self._attribute_variables()
        frozen = getattr(self, "_frozen_after_creation", ())  # ids, set by e.g. enable_lora
        first = [w.trainable or id(w) in frozen for w in own]
        out = [w for w, t in zip(own, first) if t] + [w for w, t in zip(own, first) if not t]
        seen = {id(w) for w in out}
        for layer in self._sublayers():
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    variables = weights

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        own = [w for w in self._own_weights + self._attribute_variables() if w.trainable]
        seen = {id(w) for w in own}
        for layer in self._sublayers():
            for w in layer.trainable_weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    own.append(w)
        return own

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as NumPy arrays, in Keras's order and layouts."""
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Load weights given in the order and shapes of ``get_weights``."""
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f'Layer "{self.name}" expects {len(params)} weights, but the list given has '
                f"{len(weights)}. Expected shapes: {[tuple(p.shape) for p in params]}."
            )
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(p.shape):
                raise ValueError(
                    f'Layer "{self.name}" weight "{p.name}" has shape {shape_str(p.shape)}, '
                    f"but the value given has shape {shape_str(w.shape)}."
                )
            p.assign(w)

    def to(self, device: Any) -> Layer:
        """Move every weight (and, for a model, the optimizer's state) to ``device``."""
        for w in self.weights:
            w.data = to_device(w.data, device)
        optimizer = getattr(self, "optimizer", None)
        for v in getattr(optimizer, "variables", None) or []:
            v.data = to_device(v.data, device)
        return self

    def count_params(self) -> int:
        """Total number of scalars in the weights."""
        if not self.built:
            raise ValueError(
                f'Layer "{self.name}" is not built yet, so it has no weights: call it on data '
                "or call build(input_shape) first."
            )
        return int(sum(w.size for w in self.weights))

    # ---------------------------------------------------------------- weights
    def add_weight(
        self,
        shape: Any = None,
        initializer: Any = "glorot_uniform",
        dtype: Any = None,
        trainable: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        name: str | None = None,
    ) -> Variable:
        """Create a weight owned by this layer (initialised now, from ``initializer``)."""
        shape = tuple(int(s) for s in (shape or ()))
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._own_weights)}"
        budget = WEIGHT_BUDGET.get()
        if budget is not None:
            budget.claim(self, name, shape, dtype or self.dtype)
        try:
            var = Variable(
                init, shape=shape, dtype=dtype or self.dtype, trainable=trainable, name=name
            )
        except MemoryError:
            raise MemoryError(_allocation_message(self, name, shape, dtype or self.dtype)) from None
        if default_device().type != "cpu":
            var.data = to_device(var.data, default_device())
        var.path = f"{self.name}/{var.name}"
        var.constraint = constraints.get(constraint)
        var._layer = self
        self._own_weights.append(var)
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._regularized.append((var, reg))
        return var

    @property
    def losses(self) -> list[Tensor]:
        """Regularization penalties of this layer and its sub-layers, plus ``add_loss`` terms."""
        out = [reg(var) for var, reg in self._regularized] + list(self._losses)
        for layer in self._sublayers():
            out.extend(layer.losses)
        return out

    def add_loss(self, loss: Any) -> None:
        """Add a loss term (e.g. an activity penalty) computed during ``call``."""
        self._losses.append(loss)

    # ---------------------------------------------------------------- calling
    def build(self, input_shape: Any) -> None:
        """Create the weights for inputs of ``input_shape``. The base version creates none."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.call is not implemented.")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from deepnum.models.functional import is_symbolic, symbolic_call

        if is_symbolic(args, kwargs):
            return symbolic_call(self, args, kwargs)
        if not args:
            raise ValueError(f'Layer "{self.name}" was called without inputs.')
        inputs = self._standardize(args[0])
        training = kwargs.pop("training", None)
        if training is None:
            training = context.current_training()
        mask = kwargs.pop("mask", None)
        if mask is None:
            mask = _collect_mask(inputs)
        context.push(self, training)
        try:
            self._maybe_build(inputs)
            self._check_inputs(inputs)
            if self._call_signature["training"]:
                kwargs["training"] = training
            if self._call_signature["mask"] and mask is not None:
                kwargs["mask"] = mask
            outputs = self.call(inputs, *args[1:], **kwargs)
            self._set_mask(inputs, outputs, mask)
            if isinstance(outputs, Tensor) and outputs.ndim:
                self._last_output_shape = (None,) + outputs.shape[1:]
        except (ValueError, TypeError) as e:
            raise _with_path(e) from None
        finally:
            context.pop()
        return outputs

    def _standardize(self, inputs: Any) -> Any:
        """Arrays and numbers become Tensors; float inputs take the layer's dtype (autocast)."""
        if isinstance(inputs, (list, tuple)):
            return type(inputs)(self._standardize(x) for x in inputs)
        if isinstance(inputs, dict):
            return {k: self._standardize(v) for k, v in inputs.items()}
        if isinstance(inputs, Tensor):
            if inputs.dtype.kind == "f" and inputs.dtype != self.dtype:
                from deepnum.ops import cast

                return cast(inputs, self.dtype)
            return inputs
        if is_array(inputs) or isinstance(inputs, (int, float, np.generic)):
            arr = inputs if is_array(inputs) else np.asarray(inputs)
            if arr.dtype.kind == "f" and arr.dtype != self.dtype:
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
                check_input_spec(self, spec, tuple(x.shape), i)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of the output: passed through by layers that support masking."""
        return mask if self.supports_masking else None

    def _set_mask(self, inputs: Any, outputs: Any, mask: Any) -> None:
        overrides = type(self).compute_mask is not Layer.compute_mask
        if mask is None and not overrides:
            return
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is None:
            return
        for out, m in zip(*_pair_masks(outputs, out_mask)):
            if isinstance(out, Tensor):
                out._keras_mask = m

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape for ``input_shape`` (batch axis may be None), found by running the layer
        on small dummy inputs: axes whose size changes with the input's unknown axes are None."""
        from deepnum.models.functional import infer_output_shape

        return infer_output_shape(self, input_shape)

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict:
        """The constructor arguments (JSON-serialisable); ``from_config`` inverts it."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
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

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "trainable" and getattr(self, "_tracking", False):
            for w in self._own_weights:
                w.requires_grad = bool(value) and w.trainable and w.dtype.kind == "f"
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# ------------------------------------------------------------------------ helpers
def _walk(value: Any) -> Iterator[Any]:
    if isinstance(value, (Layer, Variable)):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)


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


def _signature_flags(call: Any) -> dict[str, bool]:
    params = inspect.signature(call).parameters
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    return {"training": "training" in params or var_kw, "mask": "mask" in params}


def _collect_mask(inputs: Any) -> Any:
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(x, "_keras_mask", None) for x in inputs]
        return None if all(m is None for m in masks) else masks
    return getattr(inputs, "_keras_mask", None)


def _pair_masks(outputs: Any, masks: Any) -> tuple[list, list]:
    if isinstance(outputs, (list, tuple)):
        masks = masks if isinstance(masks, (list, tuple)) else [masks] * len(outputs)
        return list(outputs), list(masks)
    return [outputs], [masks]


def _allocation_message(layer: Layer, name: str, shape: tuple, dtype: Any) -> str:
    try:
        itemsize = np.dtype(dtype).itemsize
    except TypeError:
        itemsize = np.dtype(floatx()).itemsize
    nbytes = math.prod(int(n) for n in shape) * itemsize
    return (
        f'Layer "{layer.name}": not enough memory to create weight {name!r} of shape '
        f"{shape_str(shape)} and dtype {dtype}: it needs {nbytes:,} bytes. Check the layer's "
        "arguments (units, input size, vocabulary size)."
    )


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
