"""``RandAugment``: a few operations drawn at random from a fixed list, all of one strength
(Cubuk et al., 2020; Keras's layer)."""

from __future__ import annotations

from typing import Any

from deepnum.layers.preprocessing.image_preprocessing.base import (
    BaseImagePreprocessingLayer,
    as_tensor,
)
from deepnum.layers.preprocessing.image_preprocessing.mixing import augment_layers
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.random import randint

__all__ = ["RandAugment"]


class RandAugment(BaseImagePreprocessingLayer):
    """Apply ``num_ops`` operations, each drawn uniformly (with repetition) for the whole
    batch from: shear, translation, rotation, brightness, colour degeneration, contrast,
    sharpness, posterization, solarization, autocontrast, equalization — all with strength
    ``factor`` — while training.

    Only the drawn operations are computed (Keras computes all eleven and selects).

    Args:
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        num_ops: the number of operations per call (default 2).
        factor: the strength, f (meaning [0, f]) or (lower, upper), in [0, 1] (default 0.5).
        interpolation: ``"bilinear"`` (default) or ``"nearest"`` for the warps.
        seed: an int for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
        >>> RandAugment(seed=0)(x).shape
        (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _AUGMENT_LAYERS = [
        "random_shear", "random_translation", "random_rotation", "random_brightness",
        "random_color_degeneration", "random_contrast", "random_sharpness",
        "random_posterization", "solarization", "auto_contrast", "equalization",
    ]  # fmt: skip

    def __init__(
        self, value_range: Any = (0, 255), num_ops: int = 2, factor: Any = 0.5,
        interpolation: str = "bilinear", seed: int | None = None,
        data_format: str | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(
                f"RandAugment: `num_ops` must be a non-negative integer. Received: {num_ops!r}"
            )
        self.value_range, self.num_ops = value_range, num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self._make_generator(seed)
        augment_layers(self, self.factor, value_range, interpolation, seed, self._AUGMENT_LAYERS)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        seed = self._seed(seed)
        indices = randint((self.num_ops,), 0, len(self._AUGMENT_LAYERS), seed=seed)
        transforms = {}
        for index in sorted(set(int(i) for i in indices.numpy())):
            name = self._AUGMENT_LAYERS[index]
            transforms[name] = getattr(self, name).get_random_transformation(
                data, training=training, seed=seed
            )
        return {"transforms": transforms, "layer_idxes": indices}

    def _steps(self, transformation: dict) -> list[tuple[Any, Any]]:
        """(layer, its transformation) for each drawn operation, in order."""
        steps = []
        for index in as_tensor(transformation["layer_idxes"]).numpy().ravel():
            name = self._AUGMENT_LAYERS[int(index)]
            steps.append((getattr(self, name), transformation["transforms"][name]))
        return steps

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if training:
            for layer, t in self._steps(transformation):
                images = cast(layer.transform_images(images, t), self.compute_dtype)
        return images

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True):
        return labels

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        if training:
            for layer, t in self._steps(transformation):
                if layer.bounding_box_format is None:
                    layer.bounding_box_format = self.bounding_box_format
                bounding_boxes = layer.transform_bounding_boxes(dict(bounding_boxes), t)
        return bounding_boxes

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any, training: bool = True
    ):
        if training:
            for layer, t in self._steps(transformation):
                segmentation_masks = layer.transform_segmentation_masks(segmentation_masks, t)
        return segmentation_masks

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "num_ops": self.num_ops,
            "factor": self.factor,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
