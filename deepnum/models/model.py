"""Model: a Layer with training and inference APIs. Built two ways: Functional
(``Model(inputs, outputs)``) or by subclassing (override ``__init__`` and ``call``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.mode import no_grad
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _auto_config
from deepnum.layers.layer import Layer, _shapes
from deepnum.layers.layer_state import _step_memo
from deepnum.models.functional import KerasTensor
from deepnum.models.graph import (
    Graph,
    adjust_input_rank,
    check_model_input,
    flatten_model_inputs,
)
from deepnum.training.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable graph of layers (Keras's ``keras.Model``).

    Functional:
        >>> import deepnum as dn
        >>> inputs = dn.Input(shape=(4,))
        >>> outputs = dn.layers.Dense(2)(inputs)
        >>> dn.Model(inputs, outputs).count_params()
        10

    Subclassing:
        >>> class MLP(dn.Model):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = dn.layers.Dense(8, activation="relu")
        ...         self.out = dn.layers.Dense(1)
        ...     def call(self, x, training=False):
        ...         return self.out(self.hidden(x))
        >>> MLP()(np.zeros((3, 4), "float32")).shape
        (3, 1)
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        obj = super().__new__(cls)
        # Keras's Model.__new__ keeps no constructor arguments: the default get_config of a
        # subclassed model holds the defaults of its __init__ (or raises, see get_config).
        object.__setattr__(obj, "_init_args", _auto_config.InitArgs((), {}))
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        functional = _functional_arguments(args, kwargs)
        if functional is None:
            Layer.__init__(self, *args, **kwargs)
        else:
            inputs, outputs, name, kwargs = functional
            trainable = kwargs.pop("trainable", True)
            dtype = kwargs.pop("dtype", None)
            if name is None:
                from deepnum.layers.context import unique_name

                name = unique_name("functional")
            Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._init_trainer()
        self._graph: Graph | None = None
        if functional is not None:
            inputs, outputs = functional[:2]
            if inputs is None or outputs is None:
                raise ValueError("Model(inputs, outputs): pass both `inputs` and `outputs`.")
            if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
                outputs = outputs[0]  # Keras returns the one output itself, not a list
            self._graph = Graph(inputs, outputs)
            self._call_signature = {
                "training": True,
                "training_default": None,
                "mask": True,
                "first_argument": "inputs",
            }
            self.built = True

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> list[Layer]:
        """The layers in Keras's order (for a Functional model: by depth from the inputs)."""
        if self._graph is not None:
            return self._graph.keras_layers()
        return list(self._sublayers())

    @property
    def inputs(self) -> Any:
        return None if self._graph is None else self._graph.flat_inputs

    @property
    def outputs(self) -> Any:
        return None if self._graph is None else self._graph.flat_outputs

    @property
    def input(self) -> Any:
        """The model's symbolic input(s), as given to ``Model(inputs, outputs)``."""
        return Layer.input.fget(self) if self._graph is None else self._graph.inputs

    @property
    def output(self) -> Any:
        """The model's symbolic output(s), as given to ``Model(inputs, outputs)``."""
        return Layer.output.fget(self) if self._graph is None else self._graph.outputs

    @property
    def input_shape(self) -> Any:
        specs = self.inputs
        if specs is None:
            raise AttributeError(f'Model "{self.name}" has no defined input shape yet.')
        return specs[0].shape if len(specs) == 1 else [t.shape for t in specs]

    @property
    def output_shape(self) -> Any:
        specs = self.outputs
        if specs is None:
            raise AttributeError(f'Model "{self.name}" has no defined output shape yet.')
        return specs[0].shape if len(specs) == 1 else [t.shape for t in specs]

    def _sublayers(self):
        if self._graph is not None:
            return iter(_step_memo("sublayers", self, self._graph.keras_layers))
        return super()._sublayers()

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Find a layer by name (or by position in ``layers``)."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"get_layer: index {index} is out of range ({len(layers)} layers)."
                )
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name!r}. Existing layers are: {[l.name for l in layers]}."
        )

    # ------------------------------------------------------------------ calling
    def call(self, *args: Any, **kwargs: Any) -> Any:
        if self._graph is None:
            raise NotImplementedError(
                f"{type(self).__name__} has no call(): subclass deepnum.Model and define "
                "call(self, inputs, training=False), or build a Functional model with "
                "Model(inputs, outputs)."
            )
        return self._run_graph(*args, **kwargs)

    def _run_graph(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        """A Functional model's forward pass; ``mask`` (the inputs' Keras masks) is attached
        to the inputs, so that the model's layers receive it."""
        flat = flatten_model_inputs(self._graph, inputs)
        flat = [adjust_input_rank(spec, v) for spec, v in zip(self._graph.flat_inputs, flat)]
        for i, (spec, value) in enumerate(zip(self._graph.flat_inputs, flat)):
            check_model_input(self.name, spec, value, i)
        flat = [spec.node.layer._standardize(v) for spec, v in zip(self._graph.flat_inputs, flat)]
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(flat)
        for value, m in zip(flat, masks):
            if (
                m is not None
                and isinstance(value, Tensor)
                and getattr(value, "_keras_mask", None) is None
            ):
                value._keras_mask = m
        return self._graph.run(flat, training=training)

    def _set_mask(self, inputs: Any, outputs: Any, mask: Any) -> None:
        if self._graph is None:  # a Functional model's outputs carry its layers' masks
            super()._set_mask(inputs, outputs, mask)

    def build(self, input_shape: Any) -> None:
        """Build a subclassed model by calling it once on zeros of ``input_shape``."""
        if self._graph is not None or input_shape is None:
            self.built = True
            return
        dummy = _dummy_inputs(input_shape, self.dtype)
        with no_grad():
            self(dummy, training=False)
        self._build_shapes = input_shape
        self.built = True

    def _maybe_build(self, inputs: Any) -> None:
        # A subclassed model builds its layers inside call(); only a user-defined build runs.
        if not self.built and type(self).build is not Model.build:
            super()._maybe_build(inputs)
        if self._build_shapes is None and self._graph is None:
            self._build_shapes = _shapes(inputs)  # saved as build_config, like Keras
        self.built = True

    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Any = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Print the Keras-style table: layer (type), output shape, parameter count (and,
        with ``show_trainable``, whether each layer is trainable).

        Args:
            line_length: total width of the table.
            positions: accepted for Keras compatibility (column widths follow the content).
            print_fn: called with the whole table (default ``print``).
            expand_nested: accepted for Keras compatibility (nested models show as one row).
            show_trainable: add a "Trainable" column (Y / N).
            layer_range: accepted for Keras compatibility (all layers are shown).
        """
        from deepnum.models.summary import summary_lines

        lines = summary_lines(self, line_length=line_length, show_trainable=show_trainable)
        (print_fn or print)("\n".join(lines))

    def stateless_call(
        self,
        trainable_variables: Any,
        non_trainable_variables: Any,
        *args: Any,
        return_losses: bool = False,
        **kwargs: Any,
    ) -> tuple:
        """Call the model with the given variable values and no side effect (Keras's).

        Returns ``(outputs, non_trainable_variables)`` (the latter updated by the call, e.g.
        BatchNormalization's statistics), plus the losses with ``return_losses``; see
        :func:`deepnum.autodiff.functional.stateless_call`. The model's variables are left
        untouched, and ``grad``, ``vmap`` and ``jvp`` apply to the result.
        """
        from deepnum.autodiff.functional import stateless_call

        return stateless_call(
            self, trainable_variables, non_trainable_variables, *args,
            return_losses=return_losses, **kwargs,
        )  # fmt: skip

    def get_config(self) -> dict:
        """A Functional model's graph; for a subclassed model, as Keras: the defaults of its
        ``__init__`` (``NotImplementedError`` when some argument has no default) unless the
        subclass defines ``get_config``."""
        from deepnum.models.serialization import model_config

        if self._graph is not None:
            return model_config(self)
        return (
            Layer.get_config(self)
            if type(self).get_config is not Model.get_config
            else (self._default_config())
        )

    def _default_config(self) -> dict:
        config: dict[str, Any] = {"name": self.name}
        config.update(_auto_config.recorded_config(self, (), {}))
        if not _auto_config.keeps_name(self):
            config.pop("name")
        config.update({"trainable": self.trainable, "dtype": self.dtype})
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Model:
        from deepnum.models.serialization import model_from_config

        return model_from_config(cls, config, custom_objects)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # ------------------------------------------------------------------ saving
    def save(
        self, filepath: Any, overwrite: bool = True, zipped: bool | None = None, **kwargs: Any
    ) -> None:
        """Save architecture, weights, compile configuration and optimizer state in Keras 3's
        ``.keras`` format (see ``deepnum.saving.save_model``); the write is atomic."""
        from deepnum.saving import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(
        self, filepath: Any, overwrite: bool = True, max_shard_size: float | None = None
    ) -> None:
        """Save the weights (and optimizer state) to ``*.weights.h5`` in Keras 3's layout.
        Sharded files (``max_shard_size``) are not written by deepnum."""
        from deepnum.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, **kwargs: Any) -> None:
        """Load weights from ``*.weights.h5``, ``*.keras`` or a legacy ``.h5`` file."""
        from deepnum.saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs: Any) -> str:
        """The model's config as a JSON string (Keras 3's schema); ``**kwargs`` go to
        ``json.dumps``. Rebuild with ``deepnum.models.model_from_json``."""
        import json

        from deepnum.saving import serialize_keras_object

        return json.dumps(serialize_keras_object(self), **kwargs)

    def get_compile_config(self) -> dict | None:
        """The serialized arguments of ``compile`` (None if the model was never compiled)."""
        from deepnum.saving import get_compile_config

        return get_compile_config(self)

    def compile_from_config(self, config: dict) -> None:
        """Compile with the arguments saved by ``get_compile_config`` (Keras's too)."""
        from deepnum.saving.serialization import compile_from_config

        compile_from_config(self, config)


def _functional_arguments(args: tuple, kwargs: dict) -> tuple | None:
    """``(inputs, outputs, name, other kwargs)`` when ``Model(...)`` is called the Functional
    way (Keras's test: two positionals, or ``inputs`` and ``outputs`` by keyword), else None."""
    kwargs = dict(kwargs)
    names = ("inputs", "outputs", "name")
    if len(args) > 3 or (len(args) < 2 and "outputs" not in kwargs and "inputs" not in kwargs):
        return None
    values = dict(zip(names, args))
    for key in names:
        if key in kwargs:
            if key in values:
                raise TypeError(f"Model() got multiple values for argument '{key}'.")
            values[key] = kwargs.pop(key)
    return values.get("inputs"), values.get("outputs"), values.get("name"), kwargs


def _dummy_inputs(shapes: Any, dtype: str) -> Any:
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [_dummy_inputs(s, dtype) for s in shapes]
    if isinstance(shapes, dict):
        return {k: _dummy_inputs(v, dtype) for k, v in shapes.items()}
    return Tensor._make(np.zeros(tuple(1 if s is None else s for s in shapes), dtype=dtype))


__all__ = ["KerasTensor", "Model"]
