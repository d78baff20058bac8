"""CheckpointLayer: a layer whose activations are recomputed in the backward pass (what
``deepnum.checkpoint(layer)`` returns). Imported on first use: it builds on the layers."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.checkpointing import checkpoint
from deepnum.layers.core.wrapper import Wrapper
from deepnum.saving.object_registration import register_keras_serializable


@register_keras_serializable(package="deepnum")
class CheckpointLayer(Wrapper):
    """Run ``layer`` under :func:`~deepnum.autodiff.checkpointing.checkpoint`: same outputs,
    weights and gradients; only its inputs are kept for the backward pass.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.checkpoint(dn.layers.Dense(2, kernel_initializer="ones"))
        >>> layer(np.ones((1, 3), "float32")).tolist(), len(layer.trainable_weights)
        ([[3.0, 3.0]], 2)
    """

    def call(self, inputs: Any, training: Any = None) -> Any:
        return checkpoint(lambda x: self.layer(x, training=training))(inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.layer.compute_output_shape(input_shape)
