"""Focal cross-entropies (Lin et al. 2017): cross-entropy down-weighted by (1 − p)^γ on the
examples the model already gets right, so training focuses on the hard ones."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.losses.loss import (
    LossFunctionWrapper,
    cast_like,
    check_label_smoothing,
    check_same_shape,
    warn_if_probabilities,
)
from deepnum.losses.probabilistic import binary_ce_from_probs, check_categorical, clip_probs


def binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Binary focal cross-entropy (Lin et al. 2017) per sample, averaged over ``axis``.

    ℓ = (1 − p_t)^γ · bce, p_t = t·p + (1 − t)(1 − p); with class balancing each term is also
    weighted by α for positives and 1 − α for negatives. γ = 0 gives plain cross-entropy.

    Example:
        >>> round(float(binary_focal_crossentropy([[1.0]], [[0.9]])[0]), 6)
        0.001054
    """
    label_smoothing = check_label_smoothing("binary_focal_crossentropy", label_smoothing)
    y_pred = as_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    check_same_shape("binary_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        warn_if_probabilities("binary_focal_crossentropy", y_pred, axis)
        y_pred = ops.sigmoid(y_pred)
    bce = binary_ce_from_probs(y_true, y_pred)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = (1.0 - p_t) ** gamma * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return ops.mean(focal_bce, axis=axis)


def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Categorical focal cross-entropy per sample: −Σₖ α (1 − pₖ)^γ tₖ log pₖ.

    Example:
        >>> round(float(categorical_focal_crossentropy([[0.0, 1.0]], [[0.1, 0.9]])[0]), 6)
        0.000263
    """
    label_smoothing = check_label_smoothing("categorical_focal_crossentropy", label_smoothing)
    y_pred = as_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    check_categorical("categorical_focal_crossentropy", y_true, y_pred, axis)
    if label_smoothing:
        num_classes = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        warn_if_probabilities("categorical_focal_crossentropy", y_pred, axis)
        y_pred = ops.softmax(y_pred, axis=axis)
    output = clip_probs(y_pred / ops.sum(y_pred, axis=axis, keepdims=True))
    cce = -y_true * ops.log(output)
    return ops.sum(alpha * (1.0 - output) ** gamma * cce, axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy down-weighting easy examples by (1 − p_t)^γ.

    Args:
        apply_class_balancing: weight positives by ``alpha`` and negatives by 1 − ``alpha``.
        alpha: the balancing weight (default 0.25).
        gamma: the focusing exponent (default 2.0).
    """

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "binary_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        check_label_smoothing("BinaryFocalCrossentropy", label_smoothing)
        super().__init__(
            binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy weighted by α (1 − pₖ)^γ per class."""

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        check_label_smoothing("CategoricalFocalCrossentropy", label_smoothing)
        super().__init__(
            categorical_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self.alpha, self.gamma = alpha, gamma
