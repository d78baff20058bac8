"""Noise layers: GaussianNoise, GaussianDropout and AlphaDropout (training only; identity at
inference, as in Keras 3). The noise is a constant of the graph: gradients flow through the
inputs only."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import default_rng, get_array_module
from deepnum.layers.layer import Layer
from deepnum.layers.regularization.dropout import _noise_shape

# SELU's constants: the fixed point of its mean and variance is (0, 1).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _fraction(owner: str, arg: str, value: Any, allow_one: bool) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and 0 <= value <= 1 and (allow_one or value < 1)
    if not ok:
        upper = "≤ 1" if allow_one else "< 1 (at 1 the noise would be infinite)"
        raise ValueError(
            f"{owner}: argument `{arg}` must be a number ≥ 0 and {upper}, received {arg}={value!r}."
        )
    return float(value)


class _NoiseLayer(Layer):
    """Shared by the noise layers: the seeded random stream and the constant noise tensors."""

    def __init__(self, seed: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        if seed is not None and (
            not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0
        ):
            raise ValueError(
                f"{owner}: argument `seed` must be None or a non-negative integer, "
                f"received seed={seed!r}."
            )
        self.seed = None if seed is None else int(seed)
        # a layer-local stream for a seed; otherwise the global one (utils.set_random_seed)
        self._rng = None if seed is None else np.random.default_rng(self.seed)
        self.supports_masking = True
        self.built = True

    def _constant(self, values: np.ndarray, like: Tensor) -> Tensor:
        xp = get_array_module(like.data)
        values = values.astype(like.dtype, copy=False)
        return Tensor._make(values if xp is np else xp.asarray(values))

    def _normal(self, shape: tuple, mean: float, stddev: float, like: Tensor) -> Tensor:
        rng = self._rng or default_rng()
        return self._constant(rng.normal(mean, stddev, shape), like)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


class GaussianNoise(_NoiseLayer):
    """Additive zero-centred Gaussian noise while training (a regularizer, and a way to
    make a model robust to noisy inputs):

        y = x + n,  n ~ N(0, stddev²)   (training=True);   y = x   (otherwise)

    Args:
        stddev: standard deviation of the noise, in [0, 1].
        seed: an int for a layer-local random stream; ``None`` uses deepnum's global one.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.GaussianNoise(0.1, seed=0)
        >>> x = np.zeros((1, 3), "float32")
        >>> layer(x).numpy().tolist(), bool(layer(x, training=True).numpy().any())
        ([[0.0, 0.0, 0.0]], True)
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        self.stddev = _fraction("GaussianNoise", "stddev", stddev, allow_one=True)

    def call(self, inputs: Tensor, training: bool | None = False) -> Tensor:
        if not training or self.stddev == 0:
            return inputs
        return inputs + self._normal(inputs.shape, 0.0, self.stddev, inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_NoiseLayer):
    """Multiplicative one-centred Gaussian noise while training, with the variance of inverted
    dropout at the same rate (Srivastava et al., 2014):

        y = x · n,  n ~ N(1, rate / (1 − rate))   (training=True);   y = x   (otherwise)

    Args:
        rate: the equivalent drop probability, in [0, 1).
        seed: an int for a layer-local random stream; ``None`` uses deepnum's global one.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.GaussianDropout(0.2)
        >>> layer(np.ones((1, 2), "float32")).numpy().tolist()
        [[1.0, 1.0]]
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        self.rate = _fraction("GaussianDropout", "rate", rate, allow_one=False)

    def call(self, inputs: Tensor, training: bool | None = False) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * self._normal(inputs.shape, 1.0, stddev, inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(_NoiseLayer):
    """Dropout for self-normalizing networks (SELU; Klambauer et al., 2017): dropped units are
    set to SELU's negative saturation α' = −λα instead of 0, then an affine map restores the
    mean and variance of the inputs (0 and 1 at SELU's fixed point):

        y = a · (x · m + α' · (1 − m)) + b,  m ~ Bernoulli(1 − rate) of shape ``noise_shape``
        a = ((1 − rate)(1 + rate · α'²))^(−1/2),  b = −a · α' · rate

    Identity at inference.

    Args:
        rate: drop probability, in [0, 1).
        noise_shape: shape of the binary mask, ``None`` entries taking the input's size.
        seed: an int for a layer-local random stream; ``None`` uses deepnum's global one.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> y = dn.layers.AlphaDropout(0.5, seed=1)(np.zeros((1, 4), "float32"), training=True)
        >>> sorted({round(float(v), 4) for v in y.numpy().ravel()})
        [-0.7792, 0.7792]
    """

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(seed, **kwargs)
        self.rate = _fraction("AlphaDropout", "rate", rate, allow_one=False)
        self.noise_shape = _noise_shape("AlphaDropout", noise_shape)

    def call(self, inputs: Tensor, training: bool | None = False) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        kept = self._constant(self._uniform_kept(shape), inputs)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        return (inputs * kept + alpha_p * (1 - kept)) * a + b

    def _uniform_kept(self, shape: tuple) -> np.ndarray:
        return ((self._rng or default_rng()).random(shape) >= self.rate).astype(np.float32)

    def get_config(self) -> dict:
        shape = None if self.noise_shape is None else list(self.noise_shape)
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": shape}
