"""Non-affine random warps: ``RandomPerspective`` and ``RandomElasticTransform`` (Keras's
layers), each one batched warp (:func:`deepnum.ops.image.perspective_transform`,
:func:`deepnum.ops.image.elastic_transform`) applied to the chosen images."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.preprocessing.image_preprocessing import _boxes
from deepnum.layers.preprocessing.image_preprocessing.base import (
    BaseImagePreprocessingLayer,
    as_tensor,
    batch_size,
    factor_range,
    images_of,
)
from deepnum.ops.core import cast
from deepnum.ops.image import elastic_transform, perspective_transform
from deepnum.ops.image._warps import homography
from deepnum.ops.linalg import inv
from deepnum.ops.numpy import (
    amax,
    amin,
    broadcast_to,
    clip,
    concatenate,
    matmul,
    ones_like,
    reshape,
    stack,
    swapaxes,
    where,
)
from deepnum.random import randint, uniform

__all__ = ["RandomElasticTransform", "RandomPerspective"]

INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _check(owner: str, name: str, value: str, allowed: tuple) -> str:
    if value not in allowed:
        raise ValueError(f"{owner}: unknown `{name}` {value!r}. Expected one of {allowed}.")
    return value


def _chosen(images: Tensor, warped: Tensor, apply: Any) -> Tensor:
    """``warped`` for the images where ``apply`` (N,) is true, ``images`` elsewhere."""
    apply = as_tensor(apply)
    return where(reshape(apply, (apply.shape[0],) + (1,) * (images.ndim - 1)), warped, images)


def _draw_apply(n: int, factor: tuple, seed: Any) -> Tensor:
    """A per-image coin: p ~ U[factor₀, factor₁], applied where U[0, 1) < p."""
    probability = uniform((n,), factor[0], factor[1], seed=seed)
    return uniform((n,), 0.0, 1.0, seed=seed) < probability


class RandomPerspective(BaseImagePreprocessingLayer):
    """Warp each image by a random perspective transform while training.

    Each corner (x, y) of the image moves to (x(1 + u), y(1 + v)), u, v ~ U[−scale/2,
    scale/2]; the image is resampled by the homography that takes the moved corners back to
    the original ones. An image is warped with probability p ~ U[factor₀, factor₁].

    Args:
        factor: the probability of warping an image, f (meaning [0, f]) or (lower, upper),
            in [0, 1].
        scale: the largest corner displacement, a fraction of the image size, in [0, 1].
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_value: the value outside the input.
        seed: an int for reproducible warps.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> RandomPerspective(scale=0.2, seed=0)(np.ones((2, 6, 6, 3), "float32")).shape
        (2, 6, 6, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor: Any = 1.0,
        scale: float = 1.0,
        interpolation: str = "bilinear",
        fill_value: float = 0.0,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        if not 0.0 <= scale <= 1.0:
            raise ValueError(
                "RandomPerspective: the `scale` argument should be a number in the range "
                f"[0, 1]. Received: scale={scale}"
            )
        self.scale, self.fill_value = scale, fill_value
        self.interpolation = _check("RandomPerspective", "interpolation", interpolation,
                                    INTERPOLATIONS)  # fmt: skip
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        n, seed = batch_size(images), self._seed(seed)
        height, width = self._hw(shape)
        apply = _draw_apply(n, self.factor, seed)
        half = 0.5 * self.scale
        moves = uniform((n, 4, 2), -half, half, seed=seed, dtype=self.compute_dtype)
        corners = as_tensor([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                             [width - 1, height - 1]], self.compute_dtype)  # fmt: skip
        start = broadcast_to(corners, (n, 4, 2))
        return {"apply_perspective": apply, "start_points": start,
                "end_points": start + start * moves, "input_shape": shape}  # fmt: skip

    def _transform_images(self, images: Tensor, transformation: Any, interpolation: str):
        if transformation is None:
            return images
        warped = perspective_transform(
            images,
            as_tensor(transformation["start_points"]),
            as_tensor(transformation["end_points"]),
            interpolation=interpolation,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )
        return _chosen(images, warped, transformation["apply_perspective"])

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True):
        return labels

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        """Each box becomes the bounding box of its four corners mapped forward (by the
        inverse of the sampling homography)."""
        if not training or transformation is None:
            return bounding_boxes
        h, w = self._hw(transformation["input_shape"])
        out = _boxes.convert_format(bounding_boxes, self.bounding_box_format, "xyxy", h, w)
        boxes = out["boxes"]
        start = as_tensor(transformation["start_points"], "float32")
        end = as_tensor(transformation["end_points"], "float32")
        matrix = concatenate([homography(start, end), ones_like(start[:, :1, 0])], axis=-1)
        forward = inv(reshape(matrix, (matrix.shape[0], 3, 3)))
        x0, y0, x1, y1 = _boxes.split4(boxes)
        xs, ys = [], []
        for x, y in ((x0, y0), (x1, y1), (x0, y1), (x1, y0)):
            points = swapaxes(concatenate([x, y, ones_like(x)], axis=-1), -1, -2)
            moved = swapaxes(matmul(forward, points), -1, -2)
            xs.append(moved[..., 0] / moved[..., 2])
            ys.append(moved[..., 1] / moved[..., 2])
        xs, ys = stack(xs, axis=-1), stack(ys, axis=-1)
        warped = stack([amin(xs, -1), amin(ys, -1), amax(xs, -1), amax(ys, -1)], axis=-1)
        apply = as_tensor(transformation["apply_perspective"])
        out["boxes"] = where(reshape(apply, (apply.shape[0], 1, 1)), warped, boxes)
        out = _boxes.clip_to_image_size(out, height=h, width=w)
        return _boxes.convert_format(out, "xyxy", self.bounding_box_format, h, w)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value,
                "seed": self.seed}  # fmt: skip


class RandomElasticTransform(BaseImagePreprocessingLayer):
    """Deform each image by a random smooth displacement field while training.

    With a distortion d ~ U[scale₀, scale₁], the field is Gaussian noise smoothed with
    σ = 0.05·d·min(H, W) and scaled by α = 0.1·d·max(H, W) pixels (see
    :func:`deepnum.ops.image.elastic_transform`); an image is deformed with probability
    p ~ U[factor₀, factor₁]; the result is clipped to ``value_range``.

    Args:
        factor: the probability of deforming an image, f (meaning [0, f]) or a pair, in
            [0, 1].
        scale: the distortion strength, f or a pair, in [0, 1].
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: ``"reflect"`` (default), ``"constant"``, ``"nearest"``, ``"wrap"`` or
            ``"mirror"``.
        fill_value: the value of ``fill_mode="constant"``.
        value_range: the (low, high) range of the pixel values.
        seed: an int for reproducible deformations.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> RandomElasticTransform(seed=0)(np.ones((2, 8, 8, 3), "float32")).shape
        (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor: Any = 1.0,
        scale: Any = 1.0,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        value_range: Any = (0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        owner = "RandomElasticTransform"
        self._set_factor(factor)
        self.scale = factor_range(scale, "scale", self._FACTOR_BOUNDS, owner)
        self.interpolation = _check(owner, "interpolation", interpolation, INTERPOLATIONS)
        self.fill_mode = _check(owner, "fill_mode", fill_mode, FILL_MODES)
        self.fill_value, self.value_range = fill_value, value_range
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        n, seed = batch_size(images_of(data)), self._seed(seed)
        apply = _draw_apply(n, self.factor, seed)
        distortion = uniform((), self.scale[0], self.scale[1], seed=seed)
        # An int seed for the field, so that a transformation always gives the same warp.
        field_seed = int(randint((), 0, 2**31 - 1, seed=seed).item())
        return {"apply_transform": apply, "distortion_factor": distortion, "seed": field_seed}

    def get_elastic_transform_params(self, height: int, width: int, factor: float) -> tuple:
        """α = 0.1·d·max(H, W), σ = 0.05·d·min(H, W)."""
        return max(height, width) * 0.1 * factor, min(height, width) * 0.05 * factor

    def _transform_images(self, images: Tensor, transformation: Any, interpolation: str):
        if transformation is None:
            return images
        height, width = self._hw(tuple(images.shape))
        distortion = float(as_tensor(transformation["distortion_factor"]).item())
        alpha, sigma = self.get_elastic_transform_params(height, width, distortion)
        warped = elastic_transform(
            images,
            alpha=alpha,
            sigma=sigma,
            interpolation=interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            seed=transformation["seed"],
            data_format=self.data_format,
        )
        out = _chosen(images, warped, transformation["apply_transform"])
        return cast(clip(out, self.value_range[0], self.value_range[1]), self.compute_dtype)

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True):
        return labels

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}  # fmt: skip
