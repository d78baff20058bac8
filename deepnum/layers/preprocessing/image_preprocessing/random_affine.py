"""Random affine warps: ``RandomRotation``, ``RandomZoom``, ``RandomTranslation`` and
``RandomShear`` (Keras's layers).

Each draws one transform per image and warps the whole batch with a single
:func:`deepnum.ops.image.affine_transform` call (one row [a0, a1, a2, b0, b1, b2, 0, 0] per
image, mapping output pixel (x, y) to the input point (a0 x + a1 y + a2, b0 x + b1 y + b2)),
sampled by ``interpolation`` with the boundary rule ``fill_mode``.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.preprocessing.image_preprocessing import _boxes
from deepnum.layers.preprocessing.image_preprocessing.base import (
    BaseImagePreprocessingLayer,
    as_tensor,
    batch_size,
    images_of,
    strict_factor_range,
)
from deepnum.ops.core import cast
from deepnum.ops.image import affine_transform
from deepnum.ops.numpy import concatenate, ones, ones_like, squeeze, zeros, zeros_like
from deepnum.random import uniform

__all__ = ["RandomRotation", "RandomTranslation", "RandomZoom"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


class AffineLayer(BaseImagePreprocessingLayer):
    """Shared arguments of the affine layers: fill, interpolation and seed."""

    _FILL_MODES = FILL_MODES

    def _set_warp_args(self, fill_mode: str, interpolation: str, fill_value: Any, seed: Any):
        owner = type(self).__name__
        if fill_mode not in self._FILL_MODES:
            raise ValueError(
                f"{owner}: unknown `fill_mode` {fill_mode!r}. Expected one of {self._FILL_MODES}."
            )
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"{owner}: unknown `interpolation` {interpolation!r}. Expected one of "
                f"{INTERPOLATIONS}."
            )
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value
        self._make_generator(seed)

    def _warp(self, images: Tensor, matrix: Any, interpolation: str) -> Tensor:
        return affine_transform(
            images,
            transform=as_tensor(matrix),
            interpolation=interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True):
        return labels

    def _warp_config(self) -> dict:
        return {
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
        }


def _column(values: Tensor) -> Tensor:
    return values if values.ndim == 2 else values[:, None]


class RandomRotation(AffineLayer):
    """Rotate each image by a random angle about its centre while training.

    The angle is drawn uniformly from [factor₀, factor₁] × 360° (a positive angle turns the
    image counter-clockwise); a number f means [−f, f].

    Args:
        factor: a fraction of a full turn, f or (lower, upper), in [−1, 1].
        fill_mode: outside the input: ``"reflect"`` (default), ``"wrap"``, ``"constant"``
            (``fill_value``) or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: an int for reproducible angles.
        fill_value: the value of ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> layer = RandomRotation(factor=(0.25, 0.25), interpolation="nearest")
        >>> x = np.arange(4, dtype="float32").reshape(2, 2, 1)
        >>> layer(x)[..., 0].tolist()  # a quarter turn
        [[1.0, 3.0], [0.0, 2.0]]
    """

    _USE_BASE_FACTOR = True

    def __init__(
        self,
        factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._set_warp_args(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        shape = tuple(images_of(data).shape)
        n = batch_size(images_of(data))
        height, width = self._hw(shape)
        lower, upper = self.factor[0] * 360.0, self.factor[1] * 360.0
        angle = uniform((n,), lower, upper, seed=self._seed(seed))
        zero, one = zeros((n,)), ones((n,))
        matrix = self._compute_affine_matrix(
            0.5, 0.5, angle, zero, zero, one, zero, zero, height, width
        )
        if len(shape) == 3:
            matrix = squeeze(matrix, 0)
        return {"angle": angle, "rotation_matrix": matrix, "image_height": height,
                "image_width": width, "batch_size": n}  # fmt: skip

    def _transform_images(self, images: Tensor, transformation: Any, interpolation: str):
        if transformation is None:
            return images
        return self._warp(images, transformation["rotation_matrix"], interpolation)

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        if not training:
            return bounding_boxes
        h, w = transformation["image_height"], transformation["image_width"]
        out = _boxes.convert_format(bounding_boxes, self.bounding_box_format, "xyxy", h, w)
        angle = as_tensor(transformation["angle"])
        zero = zeros_like(angle)
        one = zero + 1.0
        out["boxes"] = _boxes.affine(out["boxes"], angle, zero, zero, one, zero, zero, h, w)
        out = _boxes.clip_to_image_size(out, height=h, width=w)
        return _boxes.convert_format(out, "xyxy", self.bounding_box_format, h, w)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, **self._warp_config()}


class RandomZoom(AffineLayer):
    """Zoom each image in or out about its centre by a random factor while training.

    The output pixel (x, y) reads the input at (cx + zx (x − cx), cy + zy (y − cy)),
    (cx, cy) = ((W − 1)/2, (H − 1)/2), with zy − 1 drawn from [height_factor₀,
    height_factor₁] and zx − 1 from the width factors (or zx = zy when ``width_factor`` is
    None): a positive factor zooms out, a negative one zooms in.

    Args:
        height_factor: f or (lower, upper), in (−1, 1]; f means [−f, f].
        width_factor: the same for the width; None keeps the aspect ratio.
        fill_mode, interpolation, seed, fill_value, data_format: as in RandomRotation.

    Example:
        >>> import numpy as np
        >>> RandomZoom((-0.5, -0.5), seed=0)(np.ones((2, 4, 4, 3), "float32")).shape
        (2, 4, 4, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any = None,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = strict_factor_range(
            height_factor, "height_factor", (-1.0, 1.0), "RandomZoom", open_low=True
        )
        if width_factor is not None:
            self.width_lower, self.width_upper = strict_factor_range(
                width_factor, "width_factor", (-1.0, 1.0), "RandomZoom", open_low=True
            )
        self._set_warp_args(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        images = images_of(data)
        shape = (batch_size(images), 1)
        seed = self._seed(seed)
        height_zoom = uniform(shape, 1.0 + self.height_lower, 1.0 + self.height_upper, seed=seed)
        width_zoom = height_zoom
        if self.width_factor is not None:
            width_zoom = uniform(shape, 1.0 + self.width_lower, 1.0 + self.width_upper, seed=seed)
        return {"height_zoom": height_zoom, "width_zoom": width_zoom,
                "input_shape": tuple(images.shape)}  # fmt: skip

    def _zooms(self, transformation: Any) -> Tensor:
        wz = _column(as_tensor(transformation["width_zoom"], "float32"))
        hz = _column(as_tensor(transformation["height_zoom"], "float32"))
        return concatenate([wz, hz], axis=1)

    def _get_zoom_matrix(self, zooms: Tensor, height: int, width: int) -> Tensor:
        """Rows [zx, 0, (W − 1)/2 (1 − zx), 0, zy, (H − 1)/2 (1 − zy), 0, 0]."""
        zx, zy = zooms[:, 0:1], zooms[:, 1:2]
        zero = zeros_like(zx)
        x_offset = (width - 1.0) / 2.0 * (1.0 - zx)
        y_offset = (height - 1.0) / 2.0 * (1.0 - zy)
        return concatenate([zx, zero, x_offset, zero, zy, y_offset, zero, zero], axis=1)

    def _transform_images(self, images: Tensor, transformation: Any, interpolation: str):
        if transformation is None:
            return images
        height, width = self._hw(tuple(images.shape))
        matrix = self._get_zoom_matrix(self._zooms(transformation), height, width)
        return self._warp(images, matrix, interpolation)

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        if not training:
            return bounding_boxes
        h, w = self._hw(transformation["input_shape"])
        out = _boxes.convert_format(bounding_boxes, self.bounding_box_format, "xyxy", h, w)
        matrix = self._get_zoom_matrix(self._zooms(transformation), h, w)
        x0, y0 = matrix[:, 2:3], matrix[:, 5:6]  # where the output's corners read the input
        x1, y1 = matrix[:, 0:1] * w + x0, matrix[:, 4:5] * h + y0
        if out["boxes"].ndim == 3:
            x0, y0, x1, y1 = (v[:, None] for v in (x0, y0, x1, y1))
        bx1, by1, bx2, by2 = _boxes.split4(out["boxes"])
        out["boxes"] = concatenate(
            [bx1.clip(x0, x1) - x0, by1.clip(y0, y1) - y0, bx2.clip(x0, x1) - x0,
             by2.clip(y0, y1) - y0], axis=-1,
        )  # fmt: skip
        span_h, span_w = y1 - y0, x1 - x0
        out = _boxes.convert_format(out, "xyxy", "rel_xyxy", span_h, span_w)
        out = _boxes.clip_to_image_size(out, bounding_box_format="rel_xyxy")
        return _boxes.convert_format(out, "rel_xyxy", self.bounding_box_format, h, w)

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._warp_config()}  # fmt: skip


class RandomTranslation(AffineLayer):
    """Shift each image by a random offset while training.

    The shift is dy = u·H down and dx = v·W right, with u drawn from [height_factor₀,
    height_factor₁] and v from the width factors (a number f means [−f, f]); the output
    pixel (x, y) reads the input at (x − dx, y − dy).

    Args:
        height_factor, width_factor: fractions of the image size, f or (lower, upper), in
            [−1, 1].
        fill_mode, interpolation, seed, fill_value, data_format: as in RandomRotation.

    Example:
        >>> import numpy as np
        >>> layer = RandomTranslation((0, 0), (0.25, 0.25), fill_mode="constant")
        >>> layer(np.arange(1, 5, dtype="float32").reshape(1, 4, 1))[0, :, 0].tolist()
        [0.0, 1.0, 2.0, 3.0]
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = strict_factor_range(
            height_factor, "height_factor", (-1.0, 1.0), "RandomTranslation"
        )
        self.width_lower, self.width_upper = strict_factor_range(
            width_factor, "width_factor", (-1.0, 1.0), "RandomTranslation"
        )
        self._set_warp_args(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        height, width = self._hw(shape)
        size, seed = (batch_size(images), 1), self._seed(seed)
        dy = uniform(size, self.height_lower, self.height_upper, seed=seed) * height
        dx = uniform(size, self.width_lower, self.width_upper, seed=seed) * width
        translations = cast(concatenate([dx, dy], axis=1), "float32")
        return {"translations": translations, "input_shape": shape}

    def _get_translation_matrix(self, translations: Tensor) -> Tensor:
        """Rows [1, 0, −dx, 0, 1, −dy, 0, 0]."""
        one = ones_like(translations[:, 0:1])
        zero = one * 0.0
        dx, dy = translations[:, 0:1], translations[:, 1:2]
        return concatenate([one, zero, -dx, zero, one, -dy, zero, zero], axis=1)

    def _transform_images(self, images: Tensor, transformation: Any, interpolation: str):
        if transformation is None:
            return images
        translations = as_tensor(transformation["translations"], "float32")
        return self._warp(images, self._get_translation_matrix(translations), interpolation)

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        if not training:
            return bounding_boxes
        h, w = self._hw(transformation["input_shape"])
        out = _boxes.convert_format(bounding_boxes, self.bounding_box_format, "xyxy", h, w)
        moves = as_tensor(transformation["translations"], "float32")
        dx, dy = moves[:, 0:1], moves[:, 1:2]
        if out["boxes"].ndim == 3:
            dx, dy = dx[:, None], dy[:, None]
        x1, y1, x2, y2 = _boxes.split4(out["boxes"])
        out["boxes"] = concatenate([x1 + dx, y1 + dy, x2 + dx, y2 + dy], axis=-1)
        out = _boxes.clip_to_image_size(out, height=h, width=w)
        return _boxes.convert_format(out, "xyxy", self.bounding_box_format, h, w)

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._warp_config()}  # fmt: skip
