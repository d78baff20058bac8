"""Dropout layers: Dropout and SpatialDropout1D/2D/3D (inverted dropout, training only)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import default_rng, get_array_module
from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer


class Dropout(Layer):
    """Inverted dropout: while training, zero each unit with probability ``rate`` and scale the
    survivors by ``1 / (1 − rate)``, so the expected value is unchanged and inference is the
    identity.

    y = x ⊙ m / (1 − rate),  m ~ Bernoulli(1 − rate)   (training=True)
    y = x                                              (otherwise)

    Args:
        rate: fraction of units to drop, in ``[0, 1)``.
        noise_shape: shape of the binary mask, broadcast against the input; ``None`` entries
            take the input's size (e.g. ``(None, 1, features)`` drops the same features at
            every time step).
        seed: an int for a layer-local random stream; ``None`` uses deepnum's global generator
            (seeded by ``deepnum.utils.set_random_seed``).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.Dropout(0.5)
        >>> x = np.ones((1, 4), "float32")
        >>> layer(x).numpy().tolist()              # inference: identity
        [[1.0, 1.0, 1.0, 1.0]]
        >>> set(layer(x, training=True).numpy().ravel().tolist()) <= {0.0, 2.0}  # kept: ×1/(1−0.5)
        True
    """

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        if not isinstance(rate, numbers.Real) or isinstance(rate, bool) or not 0 <= rate < 1:
            # rate=1 would drop every unit and scale the survivors by 1/(1 − rate) = ∞
            raise ValueError(
                f"{owner}: argument `rate` must be a number ≥ 0 and < 1 (the fraction of units "
                f"dropped), received rate={rate!r}."
            )
        self.rate = float(rate)
        self.noise_shape = _noise_shape(owner, noise_shape)
        if seed is not None and (
            not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0
        ):
            raise ValueError(
                f"{owner}: argument `seed` must be None or a non-negative integer, "
                f"received seed={seed!r}."
            )
        self.seed = None if seed is None else int(seed)
        self._rng = None if seed is None else np.random.default_rng(self.seed)
        self.supports_masking = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        return inputs * self._mask(self._resolve_noise_shape(inputs.shape), inputs)

    def _resolve_noise_shape(self, shape: tuple) -> tuple:
        if self.noise_shape is None:
            return tuple(shape)
        return tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))

    def _mask(self, shape: tuple, inputs: Tensor) -> Tensor:
        """m / (1 − rate) as a constant tensor of ``shape`` (dropped entries are 0)."""
        xp = get_array_module(inputs.data)
        scale = 1.0 / (1.0 - self.rate)
        u = (self._rng or default_rng()).random(shape, dtype=np.float32)
        mask = np.where(u >= self.rate, scale, 0.0).astype(inputs.dtype)
        return Tensor._make(mask if xp is np else xp.asarray(mask))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        shape = None if self.noise_shape is None else list(self.noise_shape)
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": shape}


class SpatialDropout1D(Dropout):
    """Dropout of whole feature maps of ``(batch, steps, channels)`` inputs: the mask has shape
    ``(batch, 1, channels)``, so a dropped channel is dropped at every step.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> y = dn.layers.SpatialDropout1D(0.5)(np.ones((2, 3, 4), "float32"), training=True)
        >>> bool((y.numpy() == y.numpy()[:, :1]).all())
        True
    """

    _rank = 3

    def __init__(
        self, rate: float, seed: int | None = None, name: str | None = None, dtype: Any = None
    ) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=self._rank)

    def _resolve_noise_shape(self, shape: tuple) -> tuple:
        return (shape[0], 1, shape[2])

    def get_config(self) -> dict:
        """Keras's keys only (its constructor takes no others): name, dtype, rate, seed."""
        config = super().get_config()
        return {k: v for k, v in config.items() if k not in ("noise_shape", "trainable")}

    @classmethod
    def from_config(cls, config: dict) -> SpatialDropout1D:
        config = dict(config)
        trainable = config.pop("trainable", True)  # written by earlier versions
        layer = cls(**config)
        layer.trainable = trainable
        return layer


class SpatialDropout2D(SpatialDropout1D):
    """Dropout of whole channels of images: mask ``(batch, 1, 1, channels)`` for channels_last,
    ``(batch, channels, 1, 1)`` for channels_first."""

    _rank = 4

    def __init__(
        self,
        rate: float,
        data_format: str | None = None,
        seed: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = _args.data_format(type(self).__name__, data_format)

    def _resolve_noise_shape(self, shape: tuple) -> tuple:
        ones = (1,) * (len(shape) - 2)
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + ones
        return (shape[0],) + ones + (shape[-1],)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout3D(SpatialDropout2D):
    """Dropout of whole channels of volumes ``(batch, d1, d2, d3, channels)``."""

    _rank = 5


def _noise_shape(owner: str, value: Any) -> tuple | None:
    if value is None:
        return None
    ok = isinstance(value, (list, tuple)) and all(
        v is None or (isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0)
        for v in value
    )
    if not ok:
        raise ValueError(
            f"{owner}: argument `noise_shape` must be None or a tuple of positive integers or "
            f"None, received noise_shape={value!r}."
        )
    return tuple(None if v is None else int(v) for v in value)


__all__ = ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]
