"""``CenterCrop``: the central window of each image (Keras's layer)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.preprocessing.image_preprocessing import _boxes
from deepnum.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from deepnum.layers.preprocessing.image_preprocessing.resizing import check_size, set_size
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.image import resize
from deepnum.ops.numpy import concatenate

__all__ = ["CenterCrop", "aspect_window", "crop_window"]


def aspect_window(height: int, width: int, target: tuple[int, int]) -> tuple[int, int, int, int]:
    """(top, left, crop_h, crop_w) of the largest centred window with the aspect ratio of
    ``target``: crop_h = min(H, ⌊W·h/w⌋), crop_w = min(W, ⌊H·w/h⌋) (at least 1)."""
    crop_h = max(min(height, int(float(width * target[0]) / target[1])), 1)
    crop_w = max(min(width, int(float(height * target[1]) / target[0])), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


def crop_window(images: Tensor, axes: tuple[int, int], top: int, left: int, h: int, w: int):
    """``images[..., top:top+h, left:left+w, ...]`` along the (height, width) ``axes``."""
    index = [slice(None)] * images.ndim
    index[axes[0]] = slice(top, top + h)
    index[axes[1]] = slice(left, left + w)
    return images[tuple(index)]


class CenterCrop(BaseImagePreprocessingLayer):
    """Crop the central (``height``, ``width``) window of each image.

    The window starts at ⌊(H − height)/2⌋, ⌊(W − width)/2⌋. An image smaller than the
    target along an axis is instead cropped to the largest centred window of the target's
    aspect ratio and resized to it (bilinear), as Keras's ``smart_resize``.

    Args:
        height, width: the output size.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input: (N, H, W, C) or (H, W, C) (channels_first: C before H, W).
    Output: the same with ``height`` and ``width``, in the layer's dtype.

    Example:
        >>> import numpy as np
        >>> x = np.arange(16, dtype="float32").reshape(4, 4, 1)
        >>> CenterCrop(2, 2)(x)[..., 0].tolist()
        [[5.0, 6.0], [9.0, 10.0]]
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, height: int, width: int, data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = check_size("CenterCrop", height, width)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        images = data["images"] if isinstance(data, dict) else data
        return {"input_shape": tuple(images.shape)}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        h_axis, w_axis, _ = self._axes(images.ndim)
        in_h, in_w = images.shape[h_axis], images.shape[w_axis]
        if in_h >= self.height and in_w >= self.width:
            top, left = (in_h - self.height) // 2, (in_w - self.width) // 2
            return crop_window(images, (h_axis, w_axis), top, left, self.height, self.width)
        return resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                      data_format=self.data_format)  # fmt: skip

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any = None, training: bool = True
    ):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_labels(self, labels: Any, transformation: Any = None, training: bool = True):
        return labels

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        in_h, in_w = self._hw(transformation["input_shape"])
        out = _boxes.convert_format(bounding_boxes, self.bounding_box_format, "xyxy", in_h, in_w)
        if in_h >= self.height and in_w >= self.width:
            top, left = int((in_h - self.height) / 2), int((in_w - self.width) / 2)
            out["boxes"] = _shift_clip(out["boxes"], top, left, self.height, self.width)
        else:
            top, left, crop_h, crop_w = aspect_window(in_h, in_w, (self.height, self.width))
            out["boxes"] = _shift_clip(out["boxes"], top, left, crop_h, crop_w)
            out = _boxes.convert_format(out, "xyxy", "rel_xyxy", crop_h, crop_w)
            out = _boxes.convert_format(out, "rel_xyxy", "xyxy", self.height, self.width)
        out = _boxes.clip_to_image_size(out, height=self.height, width=self.width)
        return _boxes.convert_format(out, "xyxy", self.bounding_box_format, self.height,
                                     self.width)  # fmt: skip

    def compute_output_shape(self, input_shape: Any) -> tuple:
        if len(input_shape) not in (3, 4):
            raise ValueError(
                "CenterCrop: `input_shape` must be a non-nested tuple of rank 3 (unbatched) or "
                f"4 (batched). Received: input_shape={input_shape}"
            )
        h, w, _ = self._axes(len(input_shape))
        return set_size(input_shape, (h, w), (self.height, self.width))

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width}


def _shift_clip(boxes: Tensor, top: int, left: int, h: int, w: int) -> Tensor:
    """``xyxy`` boxes in the coordinates of the window (top, left, h, w), clipped to it."""
    x1, y1, x2, y2 = _boxes.split4(boxes)
    parts = [(x1, left, w), (y1, top, h), (x2, left, w), (y2, top, h)]
    return concatenate([v.clip(start, start + n) - start for v, start, n in parts], axis=-1)
