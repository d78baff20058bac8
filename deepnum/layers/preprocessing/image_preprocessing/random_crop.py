"""``RandomCrop``: a random window of each batch while training, the centre at inference."""

from __future__ import annotations

from typing import Any

from deepnum.layers.preprocessing.image_preprocessing import _boxes
from deepnum.layers.preprocessing.image_preprocessing.base import (
    BaseImagePreprocessingLayer,
    default_seed,
    images_of,
)
from deepnum.layers.preprocessing.image_preprocessing.center_crop import (
    aspect_window,
    crop_window,
)
from deepnum.layers.preprocessing.image_preprocessing.resizing import check_size, set_size
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.image import resize
from deepnum.random import uniform

__all__ = ["RandomCrop"]


class RandomCrop(BaseImagePreprocessingLayer):
    """Crop a random (``height``, ``width``) window, the same for the whole batch.

    While training, with an input larger than the target along both axes, the window's
    corner is drawn uniformly: top ~ U{0, …, H − height}, left ~ U{0, …, W − width}.
    Otherwise (at inference, or an input not larger than the target) the largest centred
    window with the target's aspect ratio is taken and resized to the target (bilinear).

    Keras 3.15 returns the images uncropped at inference (keras-team/keras#21868), so that a
    model's output shape changes between ``fit`` and ``predict``; deepnum crops the centre, as
    Keras documents.

    Args:
        height, width: the output size.
        seed: an int for reproducible crops (default: one drawn from Python's ``random``).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> RandomCrop(2, 3, seed=0)(np.ones((4, 5, 6, 3), "float32")).shape
        (4, 2, 3, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height: int,
        width: int,
        seed: int | None = None,
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, name=name, **kwargs)
        self.height, self.width = check_size("RandomCrop", height, width)
        self._make_generator(seed)
        self.seed = seed if seed is not None else default_seed()

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        in_h, in_w = self._hw(tuple(images_of(data).shape))
        if training and in_h > self.height and in_w > self.width:
            seed = self._seed(seed)
            top = uniform((), 0, float(in_h - self.height + 1), seed=seed)
            left = uniform((), 0, float(in_w - self.width + 1), seed=seed)
            return int(top.item()), int(left.item())
        top, left, _, _ = aspect_window(in_h, in_w, (self.height, self.width))
        return top, left

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        top, left = (int(v) for v in transformation)
        h_axis, w_axis, _ = self._axes(images.ndim)
        in_h, in_w = images.shape[h_axis], images.shape[w_axis]
        if in_h > self.height and in_w > self.width and training:
            h, w = self.height, self.width
        else:  # the window of the target's aspect ratio (see get_random_transformation)
            _, _, h, w = aspect_window(in_h, in_w, (self.height, self.width))
        out = crop_window(images, (h_axis, w_axis), top, left, h, w)
        if (h, w) != (self.height, self.width):
            out = cast(resize(out, (self.height, self.width), data_format=self.data_format),
                       self.compute_dtype)  # fmt: skip
        return out

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True):
        return labels

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any, training: bool = True
    ):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        """Boxes moved into the window (top, left) and clipped to it (Keras subtracts the top
        offset from x and the left one from y; deepnum moves each axis by its own offset)."""
        top, left = (int(v) for v in transformation)
        out = _boxes.convert_format(bounding_boxes, self.bounding_box_format, "xyxy",
                                    self.height, self.width)  # fmt: skip
        x1, y1, x2, y2 = _boxes.split4(out["boxes"])
        from deepnum.ops.numpy import concatenate

        out["boxes"] = concatenate([x1 - left, y1 - top, x2 - left, y2 - top], axis=-1)
        out = _boxes.clip_to_image_size(out, height=self.height, width=self.width)
        return _boxes.convert_format(out, "xyxy", self.bounding_box_format, self.height,
                                     self.width)  # fmt: skip

    def compute_output_shape(self, input_shape: Any, *args: Any, **kwargs: Any) -> tuple:
        h, w, _ = self._axes(len(input_shape))
        return set_size(input_shape, (h, w), (self.height, self.width))

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}  # fmt: skip
