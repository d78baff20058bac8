"""The protocol of Keras 3's image preprocessing layers: draw a transformation, then apply it.

``call(data, training)`` asks :meth:`~BaseImagePreprocessingLayer.get_random_transformation`
for the random parameters of one call (``None`` when there are none), then hands the same
transformation to ``transform_images``, ``transform_labels``, ``transform_bounding_boxes`` and
``transform_segmentation_masks``, so that an image, its labels, its boxes and its mask move
together. ``data`` is an image batch (N, H, W, C), a single image (H, W, C) (channels_first:
C before H, W), or a dict with the key ``"images"`` and any of ``"labels"``,
``"bounding_boxes"`` (``{"boxes": (N, B, 4), "labels": (N, B)}``) and
``"segmentation_masks"``.

Augmentation runs only with ``training=True``; at inference the images come back unchanged
(cast to the layer's dtype). Called directly, outside ``fit``/``predict``, a layer trains
(Keras's default ``training=True``).
"""

from __future__ import annotations

import math
import random as _py_random
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import to_device
from deepnum.layers import _args
from deepnum.layers.layer import Layer
from deepnum.layers.preprocessing.image_preprocessing import _boxes
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.numpy import cos, expand_dims, sin, squeeze, stack, tan, zeros_like
from deepnum.random import SeedGenerator


class BaseImagePreprocessingLayer(Layer):
    """Base class of the image preprocessing and augmentation layers (Keras's protocol).

    A subclass implements ``get_random_transformation(data, training, seed)`` (when it is
    random) and ``transform_images(images, transformation, training)`` for a batch of images;
    a geometric layer may instead implement ``_transform_images(images, transformation,
    interpolation)``, which the base ``transform_images`` calls while training. Labels, boxes
    and masks have their own ``transform_*`` methods.

    Args:
        factor: the strength of a random layer that takes one (a number f, read as [−f, f]
            clipped to the layer's bounds, or a pair [lower, upper]).
        bounding_box_format: the format of ``data["bounding_boxes"]["boxes"]``: ``"xyxy"``,
            ``"yxyx"``, ``"xywh"``, ``"center_xywh"``, ``"center_yxhw"`` or their
            ``rel_`` (fraction of the image size) forms ``"rel_xyxy"``, ``"rel_yxyx"``,
            ``"rel_xywh"``, ``"rel_center_xywh"``.
        data_format: ``"channels_last"`` (default: the config's) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> from deepnum.ops.numpy import where
        >>> from deepnum.random import uniform
        >>> class RandomNegate(BaseImagePreprocessingLayer):  # negate half of the images
        ...     _USE_BASE_FACTOR = False
        ...     def get_random_transformation(self, data, training=True, seed=None):
        ...         n = batch_size(images_of(data))
        ...         return {"negate": uniform((n, 1, 1, 1), seed=seed or 0) < 0.5}
        ...     def transform_images(self, images, transformation, training=True):
        ...         images = as_tensor(images)
        ...         if not training:
        ...             return images
        ...         return where(transformation["negate"], -images, images)
        >>> x = np.ones((4, 2, 2, 1), "float32")
        >>> sorted(set(RandomNegate()(x).numpy().ravel().tolist()))
        [-1.0, 1.0]
        >>> float(RandomNegate()(x, training=False).numpy().min())
        1.0
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)

    def __init__(
        self,
        factor: Any = None,
        bounding_box_format: str | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = _args.data_format(type(self).__name__, data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(
                f"Layer {type(self).__name__} does not take a `factor` argument. "
                f"Received: factor={factor}"
            )

    @property
    def compute_dtype(self) -> str:
        return self.dtype

    def _set_factor(self, factor: Any) -> None:
        self.factor = factor_range(factor, "factor", self._FACTOR_BOUNDS, type(self).__name__)

    def _make_generator(self, seed: Any) -> None:
        """Keep ``seed`` for the config and a SeedGenerator for the draws."""
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def _get_seed_generator(self, backend: Any = None) -> SeedGenerator:
        return self.generator

    def _seed(self, seed: Any) -> Any:
        return seed if seed is not None else self._get_seed_generator()

    # ------------------------------------------------------------------ the protocol
    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        """The random parameters of one call (``None``: the layer draws none)."""
        return None

    def _transform_images(self, images: Tensor, transformation: Any, interpolation: str):
        raise NotImplementedError(f"{type(self).__name__}._transform_images is not implemented.")

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        """Apply ``transformation`` to a batch of images (only while training)."""
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if training:
            images = self._transform_images(images, transformation, self.interpolation)
        return images

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True):
        raise NotImplementedError(f"{type(self).__name__} does not transform labels.")

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        raise NotImplementedError(
            f"{type(self).__name__} does not support bounding boxes (as in Keras)."
        )

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any, training: bool = True
    ):
        if training:
            segmentation_masks = self._transform_images(
                convert_to_tensor(segmentation_masks), transformation, "nearest"
            )
        return segmentation_masks

    def transform_single_image(self, image: Any, transformation: Any, training: bool = True):
        images = expand_dims(convert_to_tensor(image), 0)
        return squeeze(self.transform_images(images, transformation, training=training), 0)

    def transform_single_label(self, label: Any, transformation: Any, training: bool = True):
        labels = expand_dims(convert_to_tensor(label), 0)
        return squeeze(self.transform_labels(labels, transformation, training=training), 0)

    def transform_single_bounding_box(
        self, bounding_box: dict, transformation: Any, training: bool = True
    ) -> dict:
        boxes = {k: expand_dims(v, 0) if k in ("boxes", "labels") else v
                 for k, v in bounding_box.items()}  # fmt: skip
        out = self.transform_bounding_boxes(boxes, transformation, training=training)
        return {k: squeeze(v, 0) if k in ("boxes", "labels") else v for k, v in out.items()}

    def transform_single_segmentation_mask(
        self, segmentation_mask: Any, transformation: Any, training: bool = True
    ):
        masks = expand_dims(convert_to_tensor(segmentation_mask), 0)
        out = self.transform_segmentation_masks(masks, transformation, training=training)
        return squeeze(out, 0)

    # ------------------------------------------------------------------ calling
    def _standardize(self, inputs: Any) -> Any:
        # Boxes keep their own dtypes and may be nested lists: densified in call.
        if isinstance(inputs, dict):
            return {
                k: v if k == "bounding_boxes" else super(BaseImagePreprocessingLayer, self)
                ._standardize(v)
                for k, v in inputs.items()
            }  # fmt: skip
        return super()._standardize(inputs)

    def _is_batched(self, images: Any) -> bool:
        ndim = len(images.shape)
        if ndim not in (3, 4):
            raise ValueError(
                f"{type(self).__name__}: expected image tensor to have rank 3 (single image) or "
                f"4 (batch of images). Received: data.shape={shape_str(tuple(images.shape))}"
            )
        return ndim == 4

    def call(self, data: Any, training: bool = True) -> Any:
        training = True if training is None else bool(training)
        if isinstance(data, dict) and "images" not in data:
            raise ValueError(
                f"{type(self).__name__}: a dict input needs the key 'images' (and optionally "
                f"'labels', 'bounding_boxes', 'segmentation_masks'); received keys "
                f"{sorted(data)}."
            )
        transformation = self.get_random_transformation(data, training=training)
        images = convert_to_tensor(images_of(data))
        # Draws are made on the default device; the images may live elsewhere (a batch that
        # fit moved to the model's device).
        transformation = on_device_of(transformation, images)
        if isinstance(data, dict):
            return self._transform_dict(data, transformation, training)
        if self._is_batched(images):
            return self.transform_images(images, transformation, training=training)
        return self.transform_single_image(images, transformation, training=training)

    def _transform_dict(self, data: dict, transformation: Any, training: bool) -> dict:
        out = dict(data)
        batched = self._is_batched(data["images"])
        images = convert_to_tensor(data["images"])
        if batched:
            out["images"] = self.transform_images(images, transformation, training=training)
        else:
            out["images"] = self.transform_single_image(images, transformation, training=training)
        if "bounding_boxes" in data:
            if not self.bounding_box_format:
                raise ValueError(
                    "You passed an input with a 'bounding_boxes' key, but you didn't specify a "
                    f"bounding box format. Pass a `bounding_box_format` argument to your "
                    f"{type(self).__name__} layer, e.g. `bounding_box_format='xyxy'`."
                )
            boxes = _boxes.densify(data["bounding_boxes"], type(self).__name__)
            if batched:
                boxes = self.transform_bounding_boxes(boxes, transformation, training=training)
            else:
                boxes = self.transform_single_bounding_box(boxes, transformation, training)
            out["bounding_boxes"] = boxes
        if "labels" in data:
            labels = convert_to_tensor(data["labels"])
            method = self.transform_labels if batched else self.transform_single_label
            out["labels"] = method(labels, transformation, training=training)
        if "segmentation_masks" in data:
            masks = convert_to_tensor(data["segmentation_masks"])
            method = (
                self.transform_segmentation_masks
                if batched
                else self.transform_single_segmentation_mask
            )
            out["segmentation_masks"] = method(masks, transformation, training=training)
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        config = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config

    # ------------------------------------------------------------------ helpers
    def _axes(self, ndim: int = 4) -> tuple[int, int, int]:
        """(height, width, channel) axes of a tensor of rank ``ndim`` in this data format."""
        if self.data_format == "channels_first":
            return ndim - 2, ndim - 1, ndim - 3
        return ndim - 3, ndim - 2, ndim - 1

    def _hw(self, shape: Any) -> tuple[int, int]:
        """(height, width) of an image or batch of the given shape."""
        h, w, _ = self._axes(len(shape))
        return shape[h], shape[w]

    def _transform_value_range(
        self, images: Any, original_range: Any, target_range: Any, dtype: str = "float32"
    ) -> Tensor:
        """Map values linearly from ``original_range`` onto ``target_range``:
        y = (x − a₀)/(a₁ − a₀) · (b₁ − b₀) + b₀."""
        if original_range[0] == target_range[0] and original_range[1] == target_range[1]:
            return images
        images = cast(convert_to_tensor(images), dtype)
        lo, hi = float(original_range[0]), float(original_range[1])
        t_lo, t_hi = float(target_range[0]), float(target_range[1])
        return (images - lo) / (hi - lo) * (t_hi - t_lo) + t_lo

    def _compute_affine_matrix(
        self, center_x: Any, center_y: Any, angle: Tensor, translate_x: Any, translate_y: Any,
        scale: Any, shear_x: Any, shear_y: Any, height: int, width: int,
    ) -> Tensor:  # fmt: skip
        """Rows [a0, a1, a2, b0, b1, b2, 0, 0] (N, 8) of the map from output to input pixels:
        M = S · Sh · R about the centre (cx, cy) = (center_x (W − 1), center_y (H − 1)),
        a0 = s(cos θ + shx sin θ), a1 = s(−sin θ + shx cos θ), a2 = tx + cx − cx a0 − cy a1,
        b0 = s(shy cos θ + sin θ), b1 = s(−shy sin θ + cos θ), b2 = ty + cy − cx b0 − cy b1,
        with θ, and the shear angles whose tangents are shx, shy, in degrees."""
        to_rad = math.pi / 180.0
        angle = angle * to_rad
        cx, cy = center_x * (width - 1), center_y * (height - 1)
        cos_t, sin_t = cos(angle), sin(angle)
        shx, shy = tan(shear_x * to_rad), tan(shear_y * to_rad)
        a0 = scale * (cos_t + shx * sin_t)
        a1 = scale * (-sin_t + shx * cos_t)
        a2 = translate_x + cx - cx * a0 - cy * a1
        b0 = scale * (shy * cos_t + sin_t)
        b1 = scale * (shy * -sin_t + cos_t)
        b2 = translate_y + cy - cx * b0 - cy * b1
        zero = zeros_like(angle)
        return stack([a0, a1, a2, b0, b1, b2, zero, zero], axis=1)


# ------------------------------------------------------------------------ factors
def factor_range(
    factor: Any, name: str, bounds: tuple, owner: str, *, scalar: str = "clamped"
) -> tuple[float, float]:
    """A strength argument as (lower, upper), with Keras's rules.

    A pair is sorted (it must reach into ``bounds``); a number f must lie in ``bounds`` and
    means ``scalar``: ``"clamped"`` → [max(−|f|, low), |f|], ``"symmetric"`` → [−|f|, |f|],
    ``"from_zero"`` → [0, f].
    """
    lo, hi = bounds
    message = (
        f"{owner}: the `{name}` argument should be a number (or a list of two numbers) in the "
        f"range [{lo}, {hi}]. Received: {name}={factor!r}"
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(_is_number(f) for f in factor):
            raise ValueError(message)
        if factor[0] > hi or factor[1] < lo:
            raise ValueError(message)
        lower, upper = sorted(factor)
        return _plain(lower), _plain(upper)
    if not _is_number(factor) or factor < lo or factor > hi:
        raise ValueError(message)
    if scalar == "from_zero":
        return 0, _plain(factor)
    f = abs(factor)
    low = -f if scalar == "symmetric" else max(-f, lo)
    return _plain(low), _plain(f)


def strict_factor_range(
    factor: Any, name: str, bounds: tuple, owner: str, *, open_low: bool = False,
    scalar: str = "symmetric",
) -> tuple[float, float]:  # fmt: skip
    """As :func:`factor_range`, but every number given must lie in ``bounds`` (the lower
    bound excluded with ``open_low``): the rule of RandomZoom, RandomTranslation, RandomShear
    and Solarization."""
    lo, hi = bounds
    interval = f"{'(' if open_low else '['}{lo}, {hi}]"
    values = list(factor) if isinstance(factor, (tuple, list)) else [factor]
    bad = (
        (isinstance(factor, (tuple, list)) and len(factor) != 2)
        or not all(_is_number(v) for v in values)
        or any(v > hi or v < lo or (open_low and v == lo) for v in values)
    )
    if bad:
        raise ValueError(
            f"{owner}: the `{name}` argument should be a number (or a list of two numbers) in "
            f"the range {interval}. Received: {name}={factor!r}"
        )
    if isinstance(factor, (tuple, list)):
        lower, upper = sorted(factor)
        return _plain(lower), _plain(upper)
    if scalar == "from_zero":
        return 0, _plain(factor)
    return _plain(-abs(factor)), _plain(abs(factor))


def value_range_pair(value_range: Any, owner: str, sort: bool = True) -> Any:
    """``value_range`` checked to be two numbers (sorted into a list, as Keras stores it)."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(
            f"{owner}: the `value_range` argument should be a list of two numbers. "
            f"Received: value_range={value_range!r}"
        )
    return sorted(value_range) if sort else value_range


def default_seed() -> int:
    """A seed drawn from Python's ``random`` (seeded by ``set_random_seed``)."""
    return _py_random.randint(1, int(1e9))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# ------------------------------------------------------------------------ tensors
def as_tensor(value: Any, dtype: Any = None) -> Tensor:
    """A transformation entry (Tensor, array, number, list, or an object with ``__array__``
    such as a torch tensor) as a Tensor."""
    return convert_to_tensor(value, dtype=dtype)


def on_device_of(value: Any, like: Tensor) -> Any:
    """``value`` (a Tensor, or dicts, lists and tuples of them) with every Tensor on the
    device of ``like``; anything else as it is."""
    if isinstance(value, Tensor):
        if value.xp is like.xp and value.device == like.device:
            return value
        return Tensor._make(to_device(value.data, like.device))
    if isinstance(value, dict):
        return {k: on_device_of(v, like) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(on_device_of(v, like) for v in value)
    return value


def batch_size(images: Any) -> int:
    """1 for a single image (rank 3), else the leading axis."""
    shape = tuple(images.shape)
    return 1 if len(shape) == 3 else int(shape[0])


def images_of(data: Any) -> Any:
    """The images of ``data``: the value itself, or ``data["images"]``."""
    return data["images"] if isinstance(data, dict) else data
