"""Augmentations that mix images (Keras's layers): ``CutMix`` and ``MixUp`` blend each image
and its labels with another image of the batch; ``AugMix`` blends an image with chains of
augmented copies of itself."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.preprocessing.image_preprocessing.base import (
    BaseImagePreprocessingLayer,
    as_tensor,
    batch_size,
    images_of,
)
from deepnum.layers.preprocessing.image_preprocessing.random_erasing import (
    box_masks,
    crop_bounds,
)
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.numpy import arange, clip, concatenate, reshape, sqrt, sum, take, where
from deepnum.random import beta, gamma, randint, shuffle, uniform

__all__ = ["AugMix", "CutMix", "MixUp"]


def _mix(x: Tensor, other: Tensor, weight: Any) -> Tensor:
    """w·x + (1 − w)·other, w (N,) broadcast over the other axes of x."""
    w = reshape(cast(as_tensor(weight), str(x.dtype) if x.dtype.kind == "f" else "float32"),
                (-1,) + (1,) * (x.ndim - 1))  # fmt: skip
    return w * x + (1.0 - w) * other


class CutMix(BaseImagePreprocessingLayer):
    """Paste a random rectangle of another image of the batch into each image (Yun et al.,
    2019) while training; the labels mix in proportion to the areas.

    With λ ~ Beta(a, a), a ~ U[factor₀, factor₁], the rectangle is √(1 − λ)·W by
    √(1 − λ)·H pixels at a uniform position, taken from the image at the same index of a
    random permutation of the batch; labels y ← λ' y + (1 − λ') y_perm, λ' = 1 − (the
    rectangle's area)/(H W). Single images are returned unchanged.

    Args:
        factor: the range of a, f (meaning [0, f]) or (lower, upper), in [0, 1].
        seed: an int for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> images = np.zeros((2, 4, 4, 1), "float32"); images[1] = 1.0
        >>> labels = np.eye(2, dtype="float32")
        >>> out = CutMix(seed=0)({"images": images, "labels": labels})
        >>> bool(np.allclose(out["labels"].numpy().sum(axis=1), 1.0))
        True
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor: Any = 1.0, seed: int | None = None, data_format: str | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        shape = tuple(images_of(data).shape)
        if not training or len(shape) == 3:
            return None
        n, seed, dtype = shape[0], self._seed(seed), self.compute_dtype
        height, width = self._hw(shape)
        alpha = uniform((), self.factor[0], self.factor[1], dtype=dtype, seed=seed) + 1e-6
        weight = beta((n,), alpha, alpha, dtype=dtype, seed=seed)
        ratio = sqrt(1.0 - weight)
        x0, x1 = crop_bounds(n, width, ratio, dtype, seed)
        y0, y1 = crop_bounds(n, height, ratio, dtype, seed)
        masks = box_masks(shape, self._axes(4), (x0, x1, y0, y1), dtype)
        mix_weight = 1.0 - (x1 - x0) * (y1 - y0) / (width * height)
        order = shuffle(arange(0, n, dtype="int32"), seed=seed)
        return {"permutation_order": order, "batch_masks": masks, "mix_weight": mix_weight}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if training and transformation is not None:
            order = as_tensor(transformation["permutation_order"])
            masks = as_tensor(transformation["batch_masks"])
            # The mask is the same in every channel: one channel broadcasts over any count
            # (images and one-channel segmentation masks alike).
            channel = self._axes(masks.ndim)[2]
            masks = masks[(slice(None),) * channel + (slice(0, 1),)]
            images = where(masks, take(images, order, axis=0), images)
        return images

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True):
        if training and transformation is not None:
            labels = convert_to_tensor(labels)
            order = as_tensor(transformation["permutation_order"])
            labels = _mix(labels, take(labels, order, axis=0), transformation["mix_weight"])
        return labels

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any, training: bool = True
    ):
        return self.transform_images(segmentation_masks, transformation, training)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}


class MixUp(BaseImagePreprocessingLayer):
    """Blend each image and its labels with another of the batch (Zhang et al., 2018) while
    training: x ← λx + (1 − λ)x_perm, y ← λy + (1 − λ)y_perm, λ ~ Beta(α, α) per image.

    Bounding boxes of the two images are concatenated (labels too).

    Args:
        alpha: the Beta distribution's parameter (default 0.2: λ mostly near 0 or 1).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int for reproducible draws.

    Example:
        >>> import numpy as np
        >>> out = MixUp(seed=0)({"images": np.ones((4, 2, 2, 1), "float32"),
        ...                      "labels": np.eye(4, dtype="float32")})
        >>> bool(np.allclose(out["images"].numpy(), 1.0))
        True
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, alpha: float = 0.2, data_format: str | None = None, seed: int | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        if not alpha > 0:
            raise ValueError(f"MixUp: `alpha` must be positive. Received: alpha={alpha!r}")
        self.alpha = alpha
        self._make_generator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        n, seed = batch_size(images_of(data)), self._seed(seed)
        order = shuffle(arange(0, n, dtype="int64"), seed=seed)
        weight = beta((n,), self.alpha, self.alpha, seed=seed)
        return {"mix_weight": weight, "permutation_order": order}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = convert_to_tensor(images)
        if not training:
            return images
        images = cast(images, self.compute_dtype)
        order = as_tensor(transformation["permutation_order"])
        return _mix(images, take(images, order, axis=0), transformation["mix_weight"])

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True):
        if not training:
            return labels
        labels = convert_to_tensor(labels)
        order = as_tensor(transformation["permutation_order"])
        return _mix(labels, take(labels, order, axis=0), transformation["mix_weight"])

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        if not training:
            return bounding_boxes
        order = as_tensor(transformation["permutation_order"])
        boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
        return {
            "boxes": concatenate([boxes, take(boxes, order, axis=0)], axis=1),
            "labels": concatenate([labels, take(labels, order, axis=0)], axis=1),
        }

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any, training: bool = True
    ):
        if not training:
            return segmentation_masks
        masks = convert_to_tensor(segmentation_masks)
        order = as_tensor(transformation["permutation_order"])
        return _mix(masks, take(masks, order, axis=0), transformation["mix_weight"])

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}


AUGMENT_LAYERS_ALL = [
    "random_shear", "random_translation", "random_rotation", "random_posterization",
    "solarization", "auto_contrast", "equalization", "random_brightness",
    "random_color_degeneration", "random_contrast", "random_sharpness",
]  # fmt: skip
AUGMENT_LAYERS = AUGMENT_LAYERS_ALL[:7]


def augment_layers(owner: Any, factor: tuple, value_range: Any, interpolation: str,
                   seed: Any, names: list[str]) -> None:  # fmt: skip
    """Create the sub-layers named in ``names`` on ``owner`` with Keras's arguments for
    AugMix and RandAugment (all of strength ``factor``)."""
    from deepnum.layers.preprocessing import image_preprocessing as ip

    common = {"seed": seed, "data_format": owner.data_format, "dtype": owner.dtype}
    color = {"value_range": value_range, **common}
    warp = {"interpolation": interpolation, **common}
    makers = {
        "random_shear": lambda: ip.RandomShear(x_factor=factor, y_factor=factor, **warp),
        "random_translation": lambda: ip.RandomTranslation(factor, factor, **warp),
        "random_rotation": lambda: ip.RandomRotation(factor=factor, **warp),
        "random_posterization": lambda: ip.RandomPosterization(
            factor=max(1, int(8 * factor[1])), **color
        ),
        "solarization": lambda: ip.Solarization(factor, factor, **color),
        "auto_contrast": lambda: ip.AutoContrast(
            value_range, data_format=owner.data_format, dtype=owner.dtype
        ),  # fmt: skip
        "equalization": lambda: ip.Equalization(
            value_range, data_format=owner.data_format, dtype=owner.dtype
        ),  # fmt: skip
        "random_brightness": lambda: ip.RandomBrightness(factor, **color),
        "random_color_degeneration": lambda: ip.RandomColorDegeneration(factor, **color),
        "random_contrast": lambda: ip.RandomContrast(factor, **color),
        "random_sharpness": lambda: ip.RandomSharpness(factor, **color),
    }
    for name in names:
        setattr(owner, name, makers[name]())


class AugMix(BaseImagePreprocessingLayer):
    """AugMix (Hendrycks et al., 2020): blend each batch with chains of augmentations of it.

    ``num_chains`` chains each apply up to ``chain_depth`` operations drawn from shear,
    translation, rotation, posterization, solarization, autocontrast and equalization (with
    ``all_ops``: also brightness, colour degeneration, contrast and sharpness), each of
    strength ``factor``; the chains are averaged with Dirichlet(α) weights w, and
    y = clip(m x + (1 − m) Σ wᵢ chainᵢ(x), low, high), m ~ Beta(α, α).

    Args:
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        num_chains: the number of chains (default 3).
        chain_depth: the most operations per chain (default 3).
        factor: the strength of the operations, f (meaning [0, f]) or a pair, in [0, 1].
        alpha: the Dirichlet and Beta parameter.
        all_ops: use all eleven operations.
        interpolation: ``"bilinear"`` (default) or ``"nearest"`` for the warps.
        seed: an int for reproducible draws (the choice of operations included).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
        >>> AugMix(seed=0)(x).shape
        (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, value_range: Any = (0, 255), num_chains: int = 3, chain_depth: int = 3,
        factor: Any = 0.3, alpha: float = 1.0, all_ops: bool = True,
        interpolation: str = "bilinear", seed: int | None = None,
        data_format: str | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self.value_range, self.num_chains, self.chain_depth = value_range, num_chains, chain_depth
        self._set_factor(factor)
        self.alpha, self.all_ops, self.interpolation = alpha, all_ops, interpolation
        self._make_generator(seed)
        self._augment_layers = AUGMENT_LAYERS_ALL if all_ops else AUGMENT_LAYERS
        augment_layers(self, self.factor, value_range, interpolation, seed, self._augment_layers)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None):
        if not training:
            return None
        seed = self._seed(seed)
        draws = gamma((self.num_chains,), alpha=self.alpha, seed=seed)
        weights = draws / sum(draws, axis=-1, keepdims=True)
        sample = beta((), self.alpha, self.alpha, seed=seed)
        choices = randint((self.num_chains, self.chain_depth), 0, len(self._augment_layers) + 1,
                          seed=seed).numpy()  # fmt: skip
        chains = []
        for row in choices:
            chain = []
            for index in row:  # index == len(...) draws "no operation" at this depth
                if index < len(self._augment_layers):
                    name = self._augment_layers[int(index)]
                    t = getattr(self, name).get_random_transformation(data, seed=seed)
                    chain.append({"layer_name": name, "transformation": t})
            chains.append(chain)
        return {"chain_mixing_weights": weights, "weight_sample": sample,
                "chain_transforms": chains}  # fmt: skip

    def _blend(self, x: Tensor, transformation: dict, method: str) -> Tensor:
        weights = cast(as_tensor(transformation["chain_mixing_weights"]), x.dtype)
        sample = cast(as_tensor(transformation["weight_sample"]), x.dtype)
        mixed = None
        for i, chain in enumerate(transformation["chain_transforms"]):
            y = x
            for step in chain:
                y = getattr(getattr(self, step["layer_name"]), method)(y, step["transformation"])
            y = y * weights[i]
            mixed = y if mixed is None else mixed + y
        mixed = x * 0.0 if mixed is None else mixed
        return sample * x + (1.0 - sample) * mixed

    def transform_images(self, images: Any, transformation: Any, training: bool = True):
        images = cast(convert_to_tensor(images), self.compute_dtype)
        if training:
            images = self._blend(images, transformation, "transform_images")
            images = clip(images, self.value_range[0], self.value_range[1])
        return cast(images, self.compute_dtype)

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True):
        return labels

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any, training: bool = True
    ) -> dict:
        return bounding_boxes

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any, training: bool = True
    ):
        if not training:
            return segmentation_masks
        masks = convert_to_tensor(segmentation_masks)
        masks = masks if masks.dtype.kind == "f" else cast(masks, self.compute_dtype)
        return self._blend(masks, transformation, "transform_segmentation_masks")

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "num_chains": self.num_chains,
            "chain_depth": self.chain_depth,
            "factor": self.factor,
            "alpha": self.alpha,
            "all_ops": self.all_ops,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
