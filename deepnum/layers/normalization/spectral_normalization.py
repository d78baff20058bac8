"""SpectralNormalization: a wrapper that divides a layer's kernel by its largest singular value
(Keras 3 semantics: one power-iteration step per training call, the kernel updated in place)."""

from __future__ import annotations

import numbers
from typing import Any

from deepnum import initializers, ops
from deepnum.autodiff.mode import no_grad
from deepnum.autodiff.tensor import Tensor
from deepnum.layers.core.wrapper import Wrapper
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer


class SpectralNormalization(Wrapper):
    """Constrain the spectral norm of a layer's kernel to 1 (Miyato et al., 2018), which bounds
    the layer's Lipschitz constant and stabilises GAN discriminators.

    With W the kernel reshaped to (−1, units) and u the persistent estimate of its top left
    singular vector (``vector_u``, shape (1, units)), each training call runs
    ``power_iterations`` steps of

        v = normalize(u Wᵀ),   u = normalize(v W)

    then sets σ = v W uᵀ (an estimate of the largest singular value), assigns W ← W / σ and
    calls the wrapped layer. The assignment is not differentiated through: the gradient of the
    kernel is that of the wrapped layer at the normalized kernel (as in Keras). An all-zero
    kernel is left as it is. At inference the wrapped layer runs on the current kernel.

    Args:
        layer: a layer with a ``kernel`` (Dense, Conv*, …) or ``embeddings`` (Embedding).
        power_iterations: power-iteration steps per training call (≥ 1).

    Weights: the wrapped kernel, ``vector_u`` (non-trainable), then the wrapped layer's other
    weights (Keras's order).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.SpectralNormalization(dn.layers.Dense(4))
        >>> y = layer(np.ones((2, 3), "float32"), training=True)
        >>> bool(np.linalg.svd(layer.layer.kernel.numpy())[1][0] < 1.5)
        True
    """

    def __init__(self, layer: Layer, power_iterations: int = 1, **kwargs: Any) -> None:
        super().__init__(layer, **kwargs)
        if (
            not isinstance(power_iterations, numbers.Integral)
            or isinstance(power_iterations, bool)
            or power_iterations <= 0
        ):
            raise ValueError(
                "SpectralNormalization: argument `power_iterations` must be an integer greater "
                f"than zero, received power_iterations={power_iterations!r}."
            )
        self.power_iterations = int(power_iterations)
        self.kernel = self.vector_u = None

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(
                f'SpectralNormalization "{self.name}": the wrapped layer '
                f"{type(self.layer).__name__} has neither a `kernel` nor an `embeddings` "
                "weight. Wrap a Dense, convolution or Embedding layer."
            )
        self.kernel = kernel
        self.vector_u = self.add_weight(
            (1, kernel.shape[-1]),
            initializers.TruncatedNormal(stddev=0.02),
            dtype=kernel.dtype,
            trainable=False,
            name="vector_u",
        )
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = False) -> Tensor:
        if training:
            with no_grad():
                if bool((self.kernel.data != 0).any()):
                    vector_u, kernel = self.normalized_weights()
                    self.vector_u.assign(vector_u.data)
                    self.kernel.assign(kernel.data)
        outputs = self.layer(inputs)
        return ops.cast(outputs, inputs.dtype) if inputs.dtype.kind == "f" else outputs

    def normalized_weights(self) -> tuple[Tensor, Tensor]:
        """(u, W / σ) after ``power_iterations`` power-iteration steps, as in the class
        docstring; nothing is assigned."""
        shape = self.kernel.shape
        weights = ops.reshape(self.kernel, (-1, shape[-1]))
        vector_u = ops.convert_to_tensor(self.vector_u)
        for _ in range(self.power_iterations):
            vector_v = ops.normalize(ops.matmul(vector_u, ops.transpose(weights)), axis=None)
            vector_u = ops.normalize(ops.matmul(vector_v, weights), axis=None)
        sigma = ops.matmul(ops.matmul(vector_v, weights), ops.transpose(vector_u))
        return vector_u, ops.reshape(self.kernel / sigma, shape)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "power_iterations": self.power_iterations}
