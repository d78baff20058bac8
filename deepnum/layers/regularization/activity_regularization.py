"""ActivityRegularization: an L1/L2 penalty on the activations passing through."""

from __future__ import annotations

from typing import Any

from deepnum import regularizers
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers.layer import Layer


class ActivityRegularization(Layer):
    """Return the input unchanged and add a penalty on it to the model's losses:

        loss = (l1 · Σ|x| + l2 · Σx²) / batch size

    (the activity penalty of Keras 3, divided by the batch size), recomputed at each call.

    Args:
        l1, l2: the non-negative L1 and L2 factors.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.ActivityRegularization(l1=0.5)
        >>> y = layer(np.array([[1.0, -2.0], [3.0, 0.0]], "float32"))
        >>> [float(v.numpy()) for v in layer.losses]   # 0.5 · 6 / 2
        [1.5]
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.l1 = _args.number("ActivityRegularization", "l1", l1, 0.0)
        self.l2 = _args.number("ActivityRegularization", "l2", l2, 0.0)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        _args.add_activity_loss(self, inputs)
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
