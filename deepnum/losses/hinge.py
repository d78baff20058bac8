"""Hinge losses (maximum-margin classification): hinge, squared hinge, categorical hinge."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import get_array_module
from deepnum.losses.loss import LossFunctionWrapper, cast_like, check_broadcastable


def convert_binary_labels_to_hinge(y_true: Tensor) -> Tensor:
    """Map 0/1 labels to −1/+1 (labels that are not all 0 or 1 are returned unchanged)."""
    x = y_true.data
    xp = get_array_module(x)
    if bool(xp.all((x == 0) | (x == 1))):
        return 2.0 * y_true - 1.0
    return y_true


def _margins(name: str, y_true: Any, y_pred: Any) -> Tensor:
    y_pred = as_tensor(y_pred)
    y_true = convert_binary_labels_to_hinge(cast_like(y_true, y_pred))
    check_broadcastable(name, y_true, y_pred)
    return ops.maximum(1.0 - y_true * y_pred, 0.0)


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """Hinge loss per sample: mean(max(1 − t·y, 0), axis=-1), labels t in {−1, 1} (or 0/1).

    Example:
        >>> float(hinge([[1.0, 0.0]], [[0.5, -2.0]])[0])
        0.25
    """
    return ops.mean(_margins("hinge", y_true, y_pred), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """Squared hinge per sample: mean(max(1 − t·y, 0)², axis=-1).

    Example:
        >>> float(squared_hinge([[1.0, 0.0]], [[0.5, -2.0]])[0])
        0.125
    """
    return ops.mean(ops.square(_margins("squared_hinge", y_true, y_pred)), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """Categorical hinge per sample: max(neg − pos + 1, 0) with one-hot labels t,
    pos = Σ t·y and neg = max((1 − t)·y).

    Example:
        >>> float(categorical_hinge([[0.0, 1.0]], [[0.3, 0.8]])[0])
        0.5
    """
    y_pred = as_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    check_broadcastable("categorical_hinge", y_true, y_pred)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, 0.0)


class Hinge(LossFunctionWrapper):
    """Hinge loss mean(max(1 − t·y, 0)); 0/1 labels are mapped to −1/+1."""

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "hinge", dtype: Any = None
    ) -> None:
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss mean(max(1 − t·y, 0)²)."""

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "squared_hinge",
        dtype: Any = None,
    ) -> None:
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss max(max_{k≠true} yₖ − y_true + 1, 0) with one-hot labels."""

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_hinge",
        dtype: Any = None,
    ) -> None:
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)
