"""Random neighbourhood filters (Keras's layers): ``RandomSharpness`` and
``RandomGaussianBlur``."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.preprocessing.image_preprocessing.base import (
    as_tensor,
    batch_size,
    factor_range,
    images_of,
    value_range_pair,
)
from deepnum.layers.preprocessing.image_preprocessing.random_color import ColorLayer
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.image import gaussian_blur
from deepnum.ops.numpy import clip, pad, reshape, where
from deepnum.random import uniform

__all__ = ["RandomGaussianBlur", "RandomSharpness"]


def box_sum3(x: Tensor, axes: tuple[int, int]) -> Tensor:
    """The zero-padded 3 × 3 box sum over ``axes`` (height, width): two separable passes."""
    widths = [(0, 0)] * x.ndim
    for axis in axes:
        widths[axis] = (1, 1)
    y = pad(x, widths)
    for axis in axes:
        n = y.shape[axis] - 2
        index = [slice(None)] * y.ndim
        parts = []
        for start in range(3):
            index[axis] = slice(start, start + n)
            parts.append(y[tuple(index)])
        y = parts[0] + parts[1] + parts[2]
    return y


def _apply_where(images: Tensor, changed: Tensor, apply: Any) -> Tensor:
    apply = as_tensor(apply)
    return where(reshape(apply, (apply.shape[0],) + (1,) * (images.ndim - 1)), changed, images)


class RandomSharpness(ColorLayer):
    """Sharpen or soften each image by a random amount while training.

    With the smoothing filter K = [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13 (zero padding),
    y = clip(x + (1 − 2u)(K * x − x), low, high), u ~ U[factor₀, factor₁] per image (a
    number f means [0, f]): u = ½ keeps the image, u < ½ blurs, u > ½ sharpens.

    Args:
        factor: f or (lower, upper), in [0, 1].
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int for reproducible amounts.

    Example:
        >>> import numpy as np
        >>> layer = RandomSharpness((0.5, 0.5))
        >>> x = np.random.default_rng(0).uniform(0, 255, (1, 4, 4, 3)).astype("float32")
        >>> bool(np.allclose(layer(x).numpy(), x))
        True
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), data_format: str | None = None,
        seed: int | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range_pair(value_range, "RandomSharpness")
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        self._per_image_shape(data)
        n = batch_size(images_of(data))
        return {"factor": uniform((n,), self.factor[0], self.factor[1], seed=self._seed(seed))}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if not training:
            return images
        strength = cast(as_tensor(transformation["factor"]) * 2, self.compute_dtype)
        strength = reshape(strength, (-1,) + (1,) * (images.ndim - 1))
        h_axis, w_axis, _ = self._axes(images.ndim)
        a, b = 1.0 / 13.0, 5.0 / 13.0
        smoothed = box_sum3(images, (h_axis, w_axis)) * a + images * (b - a)
        out = images + (1.0 - strength) * (smoothed - images)
        return clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), **self._color_config()}


def _odd_pair(value: Any, owner: str) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"{owner}: the `kernel_size` argument should be a number (or a list of two "
                f"numbers). Received: kernel_size={value!r}"
            )
        pair = tuple(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        pair = (value, value)
    else:
        raise ValueError(f"{owner}: kernel_size must be an odd number. Received: {value!r}")
    if any(int(v) != v or int(v) % 2 == 0 for v in pair):
        raise ValueError(f"{owner}: kernel_size must be an odd number. Received: {value!r}")
    return pair


class RandomGaussianBlur(ColorLayer):
    """Blur images with a Gaussian kernel of random width while training.

    One σ pair ~ U[sigma₀, sigma₁]² (+10⁻⁶) is drawn per call; each image is blurred with
    probability p ~ U[factor₀, factor₁] (see :func:`deepnum.ops.image.gaussian_blur`), then
    clipped to ``value_range``.

    Args:
        factor: the probability, f (meaning [0, f]) or (lower, upper), in [0, 1].
        kernel_size: an odd size or a pair of odd sizes (default 3).
        sigma: f (meaning [0, f]) or (lower, upper), in [0, 1] (default 1.0).
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int for reproducible draws.

    Example:
        >>> import numpy as np
        >>> RandomGaussianBlur(seed=0)(np.ones((2, 5, 5, 3), "float32")).shape
        (2, 5, 5, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor: Any = 1.0, kernel_size: Any = 3, sigma: Any = 1.0,
        value_range: Any = (0, 255), data_format: str | None = None, seed: int | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = _odd_pair(kernel_size, "RandomGaussianBlur")
        self.sigma = factor_range(sigma, "sigma", self._FACTOR_BOUNDS, "RandomGaussianBlur")
        self.value_range = value_range
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        self._per_image_shape(data)
        n, seed = batch_size(images_of(data)), self._seed(seed)
        probability = uniform((n,), self.factor[0], self.factor[1], seed=seed)
        apply = uniform((n,), 0.0, 1.0, seed=seed) < probability
        sigma = uniform((2,), self.sigma[0], self.sigma[1], seed=seed, dtype=self.compute_dtype)
        return {"should_apply_blur": apply, "blur_factor": sigma + 1e-6}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if not training or transformation is None:
            return images
        sigma = [float(s) for s in as_tensor(transformation["blur_factor"]).numpy().ravel()]
        blurred = gaussian_blur(images, kernel_size=self.kernel_size, sigma=sigma,
                                data_format=self.data_format)  # fmt: skip
        out = _apply_where(images, blurred, transformation["should_apply_blur"])
        return cast(clip(out, self.value_range[0], self.value_range[1]), self.compute_dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "kernel_size": self.kernel_size,
                "sigma": self.sigma, "value_range": self.value_range,
                "seed": self.seed}  # fmt: skip
