"""Random colour adjustments (Keras's layers): ``RandomBrightness``, ``RandomContrast``,
``RandomHue``, ``RandomSaturation``, ``RandomColorDegeneration``, ``RandomGrayscale`` and
``RandomColorJitter``. Each draws one strength per image and changes pixel values only, so
labels, boxes and masks pass through."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import epsilon
from deepnum.layers.preprocessing.image_preprocessing.base import (
    BaseImagePreprocessingLayer,
    as_tensor,
    batch_size,
    images_of,
    on_device_of,
    value_range_pair,
)
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.image import hsv_to_rgb, rgb_to_grayscale, rgb_to_hsv
from deepnum.ops.numpy import clip, mean, reshape, stack, where, zeros
from deepnum.random import uniform

__all__ = [
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomGrayscale",
    "RandomHue",
    "RandomSaturation",
]


class ColorLayer(BaseImagePreprocessingLayer):
    """A layer that changes pixel values only: labels, boxes and masks are left as they are."""

    def transform_labels(self, labels: Any, transformation: Any = None, training: bool = True):
        return labels

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any = None, training: bool = True
    ) -> dict:
        return bounding_boxes

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any = None, training: bool = True
    ):
        return segmentation_masks

    def _per_image_shape(self, data: Any) -> tuple[int, ...]:
        """(1, 1, 1) for one image, (N, 1, 1, 1) for a batch; a ValueError otherwise."""
        shape = tuple(images_of(data).shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                f"{type(self).__name__}: expected the input image to be rank 3 or 4. "
                f"Received: inputs.shape={shape}"
            )
        return (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)

    def _planes(self, x: Tensor) -> list[Tensor]:
        axis = self._axes(x.ndim)[2]
        return [x[(slice(None),) * axis + (i,)] for i in range(3)]

    def _color_config(self) -> dict:
        return {"factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomBrightness(ColorLayer):
    """Add a random brightness offset to each image while training.

    y = clip(x + δ, low, high), δ = u·(high − low), u ~ U[factor₀, factor₁] per image (a
    number f means [−f, f]), (low, high) = ``value_range``.

    Args:
        factor: f or (lower, upper), in [−1, 1].
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        seed: an int for reproducible offsets.

    Example:
        >>> import numpy as np
        >>> layer = RandomBrightness((0.1, 0.1), value_range=(0, 1))
        >>> y = layer(np.full((1, 1, 1), 0.5, "float32")).numpy()
        >>> y.astype(float).round(4).ravel().tolist()
        [0.6]
    """

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(factor=factor, **kwargs)
        self._make_generator(seed)
        self.value_range = value_range_pair(value_range, "RandomBrightness")

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        shape = self._per_image_shape(data)
        if not training:
            return {"rgb_delta": zeros(shape)}
        delta = uniform(shape, self.factor[0], self.factor[1], seed=self._seed(seed))
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if not training:
            return images
        delta = cast(as_tensor(transformation["rgb_delta"]), images.dtype)
        return clip(images + delta, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), **self._color_config()}


class RandomContrast(ColorLayer):
    """Scale each image's deviation from its per-channel mean by a random factor.

    y = clip((x − μ)·c + μ, low, high), μ the mean over height and width of each channel,
    c ~ U[1 − factor₀, 1 + factor₁] per image (a number f means factor = (0, f), as Keras
    reads it).

    Args:
        factor: f or (lower, upper), in [0, 1].
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        seed: an int for reproducible factors.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[0.0], [2.0]]], "float32")
        >>> RandomContrast((0.5, 0.5))(x, training=False).numpy().ravel().tolist()
        [0.0, 2.0]
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        shape = self._per_image_shape(data)
        if not training:
            return {"contrast_factor": zeros(shape)}
        factor = uniform(shape, 1.0 - self.factor[0], 1.0 + self.factor[1],
                         dtype=self.compute_dtype, seed=self._seed(seed))  # fmt: skip
        return {"contrast_factor": factor}

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if not training:
            return images
        h_axis, w_axis, _ = self._axes(images.ndim)
        mu = mean(images, axis=(h_axis, w_axis), keepdims=True)
        factor = cast(as_tensor(transformation["contrast_factor"]), images.dtype)
        out = (images - mu) * factor + mu
        return clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), **self._color_config()}


class RandomHue(ColorLayer):
    """Rotate the hue of each image by a random amount while training.

    In HSV (values mapped from ``value_range`` to [0, 1]), H ← H + d wrapped into [0, 1],
    d = ±u/2, u ~ U[factor₀, factor₁], the sign random; then back to RGB, clipped.

    Args:
        factor: f (meaning [0, f]) or (lower, upper), in [0, 1]; 1 allows any hue.
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int for reproducible shifts.

    Example:
        >>> import numpy as np
        >>> red = np.array([[[[1.0, 0.0, 0.0]]]], "float32")
        >>> layer = RandomHue(0.5, value_range=(0, 1))
        >>> green = layer.transform_images(red, {"factor": np.array([1 / 3])})
        >>> green.numpy().astype(float).round(4).ravel().tolist()
        [0.0, 1.0, 0.0]
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), data_format: str | None = None,
        seed: int | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        self._per_image_shape(data)
        n, seed = batch_size(images_of(data)), self._seed(seed)
        signs = where(uniform((n,), seed=seed) > 0.5, -1.0, 1.0)
        amount = uniform((n,), self.factor[0], self.factor[1], seed=seed)
        return {"factor": signs * amount * 0.5}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = convert_to_tensor(images)
        if not training:
            return images
        x = self._transform_value_range(cast(images, self.compute_dtype), self.value_range, (0, 1))
        shift = reshape(cast(as_tensor(transformation["factor"]), x.dtype), (-1, 1, 1))
        h, s, v = self._planes(rgb_to_hsv(x, data_format=self.data_format))
        h = h + shift
        h = where(h > 1.0, h - 1.0, h)
        h = where(h < 0.0, h + 1.0, h)
        x = stack([h, s, v], axis=self._axes(x.ndim)[2])
        x = clip(hsv_to_rgb(x, data_format=self.data_format), 0.0, 1.0)
        return cast(self._transform_value_range(x, (0, 1), self.value_range), self.compute_dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._color_config()}


class RandomSaturation(ColorLayer):
    """Scale the saturation of each image by a random amount while training.

    In HSV, S ← clip(S·u/(1 − u + ε), low, high), u ~ U[factor₀, factor₁] (a number f means
    [−f, f], as Keras reads it): u = ½ leaves the image as it is, u ≤ 0 makes it grey,
    u → 1 saturates it.

    Args:
        factor: f or (lower, upper), in [−1, 1].
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int for reproducible amounts.

    Example:
        >>> import numpy as np
        >>> layer = RandomSaturation((0.0, 0.0))
        >>> y = layer(np.array([[[0.2, 0.4, 0.6]]], "float32")).numpy()
        >>> y.astype(float).round(4).ravel().tolist()
        [0.6, 0.6, 0.6]
    """

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), data_format: str | None = None,
        seed: int | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range_pair(value_range, "RandomSaturation")
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        self._per_image_shape(data)
        n = batch_size(images_of(data))
        u = uniform((n,), self.factor[0], self.factor[1], seed=self._seed(seed))
        return {"factor": u / (1.0 - u + epsilon())}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = convert_to_tensor(images)
        if not training:
            return images
        factor = reshape(cast(as_tensor(transformation["factor"]), self.compute_dtype), (-1, 1, 1))
        h, s, v = self._planes(rgb_to_hsv(images, data_format=self.data_format))
        s = clip(s * factor, self.value_range[0], self.value_range[1])
        x = stack([h, s, v], axis=self._axes(images.ndim)[2])
        return hsv_to_rgb(x, data_format=self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._color_config()}


class RandomColorDegeneration(ColorLayer):
    """Blend each image towards its greyscale version by a random amount while training.

    y = clip(x + u·(gray(x) − x), low, high), u ~ U[factor₀, factor₁] per image (a number f
    means [−f, f]; u < 0 moves away from grey).

    Args:
        factor: f or (lower, upper), in [−1, 1].
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int for reproducible amounts.

    Example:
        >>> import numpy as np
        >>> layer = RandomColorDegeneration((1.0, 1.0), value_range=(0, 1))
        >>> y = layer(np.array([[[1.0, 0.0, 0.0]]], "float32")).numpy()
        >>> y.astype(float).round(4).ravel().tolist()
        [0.2989, 0.2989, 0.2989]
    """

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), data_format: str | None = None,
        seed: int | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range_pair(value_range, "RandomColorDegeneration")
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        self._per_image_shape(data)
        n = batch_size(images_of(data))
        factor = uniform((n, 1, 1, 1), self.factor[0], self.factor[1], seed=self._seed(seed))
        return {"factor": factor}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = convert_to_tensor(images)
        if not training:
            return images
        images = cast(images, self.compute_dtype)
        factor = cast(as_tensor(transformation["factor"]), self.compute_dtype)
        gray = rgb_to_grayscale(images, data_format=self.data_format)
        out = clip(images + factor * (gray - images), self.value_range[0], self.value_range[1])
        return cast(out, self.compute_dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if len(input_shape) not in (3, 4):
            raise ValueError(
                "RandomColorDegeneration: invalid images rank: expected rank 3 (single image) "
                f"or rank 4 (batch of images). Received: input_shape={input_shape}"
            )
        channels = input_shape[self._axes(len(input_shape))[2]]
        if channels is not None and channels != 3:
            raise ValueError(
                "RandomColorDegeneration: input images must have 3 channels, but received "
                f"images with {channels} channels."
            )
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), **self._color_config()}


class RandomGrayscale(ColorLayer):
    """Turn each image grey (its luma in every channel) with probability ``factor``.

    Args:
        factor: the probability, in [0, 1] (default 0.5).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int for reproducible choices.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0, 0.0, 0.0]]], "float32")
        >>> RandomGrayscale(factor=1.0)(x).numpy().astype(float).round(4).ravel().tolist()
        [0.2989, 0.2989, 0.2989]
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, factor: float = 0.5, data_format: str | None = None, seed: int | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        if not 0 <= factor <= 1:
            raise ValueError(
                f"RandomGrayscale: `factor` should be between 0 and 1. Received: factor={factor}"
            )
        self.factor = factor
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        n = batch_size(images_of(data))
        draws = uniform((n,), 0.0, 1.0, seed=self._seed(seed))
        return reshape(draws < self.factor, (n, 1, 1, 1))

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        images = convert_to_tensor(images)
        if not training:
            return images
        if transformation is None:
            transformation = on_device_of(self.get_random_transformation(images), images)
        gray = rgb_to_grayscale(images, data_format=self.data_format)
        return where(as_tensor(transformation), gray, images)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}


class RandomColorJitter(ColorLayer):
    """Apply RandomBrightness, RandomContrast, RandomSaturation and RandomHue in that order,
    each with its own factor (None skips it), while training.

    Args:
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the factors of the
            four layers, or None.
        seed: an int for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> layer = RandomColorJitter(brightness_factor=0.2, hue_factor=0.1, seed=0)
        >>> layer(np.full((2, 4, 4, 3), 100.0, "float32")).shape
        (2, 4, 4, 3)
    """

    _USE_BASE_FACTOR = False
    _PARTS = ("brightness", "contrast", "saturation", "hue")

    def __init__(
        self,
        value_range: Any = (0, 255),
        brightness_factor: Any = None,
        contrast_factor: Any = None,
        saturation_factor: Any = None,
        hue_factor: Any = None,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        self._make_generator(seed)
        common = {"value_range": value_range, "seed": seed, "dtype": self.dtype}
        fmt = {"data_format": self.data_format}
        self.random_brightness = self.random_contrast = None
        self.random_saturation = self.random_hue = None
        if brightness_factor is not None:
            self.random_brightness = RandomBrightness(brightness_factor, **common)
        if contrast_factor is not None:
            self.random_contrast = RandomContrast(contrast_factor, **common, **fmt)
        if saturation_factor is not None:
            self.random_saturation = RandomSaturation(saturation_factor, **common, **fmt)
        if hue_factor is not None:
            self.random_hue = RandomHue(hue_factor, **common, **fmt)

    def _active(self) -> list[tuple[str, ColorLayer]]:
        pairs = [(p, getattr(self, f"random_{p}")) for p in self._PARTS]
        return [(p, layer) for p, layer in pairs if layer is not None]

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        seed = self._seed(seed)
        return {p: layer.get_random_transformation(data, seed=seed) for p, layer in self._active()}

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if not training:
            return images
        for part, layer in self._active():
            # Each draw sees the images as the previous parts left them (Keras's order).
            t = (transformation or {}).get(part)
            if t is None:
                t = layer.get_random_transformation(images, seed=self._seed(None))
                t = on_device_of(t, images)
            images = layer.transform_images(images, t)
        return cast(images, self.compute_dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "brightness_factor": self.brightness_factor,
            "contrast_factor": self.contrast_factor,
            "saturation_factor": self.saturation_factor,
            "hue_factor": self.hue_factor,
            "seed": self.seed,
        }
