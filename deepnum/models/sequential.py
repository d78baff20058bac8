"""Sequential: a plain stack of layers, each with one input and one output."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.layers.layer import Layer
from deepnum.models.functional import InputLayer, KerasTensor
from deepnum.models.graph import Graph
from deepnum.models.model import Model


class Sequential(Model):
    """A linear stack of layers (Keras's ``keras.Sequential``).

    The model is built as soon as the input shape is known: from an ``Input``, from
    ``input_shape=`` on the first layer (the Keras-2 idiom), or on the first call.

    Args:
        layers: optional list of layers to add.
        name: the model's name.

    Example:
        >>> import deepnum as dn
        >>> model = dn.Sequential()
        >>> model.add(dn.layers.Dense(32, input_shape=(784,)))
        >>> model.add(dn.layers.Dense(10))
        >>> model.count_params(), model.output_shape
        (25450, (None, 10))
    """

    def __init__(
        self, layers: list[Layer] | None = None, trainable: bool = True, name: str | None = None
    ) -> None:
        super().__init__(trainable=trainable, name=name)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        self.built = False
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_graph()

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    def _sublayers(self):
        return iter(self._stack)

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append a layer (or an ``Input`` tensor, which sets the input shape)."""
        if isinstance(layer, KerasTensor):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add: only Layer instances can be added, received {layer!r} of type "
                f"{type(layer).__name__}."
            )
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("Sequential.add: an Input can only be the first layer.")
            self._input_layer = layer
        else:
            if any(l.name == layer.name for l in self._stack):
                raise ValueError(
                    f'Sequential.add: all layers must have unique names; "{layer.name}" is '
                    "already in the model."
                )
            if not self._stack and self._input_layer is None and layer._batch_input_shape:
                self._input_layer = InputLayer(batch_shape=layer._batch_input_shape)
            self._stack.append(layer)
        if rebuild:
            self._maybe_build_graph()

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer (and trace the shorter stack if ``rebuild``)."""
        if not self._stack:
            raise TypeError("Sequential.pop: there are no layers in the model.")
        layer = self._stack.pop()
        self._graph = None
        self.built = False
        if rebuild:
            self._maybe_build_graph()
        return layer

    def _maybe_build_graph(self) -> None:
        """Trace the stack symbolically once the input shape is known."""
        if self._input_layer is None and len(self._stack) > 1:
            # As Keras: a first layer that knows its input shape (a built model) gives it.
            try:
                shape = self._stack[0].input_shape
            except AttributeError:
                shape = None
            if isinstance(shape, tuple):
                self._input_layer = InputLayer(batch_shape=shape)
        if self._input_layer is None or not self._stack:
            return
        x = self._input_layer.output
        for layer in self._stack:
            x = layer(x)
        self._graph = Graph(self._input_layer.output, x)
        self.built = True

    def build(self, input_shape: Any = None) -> None:
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(
                    "Sequential.build: pass input_shape (with the batch axis, e.g. (None, 784)) "
                    "or add an Input first."
                )
        else:
            self._input_layer = InputLayer(batch_shape=tuple(input_shape))
        self._maybe_build_graph()

    def _maybe_build(self, inputs: Any) -> None:
        # As Keras, the first call fixes the input shape, batch size included
        # (``layer.output.shape`` is then ``(batch, ...)``; other batch sizes still run).
        if self._graph is None and hasattr(inputs, "shape"):
            dtype = getattr(inputs, "dtype", None)
            if dtype is not None and np.dtype(dtype).kind in "iub":  # token ids stay integers
                self._input_layer = InputLayer(batch_shape=tuple(inputs.shape), dtype=dtype)
                self._maybe_build_graph()
            else:
                self.build(tuple(inputs.shape))

    def call(self, inputs: Any, training: Any = None, mask: Any = None, **kwargs: Any) -> Any:
        if self._graph is not None:
            return super().call(inputs, training=training, mask=mask, **kwargs)
        x = inputs
        for layer in self._stack:  # nested inputs: the layers one after the other
            x = layer(x) if training is None else layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for ``input_shape``: each layer's rule applied in turn."""
        for layer in self._stack:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self) -> dict:
        from deepnum.models.serialization import sequential_config

        return sequential_config(self)

    @property
    def input_shape(self) -> Any:
        if self._input_layer is None:
            raise AttributeError(
                f'Sequential model "{self.name}" has no input shape yet: add an Input or call it.'
            )
        return self._input_layer.batch_shape
