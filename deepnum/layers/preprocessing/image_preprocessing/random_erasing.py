"""``RandomErasing``: fill a random rectangle of each image (Keras's layer), and the
rectangle masks it shares with CutMix."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.preprocessing.image_preprocessing.base import (
    as_tensor,
    batch_size,
    factor_range,
    images_of,
)
from deepnum.layers.preprocessing.image_preprocessing.random_color import ColorLayer
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.numpy import arange, broadcast_to, clip, full, reshape, sqrt, where
from deepnum.random import normal, uniform

__all__ = ["RandomErasing", "box_masks", "crop_bounds"]


def crop_bounds(n: int, length: int, ratio: Tensor, dtype: str, seed: Any) -> tuple:
    """Start and end (each (n,)) of a segment of ``ratio``·length placed uniformly in
    [0, length]."""
    span = cast(ratio * length, dtype)
    start = uniform((n,), 0.0, 1.0, dtype=dtype, seed=seed) * (length - span)
    return start, start + span


def box_masks(shape: tuple, axes: tuple[int, int, int], corners: tuple, dtype: str) -> Tensor:
    """Boolean masks of ``shape`` (N, ...): true at the pixels (x, y) with x0 ≤ x < x1 and
    y0 ≤ y < y1, the corners (x0, x1, y0, y1) each (N,)."""
    h_axis, w_axis, _ = axes
    x0, x1, y0, y1 = (reshape(as_tensor(c), (-1,) + (1,) * (len(shape) - 1)) for c in corners)
    grid = [1] * len(shape)
    grid[h_axis] = shape[h_axis]
    ys = reshape(arange(shape[h_axis], dtype=dtype), tuple(grid))
    grid[h_axis], grid[w_axis] = 1, shape[w_axis]
    xs = reshape(arange(shape[w_axis], dtype=dtype), tuple(grid))
    inside = (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)
    return broadcast_to(inside, tuple(shape))


class RandomErasing(ColorLayer):
    """Replace a random rectangle of each image while training (Zhong et al., 2017).

    The rectangle covers √s₁·W by √s₂·H pixels, s₁, s₂ ~ U[scale₀, scale₁], at a uniform
    position; it is filled with ``fill_value`` or, when None, Gaussian noise
    N(0, 1)·high; the fill is clipped to ``value_range``. An image is erased with
    probability p ~ U[factor₀, factor₁].

    Args:
        factor: the probability, f (meaning [0, f]) or (lower, upper), in [0, 1].
        scale: the range of the area fractions, f or (lower, upper), in [0, 1].
        fill_value: a number, three numbers (one per channel), or None for noise.
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        seed: an int for reproducible rectangles.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> layer = RandomErasing(scale=(0.25, 0.25), fill_value=0.0, seed=0)
        >>> y = layer(np.full((1, 8, 8, 1), 9.0, "float32")).numpy()
        >>> sorted(set(y.ravel().tolist()))
        [0.0, 9.0]
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor: Any = 1.0, scale: Any = (0.02, 0.33), fill_value: Any = None,
        value_range: Any = (0, 255), seed: int | None = None, data_format: str | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = factor_range(scale, "scale", self._FACTOR_BOUNDS, "RandomErasing")
        self.fill_value, self.value_range = fill_value, value_range
        _fill_check(fill_value)
        self._make_generator(seed)

    def _get_fill_value(self, images: Any, shape: tuple, seed: Any) -> Tensor:
        dtype = self.compute_dtype
        if self.fill_value is None:
            fill = normal(shape, dtype=dtype, seed=seed) * self.value_range[1]
        elif isinstance(self.fill_value, (tuple, list)):
            channel = self._axes(len(shape))[2]
            per_channel = [1] * len(shape)
            per_channel[channel] = 3
            values = reshape(convert_to_tensor(list(self.fill_value), dtype), tuple(per_channel))
            fill = values * full(shape, 1.0, dtype=dtype)
        else:
            fill = full(shape, float(self.fill_value), dtype=dtype)
        return clip(fill, self.value_range[0], self.value_range[1])

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        self._per_image_shape(data)
        images = images_of(data)
        shape = tuple(images.shape)
        n, seed, dtype = batch_size(images), self._seed(seed), self.compute_dtype
        height, width = self._hw(shape)
        weight = sqrt(uniform((n, 2), self.scale[0], self.scale[1], dtype=dtype, seed=seed))
        x0, x1 = crop_bounds(n, width, weight[:, 0], dtype, seed)
        y0, y1 = crop_bounds(n, height, weight[:, 1], dtype, seed)
        batch_shape = shape if len(shape) == 4 else (1,) + shape
        masks = box_masks(batch_shape, self._axes(4), (x0, x1, y0, y1), dtype)
        if len(shape) == 3:
            masks = masks[0]
        probability = uniform((n,), self.factor[0], self.factor[1], seed=seed)
        apply = uniform((n,), 0.0, 1.0, seed=seed) < probability
        fill = self._get_fill_value(images, shape, seed)
        return {"apply_erasing": apply, "batch_masks": masks, "fill_value": fill}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if not training or transformation is None:
            return images
        masks = as_tensor(transformation["batch_masks"])
        erased = where(masks, as_tensor(transformation["fill_value"]), images)
        apply = reshape(as_tensor(transformation["apply_erasing"]), (-1, 1, 1, 1))
        return cast(where(apply, erased, images), self.compute_dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}  # fmt: skip


def _fill_check(fill_value: Any) -> None:
    ok = (
        fill_value is None
        or (isinstance(fill_value, (int, float)) and not isinstance(fill_value, bool))
        or (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)
    )
    if not ok:
        raise ValueError(
            "RandomErasing: the `fill_value` argument should be a number (or a list of three "
            f"numbers). Received: fill_value={fill_value!r}"
        )
