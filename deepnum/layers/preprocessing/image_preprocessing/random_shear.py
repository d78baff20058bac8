"""``RandomShear``: slant images along x and/or y by random amounts (Keras's layer)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.preprocessing.image_preprocessing import _boxes
from deepnum.layers.preprocessing.image_preprocessing.base import (
    as_tensor,
    batch_size,
    images_of,
    strict_factor_range,
)
from deepnum.layers.preprocessing.image_preprocessing.random_affine import AffineLayer
from deepnum.ops.core import cast
from deepnum.ops.numpy import concatenate, ones_like, stack, where
from deepnum.random import uniform

__all__ = ["RandomShear"]


class RandomShear(AffineLayer):
    """Shear each image by random amounts while training.

    The output pixel (x, y) reads the input at (x + sx·y, y + sy·x), with |sx| drawn from
    [x_factor₀, x_factor₁] and |sy| from the y factors (a number f means [−f, f]), both
    negated for a random half of the images.

    Args:
        x_factor, y_factor: f or (lower, upper), in [0, 1].
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        fill_value: the value of ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int for reproducible shears.

    Example:
        >>> import numpy as np
        >>> RandomShear(x_factor=0.3, seed=0)(np.ones((2, 4, 4, 3), "float32")).shape
        (2, 4, 4, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        x_factor: Any = 0.0,
        y_factor: Any = 0.0,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._x_arg, self._y_arg = x_factor, y_factor
        self.x_factor = _shear_range(x_factor, "x_factor")
        self.y_factor = _shear_range(y_factor, "y_factor")
        self._set_warp_args(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        images = images_of(data)
        size, seed = (batch_size(images), 1), self._seed(seed)
        dtype = self.compute_dtype
        signs = where(uniform(size, 0.0, 1.0, dtype=dtype, seed=seed) > 0.5, -1.0, 1.0)
        shear_y = uniform(size, self.y_factor[0], self.y_factor[1], dtype=dtype, seed=seed)
        shear_x = uniform(size, self.x_factor[0], self.x_factor[1], dtype=dtype, seed=seed)
        factor = cast(concatenate([shear_x, shear_y], axis=1) * signs, dtype)
        return {"shear_factor": factor, "input_shape": tuple(images.shape)}

    def _get_shear_matrix(self, shear_factors: Tensor) -> Tensor:
        """Rows [1, sx, 0, sy, 1, 0, 0, 0]."""
        one = ones_like(shear_factors[:, 0])
        zero = one * 0.0
        sx, sy = shear_factors[:, 0], shear_factors[:, 1]
        return stack([one, sx, zero, sy, one, zero, zero, zero], axis=1)

    def _transform_images(self, images: Tensor, transformation: Any, interpolation: str):
        if transformation is None:
            return images
        factor = as_tensor(transformation["shear_factor"], self.compute_dtype)
        return self._warp(images, self._get_shear_matrix(factor), interpolation)

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        if not training:
            return bounding_boxes
        h, w = self._hw(transformation["input_shape"])
        out = _boxes.convert_format(bounding_boxes, self.bounding_box_format, "rel_xyxy", h, w,
                                    dtype=self.compute_dtype)  # fmt: skip
        factor = as_tensor(transformation["shear_factor"], self.compute_dtype)
        out["boxes"] = _shear_boxes(out["boxes"], factor[:, 0:1], factor[:, 1:2])
        out = _boxes.clip_to_image_size(out, bounding_box_format="rel_xyxy")
        return _boxes.convert_format(out, "rel_xyxy", self.bounding_box_format, h, w,
                                     dtype=self.compute_dtype)  # fmt: skip

    def get_config(self) -> dict:
        # The arguments as given: Keras writes the (lower, upper) ranges, which its own
        # constructor refuses when lower < 0; deepnum reads both forms.
        return {**super().get_config(), "x_factor": self._x_arg, "y_factor": self._y_arg,
                **self._warp_config()}  # fmt: skip


def _shear_range(factor: Any, name: str) -> tuple[float, float]:
    """A number f in [0, 1] means [−f, f]; a pair is sorted, each in [−1, 1] (the stored
    form of a symmetric range)."""
    if isinstance(factor, (tuple, list)):
        return strict_factor_range(factor, name, (-1.0, 1.0), "RandomShear")
    return strict_factor_range(factor, name, (0.0, 1.0), "RandomShear")


def _shear_boxes(boxes: Tensor, sx: Tensor, sy: Tensor) -> Tensor:
    """Keras's box rule for a shear: x ends move by −sx·y at the box's top or bottom edge,
    y ends by −sy·x at its left or right edge, by the signs of the shears (boxes (N, B, 4)
    relative, shears (N, 1))."""
    x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
    x1, x2 = (
        where(sx < 0, x1 - sx * y1, x1 - sx * y2),
        where(sx < 0, x2 - sx * y2, x2 - sx * y1),
    )
    y1, y2 = (
        where(sy > 0, y1 - sy * x2, y1 - sy * x1),
        where(sy > 0, y2 - sy * x1, y2 - sy * x2),
    )
    return stack([x1, y1, x2, y2], axis=-1)
