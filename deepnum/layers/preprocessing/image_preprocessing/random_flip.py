"""``RandomFlip``: mirror images left–right and/or top–bottom at random (Keras's layer)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.preprocessing.image_preprocessing import _boxes
from deepnum.layers.preprocessing.image_preprocessing.base import (
    BaseImagePreprocessingLayer,
    as_tensor,
    images_of,
)
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.numpy import concatenate, flip, reshape, where
from deepnum.random import uniform

__all__ = ["RandomFlip"]

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"
MODES = (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)


class RandomFlip(BaseImagePreprocessingLayer):
    """Flip each image with probability ½ while training.

    One draw per image decides; with ``"horizontal_and_vertical"`` a chosen image is flipped
    along both axes (a 180° rotation), as in Keras.

    Args:
        mode: ``"horizontal"`` (left–right), ``"vertical"`` (top–bottom) or
            ``"horizontal_and_vertical"`` (default).
        seed: an int for reproducible flips.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input: (N, H, W, C) or (H, W, C) (channels_first: C before H, W); any value range.
    Output: the same shape, in the layer's dtype; unchanged at inference.

    Example:
        >>> import numpy as np
        >>> x = np.arange(4, dtype="float32").reshape(1, 1, 4, 1)
        >>> flips = {"flips": np.array([True]).reshape(1, 1, 1, 1)}
        >>> RandomFlip("horizontal").transform_images(x, flips)[0, 0, :, 0].tolist()
        [3.0, 2.0, 1.0, 0.0]
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        mode: str = HORIZONTAL_AND_VERTICAL,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        if mode not in MODES:
            raise ValueError(f"RandomFlip: `mode` must be one of {MODES}. Received: mode={mode!r}")
        self.mode = mode
        self._make_generator(seed)

    def _flip_axes(self, ndim: int) -> tuple[int, ...]:
        h_axis, w_axis, _ = self._axes(ndim)
        axes = []
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            axes.append(h_axis)
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            axes.append(w_axis)
        return tuple(axes)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        flips_shape = (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)
        draws = uniform(flips_shape, seed=self._seed(seed))
        return {"flips": draws <= 0.5, "input_shape": shape}

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if training:
            return self._flip_inputs(images, transformation)
        return images

    def _flip_inputs(self, images: Tensor, transformation: Any) -> Tensor:
        if transformation is None:
            return images
        flips = as_tensor(transformation["flips"])
        flipped = flip(images, axis=self._flip_axes(images.ndim))
        return where(flips, flipped, images)

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True):
        return labels

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any, training: bool = True
    ):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        if not training:
            return bounding_boxes
        h, w = self._hw(transformation["input_shape"])
        flips = as_tensor(transformation["flips"])
        flips = reshape(flips, (flips.shape[0], 1, 1))
        out = _boxes.convert_format(bounding_boxes, self.bounding_box_format, "rel_xyxy", h, w)
        boxes = out["boxes"]
        x1, y1, x2, y2 = _boxes.split4(boxes)
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            x1, x2 = where(flips, 1 - x2, x1), where(flips, 1 - x1, x2)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            y1, y2 = where(flips, 1 - y2, y1), where(flips, 1 - y1, y2)
        out["boxes"] = concatenate([x1, y1, x2, y2], axis=-1)
        out = _boxes.clip_to_image_size(out, bounding_box_format="rel_xyxy")
        return _boxes.convert_format(out, "rel_xyxy", self.bounding_box_format, h, w)

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}
