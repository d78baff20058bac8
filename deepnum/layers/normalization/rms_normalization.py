"""RMSNormalization (Keras 3 semantics)."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.layers import _args
from deepnum.layers.layer import Layer
from deepnum.layers.normalization.unit_normalization import _axes, _check_axes


class RMSNormalization(Layer):
    """Root-mean-square normalization (Zhang & Sennrich, 2019), with a learned scale:

        y = x / √(mean(x²) + ε) · scale,   the mean over ``axis``

    No centring and no offset: cheaper than LayerNormalization, used by most recent language
    models.

    Args:
        axis: an int or a list of ints; ``scale`` has the input's sizes on these axes.
        epsilon: small constant ε added to the mean square.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.RMSNormalization(epsilon=0.0)
        >>> [round(float(v), 4) for v in layer(np.array([[3.0, 4.0]], "float32"))[0]]
        [0.8485, 1.1314]
        >>> layer.scale.shape
        (2,)
    """

    def __init__(self, axis: Any = -1, epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = _axes("RMSNormalization", axis)
        self.epsilon = _args.number("RMSNormalization", "epsilon", epsilon, 0.0)
        self.scale = None

    def build(self, input_shape: tuple) -> None:
        owner = f'RMSNormalization "{self.name}"'
        axes = _check_axes(owner, self.axis, input_shape)
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(
                f"{owner}: the normalized axes {self.axis} must have known sizes, received "
                f"input shape {shape_str(tuple(input_shape))}."
            )
        self.scale = self.add_weight(shape, "ones", name="scale")
        self._axes = tuple(axes)
        # Keras keeps the axes as a sorted list once built (its config then says so).
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        return ops.rms_normalization(inputs, self.scale, self._axes, self.epsilon)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        _check_axes("RMSNormalization", self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
