"""clone_model: a model with the same architecture and new layers (new weights)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from deepnum.models.functional import Input, InputLayer, KerasTensor, _flatten, _OpLayer
from deepnum.models.functional import map_structure as _map_tensors
from deepnum.models.model import Model
from deepnum.models.sequential import Sequential


def clone_model(
    model: Model,
    input_tensors: Any = None,
    clone_function: Callable | None = None,
    call_function: Callable | None = None,
    recursive: bool = False,
    **kwargs: Any,
) -> Model:
    """Clone a Sequential or Functional model: the same graph of layers, each layer a new
    instance (``clone_function``), so the weights are new — Keras's
    ``keras.models.clone_model``.

    A subclassed model is rebuilt from its config (``from_config(get_config())``). A compiled
    model's clone is compiled the same way (a new optimizer, no state).

    Args:
        model: the model to clone.
        input_tensors: symbolic inputs (from ``Input``) to build the clone on, with the
            structure of ``model.input``; default: new inputs like the model's.
        clone_function: ``layer -> new layer`` for every layer but the inputs; default
            ``type(layer).from_config(layer.get_config())``. A layer used twice is cloned once.
        call_function: Functional models only: ``(new_layer, *args, **kwargs) -> outputs``
            replaces ``new_layer(*args, **kwargs)``, e.g. to add layers after some of them.
        recursive: clone nested Sequential/Functional models with ``clone_model`` (and these
            arguments) instead of ``clone_function``.
        **kwargs: none (a ValueError), as in Keras.

    Returns:
        The new model.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2, name="d")])
        >>> twin = clone_model(model)
        >>> twin.layers[0] is model.layers[0], twin.layers[0].name, twin.count_params()
        (False, 'd', 8)
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"clone_model: unexpected keyword argument(s): {tuple(kwargs)}")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "clone_model: `call_function` is not supported with Sequential models. In a "
                "Sequential model, layers aren't called at model-construction time (they're "
                "merely listed). Use `call_function` with Functional models only."
            )
        wrapped = _wrap(clone_function, None, recursive, cache)
        return _clone_sequential(model, wrapped, input_tensors)
    if isinstance(model, Model) and getattr(model, "_graph", None) is not None:
        wrapped = _wrap(clone_function, call_function, recursive, cache)
        return _clone_functional(model, wrapped, input_tensors, call_function)
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "clone_model: arguments `clone_function` and `input_tensors` are only supported for "
            f"Sequential or Functional models. Received a model of type {type(model).__name__}."
        )
    if call_function is not None:
        raise ValueError(
            "clone_model: argument `call_function` is only supported for Functional models. "
            f"Received a model of type {type(model).__name__}."
        )
    from deepnum.saving.serialization import deserialize_keras_object, serialize_keras_object

    config = serialize_keras_object(model)
    return deserialize_keras_object(config, custom_objects={type(model).__name__: type(model)})


def _default_clone(layer: Any) -> Any:
    if isinstance(layer, _OpLayer):  # a Python operator on symbolic tensors: stateless
        return layer
    return type(layer).from_config(layer.get_config())


def _wrap(
    clone_function: Callable | None, call_function: Callable | None, recursive: bool, cache: Any
) -> Callable:
    """``clone_function`` with a cache (a layer shared in the graph is cloned once) and, with
    ``recursive``, nested models cloned by :func:`clone_model`."""
    clone_function = clone_function or _default_clone
    if not callable(clone_function):
        raise ValueError(
            "clone_model: expected `clone_function` to be a callable. "
            f"Received: clone_function={clone_function!r}"
        )
    cache = {} if cache is None else cache

    def wrapped(layer: Any) -> Any:
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, Sequential):
            clone = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache)
        elif recursive and isinstance(layer, Model) and getattr(layer, "_graph", None):
            clone = clone_model(
                layer,
                clone_function=clone_function,
                call_function=call_function,
                recursive=True,
                cache=cache,
            )
        else:
            clone = clone_function(layer)
        cache[id(layer)] = clone
        return clone

    return wrapped


def _clone_sequential(model: Sequential, clone_function: Callable, input_tensors: Any) -> Model:
    layers = [clone_function(layer) for layer in model.layers]
    source = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError(
                    "clone_model: argument `input_tensors` must contain a single tensor for a "
                    f"Sequential model. Received {len(input_tensors)} tensors."
                )
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor) or not isinstance(
            getattr(input_tensors.node, "layer", None), InputLayer
        ):
            raise ValueError(
                "clone_model: argument `input_tensors` must be a symbolic tensor from "
                f"deepnum.Input(...). Received invalid value: input_tensors={input_tensors!r}"
            )
        layers = [input_tensors] + layers
    elif source is not None:
        source_input = Input(batch_shape=source.batch_shape, dtype=source.dtype, name=source.name)
        layers = [source_input] + layers
    clone = Sequential(layers, name=model.name, trainable=model.trainable)
    _compile_like(model, clone)
    return clone


def _clone_functional(
    model: Model, clone_function: Callable, input_tensors: Any, call_function: Callable | None
) -> Model:
    graph = model._graph
    if input_tensors is None:
        inputs = _map_tensors(
            lambda t: Input(batch_shape=t.shape, dtype=t.dtype, name=t.name), graph.inputs
        )
    else:
        inputs = input_tensors
        flat = _flatten(inputs)
        if not all(isinstance(t, KerasTensor) for t in flat):
            raise ValueError(
                "clone_model: all entries in `input_tensors` must be symbolic tensors. Received "
                f"invalid values: input_tensors={input_tensors!r}"
            )
        if len(flat) != len(graph.flat_inputs):
            raise ValueError(
                "clone_model: `input_tensors` must have the same structure as model.input. "
                f"Reference structure: {graph.inputs}. Received structure: {input_tensors}"
            )
    values = {id(old): new for old, new in zip(graph.flat_inputs, _flatten(inputs))}

    def new_value(t: Any) -> Any:
        return values[id(t)] if isinstance(t, KerasTensor) else t

    for node in graph.nodes:
        if isinstance(node.layer, InputLayer):
            continue
        layer = clone_function(node.layer)
        args = _map_tensors(new_value, node.args)
        kwargs = _map_tensors(new_value, node.kwargs)
        out = call_function(layer, *args, **kwargs) if call_function else layer(*args, **kwargs)
        for old, new in zip(node.outputs, _flatten(out)):
            values[id(old)] = new
    outputs = _map_tensors(lambda t: values[id(t)], graph.outputs)
    cls = type(model) if _takes_inputs_and_outputs(type(model)) else Model
    clone = cls(inputs, outputs, name=model.name)
    _compile_like(model, clone)
    return clone


def _takes_inputs_and_outputs(cls: type) -> bool:
    """True for Model and subclasses whose constructor is Model's (inputs, outputs, name)."""
    params = list(inspect.signature(cls.__init__).parameters)[1:4]
    return params[:2] == ["inputs", "outputs"]


def _compile_like(model: Model, clone: Model) -> None:
    if getattr(model, "compiled", False):
        config = model.get_compile_config()
        if config:
            clone.compile_from_config(config)
