"""Point-wise intensity maps (Keras's layers): ``RandomInvert``, ``RandomPosterization`` and
``Solarization``."""

from __future__ import annotations

from typing import Any

from deepnum.backend import is_int_dtype
from deepnum.layers.preprocessing.image_preprocessing.base import (
    as_tensor,
    batch_size,
    images_of,
    strict_factor_range,
    value_range_pair,
)
from deepnum.layers.preprocessing.image_preprocessing.random_color import ColorLayer
from deepnum.ops.core import cast, convert_to_tensor, saturate_cast
from deepnum.ops.numpy import clip, ones, reshape, round, where
from deepnum.random import randint, uniform

__all__ = ["RandomInvert", "RandomPosterization", "Solarization"]


class RandomInvert(ColorLayer):
    """Invert images (y = high − x) at random while training.

    Each image is inverted with probability p ~ U[factor₀, factor₁] (a number f means
    [0, f]; ``factor=(1, 1)`` inverts every image).

    Args:
        factor: the probability, f or (lower, upper), in [0, 1] (default 1.0).
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        seed: an int for reproducible choices.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> RandomInvert((1.0, 1.0))(np.array([[[0.0, 55.0, 255.0]]], "float32")).tolist()
        [[[255.0, 200.0, 0.0]]]
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor: Any = 1.0, value_range: Any = (0, 255), seed: int | None = None,
        data_format: str | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        self._per_image_shape(data)
        n, seed = batch_size(images_of(data)), self._seed(seed)
        probability = uniform((n,), self.factor[0], self.factor[1], seed=seed)
        return {"apply_inversion": uniform((n,), 0.0, 1.0, seed=seed) < probability}

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        images = convert_to_tensor(images)
        if not training:
            return images
        images = cast(images, self.compute_dtype)
        apply = reshape(as_tensor(transformation["apply_inversion"]), (-1, 1, 1, 1))
        return where(apply, self.value_range[1] - images, images)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._color_config()}


class RandomPosterization(ColorLayer):
    """Keep only the top b bits of each 8-bit channel value while training.

    In [0, 255], y = ⌊x⌋ >> (8 − b) << (8 − b), b drawn per image from {factor₀, …,
    factor₁ − 1} (b = factor₀ when the two are equal; a number f means (1, f)).

    Args:
        factor: the bits kept, f or (lower, upper), in [1, 8].
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int for reproducible draws.

    Example:
        >>> import numpy as np
        >>> RandomPosterization((1, 1))(np.array([[[100.0, 200.0, 255.0]]])).tolist()
        [[[0.0, 128.0, 128.0]]]
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), data_format: str | None = None,
        seed: int | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range_pair(value_range, "RandomPosterization")
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        self._per_image_shape(data)
        n = batch_size(images_of(data))
        low, high = int(self.factor[0]), int(self.factor[1])
        if low != high:
            bits = randint((n,), low, high, dtype="uint8", seed=self._seed(seed))
        else:
            bits = cast(ones((n,)) * low, "uint8")
        return {"shift_factor": self._MAX_FACTOR - bits}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = convert_to_tensor(images)
        if not training:
            return images
        shift = cast(as_tensor(transformation["shift_factor"]), "uint8")
        shift = reshape(shift, (-1, 1, 1, 1))
        dtype = self.compute_dtype
        x = self._transform_value_range(images, self.value_range, (0, 255), dtype=dtype)
        xp = x.xp
        # A float → uint8 cast truncates towards zero, as PyTorch's.
        data = xp.asarray(x.data).astype("uint8")
        shift_data = xp.asarray(shift.data).astype("uint8")
        data = (data >> shift_data) << shift_data
        x = cast(convert_to_tensor(data), dtype)
        return self._transform_value_range(x, (0, 255), self.value_range, dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._color_config()}


class Solarization(ColorLayer):
    """Invert the pixels at or above a random threshold, after adding a random offset.

    In [0, 255]: s = clip(x + a, 0, 255); y = s where s < t, else 255 − s; with
    a ~ U[addition_factor₀, 255·addition_factor₁] and t ~ U[threshold_factor₀,
    255·threshold_factor₁] per image (Keras's ranges; a number f means (0, f)).

    Args:
        addition_factor: f or (lower, upper), in [0, 1] (default 0: no offset).
        threshold_factor: f or (lower, upper), in [0, 1] (default 0: invert every pixel).
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        seed: an int for reproducible draws.

    Example:
        >>> import numpy as np
        >>> Solarization()(np.array([[[0.0, 100.0, 255.0]]], "float32")).tolist()
        [[[255.0, 155.0, 0.0]]]
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, addition_factor: Any = 0.0, threshold_factor: Any = 0.0,
        value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self._make_generator(seed)
        self.addition_factor = strict_factor_range(
            addition_factor, "addition_factor", (0, 1), "Solarization", scalar="from_zero"
        )
        self.threshold_factor = strict_factor_range(
            threshold_factor, "threshold_factor", (0, 1), "Solarization", scalar="from_zero"
        )
        self.value_range = value_range_pair(value_range, "Solarization")

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        shape, seed = self._per_image_shape(data), self._seed(seed)
        add, thr = self.addition_factor, self.threshold_factor
        dtype = self.compute_dtype
        return {
            "additions": uniform(shape, add[0], add[1] * 255, dtype=dtype, seed=seed),
            "thresholds": uniform(shape, thr[0], thr[1] * 255, dtype=dtype, seed=seed),
        }

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if not training or transformation is None:
            return images
        dtype = self.compute_dtype
        x = self._transform_value_range(images, self.value_range, (0, 255), dtype=dtype)
        added = clip(x + as_tensor(transformation["additions"]), 0, 255)
        out = where(added < as_tensor(transformation["thresholds"]), added, 255 - added)
        out = self._transform_value_range(out, (0, 255), self.value_range, dtype=dtype)
        if out.dtype == images.dtype:
            return out
        if is_int_dtype(images.dtype):
            out = round(out)
        return saturate_cast(out, images.dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "addition_factor": self.addition_factor,
            "threshold_factor": self.threshold_factor,
            "seed": self.seed,
        }
