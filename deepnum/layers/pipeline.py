"""Pipeline: a plain layer that applies a list of layers in turn (Keras 3's
``keras.layers.Pipeline``, typically a preprocessing or augmentation chain)."""

from __future__ import annotations

from typing import Any

from deepnum.layers import serialization
from deepnum.layers.layer import Layer


class Pipeline(Layer):
    """Apply ``layers`` one after the other: y = ``layers[-1](… layers[0](x))``.

    Unlike a Sequential it is a layer, not a model (no compile/fit). Masks flow from one layer
    to the next; ``training`` is passed to the layers that take it, and defaults to True as in
    Keras (augmentation layers are active when a pipeline is called on its own; inside
    ``fit``/``predict`` the model's mode is used).

    Args:
        layers: the layers, in order.
        name: the layer's name.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> pipeline = dn.layers.Pipeline([dn.layers.Rescaling(0.5), dn.layers.Flatten()])
        >>> pipeline(np.ones((2, 2, 3), "float32")).numpy().tolist()
        [[0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]]
    """

    # A plain attribute here (Layer's is a property): Keras's files keep the layers under
    # ``<pipeline>/layers``, and the weights walk finds them under the attribute's name.
    layers: list[Layer] | None = None

    def __init__(self, layers: list, name: str | None = None) -> None:
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(x, Layer) for x in layers):
            raise ValueError(
                "Pipeline: argument `layers` must be a list of deepnum layers, received "
                f"layers={layers!r}."
            )
        self.layers = list(layers)
        self.supports_masking = True

    def build(self, input_shape: Any = None) -> None:
        """Build each layer on the output shape of the one before."""
        for layer in self.layers:
            if not layer.built:
                layer.build(input_shape)
                layer.built = True
                layer._build_shapes = input_shape
            input_shape = layer.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs: Any, training: bool | None = True, mask: Any = None) -> Any:
        training = True if training is None else training
        outputs = inputs
        for layer in self.layers:
            kwargs: dict[str, Any] = {"training": training}
            if mask is not None:
                kwargs["mask"] = mask
            outputs = layer(outputs, **kwargs)
            mask = getattr(outputs, "_keras_mask", None)
        return outputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None  # the last layer's output already carries its mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        for layer in self.layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self) -> dict:
        return {
            "layers": [serialization.serialize(layer) for layer in self.layers],
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Pipeline:
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "Pipeline: the config must map `layers` to a list of serialized layers, "
                f"received layers={layers!r}."
            )
        rebuilt = [serialization.deserialize(layer, custom_objects) for layer in layers]
        return cls(rebuilt, name=config.get("name"))
