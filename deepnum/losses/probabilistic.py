"""Probabilistic losses: binary, categorical and sparse categorical cross-entropy,
Kullback–Leibler divergence and Poisson.

Probabilities are clipped to [ε, 1 − ε] as in Keras; logits (``from_logits=True``) go through
log-sum-exp / softplus forms that stay finite for logits of any size.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np  # np.errstate: CuPy has none, and the GPU never warns

from deepnum import ops
from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import epsilon, get_array_module
from deepnum.losses.loss import (
    LossFunctionWrapper,
    cast_like,
    check_label_smoothing,
    check_same_shape,
    integer_labels,
    set_mask,
    warn_if_probabilities,
)


class SigmoidCrossEntropy(Function):
    """Elementwise −[t log σ(x) + (1 − t) log(1 − σ(x))] from logits x, fused and stable.

    ℓ = max(x, 0) − x·t + log(1 + e^(−|x|)); ∂ℓ/∂x = σ(x) − t, ∂ℓ/∂t = −x. Infinite logits
    give 0 where the label agrees (x = +∞, t = 1) and +∞ otherwise.
    """

    def forward(self, x, t):
        xp = get_array_module(x)
        with np.errstate(invalid="ignore", over="ignore"):
            loss = xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x)))
        if xp.isinf(x).any():
            inf = xp.asarray(xp.inf, dtype=loss.dtype)
            loss = xp.where(xp.isposinf(x), xp.where(t == 1, 0, inf), loss)
            loss = xp.where(xp.isneginf(x), xp.where(t == 0, 0, inf), loss)
        return loss.astype(x.dtype, copy=False)

    def backward(self, gy):
        x, t = self.inputs
        gx = ops.sum_to(gy * (ops.sigmoid(x) - t), x.shape) if self.needs_input_grad[0] else None
        gt = ops.sum_to(-gy * x, t.shape) if self.needs_input_grad[1] else None
        return gx, gt


def clip_probs(p: Tensor) -> Tensor:
    return ops.clip(p, epsilon(), 1.0 - epsilon())


def binary_ce_from_probs(t: Tensor, p: Tensor) -> Tensor:
    """−[t log p + (1 − t) log(1 − p)] with p clipped to [ε, 1 − ε]."""
    p = clip_probs(p)
    return -(t * ops.log(p) + (1.0 - t) * ops.log(1.0 - p))


def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Binary cross-entropy per sample, averaged over ``axis``.

    ℓ = −mean(t log p + (1 − t) log(1 − p)), p = y_pred clipped to [ε, 1 − ε] (or σ(y_pred) when
    ``from_logits``); label smoothing replaces t by t(1 − s) + s/2.

    Args:
        y_true: 0/1 labels, same shape as ``y_pred``.
        y_pred: probabilities, or logits when ``from_logits=True``.
        label_smoothing: s in [0, 1].
        axis: the axis averaged over.

    Returns:
        One loss per sample (``y_pred``'s shape without ``axis``).

    Example:
        >>> round(float(binary_crossentropy([[1.0, 0.0]], [[0.8, 0.1]])[0]), 4)
        0.1643
    """
    label_smoothing = check_label_smoothing("binary_crossentropy", label_smoothing)
    y_pred = as_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    check_same_shape("binary_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        warn_if_probabilities("binary_crossentropy", y_pred, axis)
        return ops.mean(SigmoidCrossEntropy()(y_pred, y_true), axis=axis)
    return ops.mean(binary_ce_from_probs(y_true, y_pred), axis=axis)


def check_categorical(name: str, y_true: Tensor, y_pred: Tensor, axis: Any) -> None:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"{name}: `axis` must be an int, received axis={axis!r}.")
    hint = ""
    if y_true.shape != y_pred.shape and (
        len(y_true.shape) == len(y_pred.shape) - 1
        or (y_true.shape[-1:] == (1,) and y_true.shape[:-1] == y_pred.shape[:-1])
    ):
        hint = (
            " The labels look like integer class indices: use SparseCategoricalCrossentropy, "
            "or one-hot encode them with to_categorical."
        )
    check_same_shape(name, y_true, y_pred, hint)
    if y_pred.shape[axis] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={shape_str(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


def _normalized_log_probs(y_pred: Tensor, axis: int) -> Tensor:
    """log of y_pred / Σ y_pred along ``axis``, clipped to [ε, 1 − ε] first."""
    return ops.log(clip_probs(y_pred / ops.sum(y_pred, axis=axis, keepdims=True)))


def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Categorical cross-entropy per sample: −Σₖ tₖ log pₖ along ``axis``.

    Probabilities are renormalised to sum to 1 and clipped to [ε, 1 − ε]; logits use the fused
    log-softmax cross-entropy. Label smoothing replaces t by t(1 − s) + s/K (K classes).

    Args:
        y_true: one-hot (or soft) labels, same shape as ``y_pred``.
        y_pred: class probabilities, or logits when ``from_logits=True``.

    Returns:
        One loss per sample.

    Example:
        >>> t = [[0, 0, 1, 0, 0, 0, 0, 0, 0, 0]]
        >>> y = [[0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]]
        >>> round(float(categorical_crossentropy(t, y)[0]), 4)  # −log 0.6
        0.5108
    """
    label_smoothing = check_label_smoothing("categorical_crossentropy", label_smoothing)
    y_pred = as_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    check_categorical("categorical_crossentropy", y_true, y_pred, axis)
    if label_smoothing:
        num_classes = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        warn_if_probabilities("categorical_crossentropy", y_pred, axis)
        return ops.softmax_cross_entropy(y_pred, y_true, axis=axis)
    return -ops.sum(y_true * _normalized_log_probs(y_pred, axis), axis=axis)


def _sparse_labels(name: str, y_true: Any, y_pred: Tensor, axis: int) -> Any:
    """Integer labels of shape ``y_pred.shape`` without ``axis``, with clear shape errors."""
    xp = get_array_module(y_pred.data)
    labels = xp.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    class_axis = axis % y_pred.ndim
    if labels.ndim == y_pred.ndim and labels.shape[class_axis] == 1:
        labels = labels.squeeze(class_axis)
    expected = y_pred.shape[:class_axis] + y_pred.shape[class_axis + 1 :]
    if labels.shape == expected:
        return integer_labels(name, labels)
    if labels.shape == y_pred.shape:
        hint = (
            f" Labels of shape {shape_str(labels.shape)} look one-hot: use "
            "CategoricalCrossentropy, or pass integer class indices (e.g. y.argmax(-1))."
        )
    elif y_pred.ndim > 2 and labels.ndim < y_pred.ndim - 1:
        hint = (
            " The output keeps spatial axes: is a Flatten missing before the Dense? "
            "(A GlobalAveragePooling layer also works.)"
        )
    else:
        hint = ""
    raise ValueError(
        f"{name}: labels (y_true) of shape {shape_str(labels.shape)} do not match the output "
        f"(y_pred) of shape {shape_str(y_pred.shape)}; expected integer labels of shape "
        f"{shape_str(expected)}.{hint}"
    )


def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> Tensor:
    """Cross-entropy with integer labels: ℓ = −log p[y_true] (p from softmax when logits).

    Args:
        y_true: integer class indices of shape ``y_pred.shape`` without ``axis`` (a trailing
            axis of size 1 is allowed).
        y_pred: class probabilities, or logits when ``from_logits=True``.
        ignore_class: a label value whose entries get loss 0 and are masked out of the mean
            (e.g. padding in segmentation maps).

    Returns:
        One loss per sample; with ``ignore_class`` it carries a mask of the valid entries.

    Example:
        >>> round(float(sparse_categorical_crossentropy([1], [[0.05, 0.95, 0.0]])[0]), 4)
        0.0513
    """
    name = "sparse_categorical_crossentropy"
    y_pred = as_tensor(y_pred)
    labels = _sparse_labels(name, y_true, y_pred, axis)
    xp = get_array_module(y_pred.data)
    num_classes = y_pred.shape[axis]
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = xp.where(valid, labels, 0)
        # Ignored entries get a harmless prediction (Keras uses 0, which is 0/0 for probabilities).
        y_pred = ops.where(xp.expand_dims(valid, axis), y_pred, 0.0 if from_logits else 1.0)
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(
            f"{name}: labels must lie in [0, {num_classes}) for an output with {num_classes} "
            f"classes; received labels from {int(labels.min())} to {int(labels.max())}."
        )
    one_hot = ops.one_hot(labels, num_classes, axis=axis, dtype=y_pred.dtype)
    if from_logits:
        warn_if_probabilities(name, y_pred, axis)
        res = ops.softmax_cross_entropy(y_pred, one_hot, axis=axis)
    else:
        res = -ops.sum(one_hot * _normalized_log_probs(y_pred, axis), axis=axis)
    if valid is not None:
        res = ops.where(valid, res, 0.0)
        set_mask(res, valid)
    return res


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """Kullback–Leibler divergence per sample: Σ t log(t / p), both clipped to [ε, 1].

    Example:
        >>> round(float(kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])[0]), 6)
        0.143841
    """
    y_pred = as_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    y_true = ops.clip(y_true, epsilon(), 1.0)
    y_pred = ops.clip(y_pred, epsilon(), 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """Poisson negative log-likelihood (up to a constant): mean(p − t log(p + ε), axis=-1).

    Example:
        >>> float(poisson([[0.0]], [[2.0]])[0])
        2.0
    """
    y_pred = as_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + epsilon()), axis=-1)


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy between 0/1 labels and predicted probabilities (or logits).

    Args:
        from_logits: y_pred holds logits (no sigmoid applied) instead of probabilities.
        label_smoothing: squeeze labels towards 0.5: t(1 − s) + s/2.
        axis: the axis averaged over (default -1).

    Example:
        >>> import deepnum as dn
        >>> bce = dn.losses.BinaryCrossentropy(from_logits=True)
        >>> round(float(bce([[0.0, 1.0]], [[-2.0, 3.0]])), 4)
        0.0878
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        check_label_smoothing("BinaryCrossentropy", label_smoothing)
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between one-hot labels and class probabilities (or logits).

    Example:
        >>> import deepnum as dn
        >>> cce = dn.losses.CategoricalCrossentropy()
        >>> round(float(cce([[0, 1, 0]], [[0.05, 0.95, 0.0]])), 4)
        0.0513
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        check_label_smoothing("CategoricalCrossentropy", label_smoothing)
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy with integer labels (no one-hot needed).

    Args:
        from_logits: y_pred holds logits instead of probabilities.
        ignore_class: a label value to skip (its entries are masked out of the mean).

    Example:
        >>> import deepnum as dn
        >>> scce = dn.losses.SparseCategoricalCrossentropy()
        >>> round(float(scce([1, 2], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])), 4)
        1.1769
    """

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: Any = "sum_over_batch_size",
        axis: int = -1,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis


class KLDivergence(LossFunctionWrapper):
    """Kullback–Leibler divergence Σ t log(t / p) between label and predicted distributions."""

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "kl_divergence",
        dtype: Any = None,
    ) -> None:
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss mean(p − t log(p + ε)), for count data."""

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "poisson", dtype: Any = None
    ) -> None:
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)
