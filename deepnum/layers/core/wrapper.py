"""Wrapper: the base class of layers that take another layer and augment it (Keras's
``keras.layers.Wrapper``; e.g. SpectralNormalization)."""

from __future__ import annotations

import copy
from typing import Any

from deepnum.layers import serialization
from deepnum.layers.layer import Layer


class Wrapper(Layer):
    """Base class of layers wrapping another layer, stored as ``self.layer``.

    The wrapped layer's weights are the wrapper's weights (they are found through the
    attribute), ``build`` builds the wrapped layer, and the config holds the wrapped layer's
    serialized config under ``"layer"``. Subclasses implement ``call``.

    Args:
        layer: the layer to wrap (a :class:`~deepnum.layers.Layer` instance).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> class Doubled(dn.layers.Wrapper):
        ...     def call(self, x):
        ...         return 2 * self.layer(x)
        >>> layer = Doubled(dn.layers.Dense(2, kernel_initializer="ones"))
        >>> layer(np.ones((1, 3), "float32")).numpy().tolist(), len(layer.weights)
        ([[6.0, 6.0]], 2)
    """

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                f"{type(self).__name__}: argument `layer` must be a deepnum.layers.Layer "
                f"instance, received layer={layer!r}. Wrap a layer, e.g. "
                f"{type(self).__name__}(layers.Dense(8))."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape: Any = None) -> None:
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
            self.layer._build_shapes = input_shape
        self.built = True

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialization.serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Wrapper:
        config = copy.deepcopy(config)
        layer = serialization.deserialize(config.pop("layer"), custom_objects)
        return cls(layer, **config)
