"""Overlap losses for segmentation: Dice and Tversky (Keras 3's ``keras.losses.dice`` ...).

Both compare a predicted mask with the true one through soft counts over ``axis``: the
intersection Σ t·p, and the false positives Σ (1 − t)·p and false negatives Σ t·(1 − p).
"""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import epsilon
from deepnum.losses.loss import Loss, LossFunctionWrapper, cast_like


def dice(y_true: Any, y_pred: Any, axis: Any = None) -> Tensor:
    """Dice loss: 1 − 2 Σ t·p / (Σ t + Σ p + ε), the sums over ``axis`` (all axes by default).

    Args:
        y_true: the true masks (0/1 or soft).
        y_pred: the predicted masks, same shape.
        axis: an int or tuple of axes to sum over; ``None`` sums everything (one value).

    Returns:
        The loss, with ``axis`` reduced.

    Example:
        >>> y_true = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
        >>> y_pred = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
        >>> [round(v, 4) for v in dice(y_true, y_pred, axis=(1, 2, 3)).tolist()]
        [0.5, 0.7576]
    """
    y_pred = as_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    total = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis) + epsilon()
    return 1.0 - 2.0 * intersection / total


def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Any = None):
    """Tversky loss (Salehi et al. 2017): 1 − TP / (TP + α·FP + β·FN + ε).

    TP = Σ t·p, FP = Σ (1 − p)·t and FN = Σ p·(1 − t) over ``axis``, with the roles of FP and
    FN as in Keras 3. α = β = ½ gives the Dice loss.

    Args:
        alpha: the weight of the false positives.
        beta: the weight of the false negatives.
        axis: the axes to sum over (``None``: all).

    Example:
        >>> round(float(tversky([[1.0, 0.0]], [[0.6, 0.3]])), 4)
        0.3684
    """
    y_pred = as_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    false_pos = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    false_neg = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    denominator = intersection + false_pos * alpha + false_neg * beta + epsilon()
    return 1.0 - intersection / denominator


class Dice(LossFunctionWrapper):
    """The Dice loss 1 − 2 Σ t·p / (Σ t + Σ p), for segmentation masks.

    Args:
        reduction: as for every loss (default ``"sum_over_batch_size"``).
        name: the loss's name.
        axis: the axes the sums run over; ``None`` (default) pools the whole batch into one
            value, ``axis=(1, 2, 3)`` gives one value per image.
        dtype: the dtype to compute in.

    Example:
        >>> import deepnum as dn
        >>> y_true = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
        >>> y_pred = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
        >>> round(float(dn.losses.Dice()(y_true, y_pred)), 4)
        0.6164
    """

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "dice",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self) -> dict:
        return {**Loss.get_config(self), "axis": self.axis}


class Tversky(LossFunctionWrapper):
    """The Tversky loss 1 − TP / (TP + α·FP + β·FN): Dice with separate weights for the two
    kinds of error (Salehi et al. 2017).

    Args:
        alpha: the weight of the false positives (default 0.5).
        beta: the weight of the false negatives (default 0.5).
        axis: the axes the sums run over (``None``: all).
    """

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: Any = "sum_over_batch_size",
        name: str = "tversky",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            tversky,
            name=name,
            reduction=reduction,
            dtype=dtype,
            alpha=alpha,
            beta=beta,
            axis=axis,
        )
        self.alpha, self.beta, self.axis = alpha, beta, axis

    def get_config(self) -> dict:
        return {**Loss.get_config(self), "alpha": self.alpha, "beta": self.beta, "axis": self.axis}
