"""CustomScaleLayer: a residual sum with a scaled branch (Inception-ResNet)."""

from __future__ import annotations

import numbers
from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.layer import Layer


class CustomScaleLayer(Layer):
    """Add a scaled residual branch to its input: ``[x, r] → x + scale · r``.

    Inception-ResNet-v2 scales each residual branch by 0.1–0.2 before the sum, which keeps its
    very deep training stable (Szegedy et al., "Inception-v4, Inception-ResNet and the Impact
    of Residual Connections on Learning"). Keras defines it in
    ``keras.applications.inception_resnet_v2``; name and config are Keras's.

    Args:
        scale: the factor applied to the second input.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> x, r = np.ones((1, 2), "float32"), np.full((1, 2), 10.0, "float32")
        >>> dn.layers.CustomScaleLayer(0.1)([x, r]).numpy().tolist()
        [[2.0, 2.0]]
    """

    def __init__(self, scale: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(scale, numbers.Real) or isinstance(scale, bool):
            raise ValueError(
                f"CustomScaleLayer: argument `scale` must be a number, received scale={scale!r}."
            )
        self.scale = scale

    def call(self, inputs: Any) -> Tensor:
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                f'CustomScaleLayer "{self.name}": expected a list of two inputs [x, residual], '
                f"received {type(inputs).__name__}"
                f"{' of length ' + str(len(inputs)) if isinstance(inputs, (list, tuple)) else ''}."
            )
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape[0])

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}
