"""``Resizing``: images to a fixed height and width (Keras's layer, ``ops.image.resize``)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.preprocessing.image_preprocessing import _boxes
from deepnum.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from deepnum.ops.core import convert_to_tensor
from deepnum.ops.image import resize
from deepnum.ops.image._resize import RESIZE_INTERPOLATIONS
from deepnum.ops.numpy import stack, where

__all__ = ["Resizing"]


def check_size(owner: str, height: Any, width: Any) -> tuple[int, int]:
    """``height`` and ``width`` as positive ints, or a ValueError naming ``owner``."""
    for name, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(
                f"{owner}: `{name}` must be a positive integer. Received: {name}={value!r}"
            )
    return height, width


def set_size(shape: Any, axes: tuple[int, int], size: tuple[int, int]) -> tuple:
    """``shape`` with its height and width axes replaced by ``size``."""
    shape = list(shape)
    shape[axes[0]], shape[axes[1]] = size
    return tuple(shape)


class Resizing(BaseImagePreprocessingLayer):
    """Resize images to (``height``, ``width``).

    Output pixel o along an axis samples the input at s·(o + ½) − ½, s = n_in / n_out (see
    :func:`deepnum.ops.image.resize`). With ``crop_to_aspect_ratio`` the largest centred
    window of the target's aspect ratio is resized (no distortion); with
    ``pad_to_aspect_ratio`` the short side is first padded evenly with ``fill_value``.

    Args:
        height, width: the output size.
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``, ``"lanczos3"``,
            ``"lanczos5"`` or ``"area"``.
        crop_to_aspect_ratio: crop instead of distorting.
        pad_to_aspect_ratio: pad instead of distorting.
        fill_mode: the padding mode (``"constant"`` only).
        fill_value: the padding value.
        antialias: low-pass filter when downsampling.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input: (N, H, W, C) or (H, W, C) (channels_first: C before H, W), any value range.
    Output: the same with ``height`` and ``width``; integer images stay integers (rounded).

    Example:
        >>> import numpy as np
        >>> Resizing(2, 3)(np.ones((4, 8, 8, 3), "float32")).shape
        (4, 2, 3, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = check_size("Resizing", height, width)
        if interpolation not in RESIZE_INTERPOLATIONS:
            raise ValueError(
                f"Resizing: `interpolation` must be one of {RESIZE_INTERPOLATIONS}. Received: "
                f"interpolation={interpolation!r}"
            )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                "Resizing: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
                "True."
            )
        if fill_mode != "constant":
            raise ValueError(
                f"Resizing: only fill_mode='constant' is supported. Received: {fill_mode!r}"
            )
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode, self.fill_value = fill_mode, fill_value
        self.antialias = bool(antialias)

    def _transform_images(self, images: Tensor, transformation: Any, interpolation: str):
        return resize(
            images,
            size=(self.height, self.width),
            interpolation=interpolation,
            antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        return self._transform_images(convert_to_tensor(images), transformation,
                                      self.interpolation)  # fmt: skip

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any = None, training: bool = True
    ):
        return self._transform_images(convert_to_tensor(segmentation_masks), transformation,
                                      "nearest")  # fmt: skip

    def transform_labels(self, labels: Any, transformation: Any = None, training: bool = True):
        return labels

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        images = data["images"] if isinstance(data, dict) else data
        return self._hw(tuple(images.shape))

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        in_h, in_w = transformation
        boxes = bounding_boxes["boxes"]
        empty = ((boxes == -1).all(axis=-1) | (boxes == 0).all(axis=-1))[..., None]
        out = _boxes.convert_format(bounding_boxes, self.bounding_box_format, "xyxy", in_h, in_w)
        out["boxes"] = self._transform_xyxy(out["boxes"], float(in_h), float(in_w))
        out = _boxes.clip_to_image_size(out, height=self.height, width=self.width)
        out["boxes"] = where(empty, 0.0, out["boxes"])
        return _boxes.convert_format(out, "xyxy", self.bounding_box_format, self.height,
                                     self.width)  # fmt: skip

    def _transform_xyxy(self, boxes: Tensor, in_h: float, in_w: float) -> Tensor:
        """Box coordinates in the resized image: stretched, or scaled then shifted by the
        padding (pad_to_aspect_ratio) or by the crop (crop_to_aspect_ratio)."""
        sx, sy = self.width / in_w, self.height / in_h
        dx = dy = 0.0
        if self.pad_to_aspect_ratio:
            sx = sy = min(sx, sy)
            dx, dy = (self.width - in_w * sx) // 2, (self.height - in_h * sy) // 2
        elif self.crop_to_aspect_ratio:
            source, target = in_w / in_h, self.width / self.height
            new_w = self.height * source if source > target else float(self.width)
            new_h = float(self.height) if source > target else self.width / source
            sx, sy = new_w / in_w, new_h / in_h
            dx, dy = -((new_w - self.width) // 2), -((new_h - self.height) // 2)
        cols = [boxes[..., 0] * sx + dx, boxes[..., 1] * sy + dy,
                boxes[..., 2] * sx + dx, boxes[..., 3] * sy + dy]  # fmt: skip
        return stack(cols, axis=-1)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        h, w, _ = self._axes(len(input_shape))
        return set_size(input_shape, (h, w), (self.height, self.width))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        }
