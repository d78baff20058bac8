"""LayerScale: a learned per-channel scale of a residual branch (CaiT, ConvNeXt)."""

from __future__ import annotations

import numbers
from typing import Any

from deepnum import initializers
from deepnum.autodiff.tensor import Tensor
from deepnum.layers.layer import Layer


class LayerScale(Layer):
    """Multiply the last axis by a learned vector γ, initialised to a small constant.

    y = x ⊙ γ,  γ ∈ ℝ^projection_dim,  γ₀ = init_values

    ConvNeXt scales each residual branch this way (``init_values=1e-6``), so a deep network
    starts close to the identity (Touvron et al., "Going deeper with Image Transformers").
    Keras defines it in ``keras.applications.convnext``; the class name, config and weight are
    Keras's, so ConvNeXt files move between the two.

    Args:
        init_values: the initial value of every entry of γ.
        projection_dim: the size of the last axis of the input (the length of γ).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.LayerScale(0.5, 3)
        >>> layer(np.ones((1, 3), "float32")).numpy().tolist()
        [[0.5, 0.5, 0.5]]
    """

    def __init__(self, init_values: float, projection_dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(init_values, numbers.Real) or isinstance(init_values, bool):
            raise ValueError(
                f"LayerScale: argument `init_values` must be a number (the initial scale), "
                f"received init_values={init_values!r}."
            )
        if (
            not isinstance(projection_dim, numbers.Integral)
            or isinstance(projection_dim, bool)
            or projection_dim <= 0
        ):
            raise ValueError(
                "LayerScale: argument `projection_dim` must be a positive integer (the size of "
                f"the input's last axis), received projection_dim={projection_dim!r}."
            )
        self.init_values = float(init_values)
        self.projection_dim = int(projection_dim)
        self.gamma = None

    def build(self, input_shape: Any) -> None:
        last = input_shape[-1] if input_shape else None
        if last is not None and last != self.projection_dim:
            raise ValueError(
                f'LayerScale "{self.name}": the input\'s last axis has size {last}, but '
                f"projection_dim={self.projection_dim}; pass projection_dim={last}."
            )
        self.gamma = self.add_weight(
            shape=(self.projection_dim,),
            initializer=initializers.Constant(self.init_values),
            trainable=True,
            name="gamma",
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        return inputs * self.gamma

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "init_values": self.init_values,
            "projection_dim": self.projection_dim,
        }
