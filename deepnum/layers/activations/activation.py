"""Activation: apply an activation function by name or callable."""

from __future__ import annotations

from typing import Any

from deepnum import activations
from deepnum.autodiff.tensor import Tensor
from deepnum.layers.layer import Layer


class Activation(Layer):
    """Apply an activation function elementwise: ``y = activation(x)``.

    Args:
        activation: a name from ``deepnum.activations`` (``"relu"``, ``"softmax"``, …) or a
            callable.

    Example:
        >>> import deepnum as dn
        >>> dn.layers.Activation("relu")(dn.tensor([[-1.0, 2.0]])).numpy().tolist()
        [[0.0, 2.0]]
    """

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
