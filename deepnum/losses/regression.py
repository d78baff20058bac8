"""Regression losses: MSE, MAE, MAPE, MSLE, Huber, log-cosh and cosine similarity.

Each function returns one value per sample, the mean over the last axis (Keras 3 formulas).
"""

from __future__ import annotations

import math
from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import epsilon
from deepnum.losses.loss import (
    LossFunctionWrapper,
    cast_like,
    check_broadcastable,
    squeeze_or_expand_to_same_rank,
)


def _prepare(name: str, y_true: Any, y_pred: Any) -> tuple[Tensor, Tensor]:
    y_pred = as_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable(name, y_true, y_pred)
    return y_true, y_pred


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """Mean squared error per sample: mean((y_true − y_pred)², axis=-1).

    Args:
        y_true: targets, shape ``(batch, d0, ..., dN)``.
        y_pred: predictions, same shape (a trailing axis of size 1 may differ).

    Returns:
        Losses of shape ``(batch, d0, ..., dN-1)``.

    Example:
        >>> float(mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])[0])
        0.5
    """
    y_true, y_pred = _prepare("mean_squared_error", y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """Mean absolute error per sample: mean(|y_true − y_pred|, axis=-1).

    Example:
        >>> float(mean_absolute_error([[0.0, 1.0]], [[2.0, 1.0]])[0])
        1.0
    """
    y_true, y_pred = _prepare("mean_absolute_error", y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """MAPE per sample: 100 · mean(|(y_true − y_pred) / max(|y_true|, ε)|, axis=-1).

    Example:
        >>> round(float(mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]])[0]), 4)
        25.0
    """
    y_true, y_pred = _prepare("mean_absolute_percentage_error", y_true, y_pred)
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), epsilon()))
    return 100.0 * ops.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """MSLE per sample: mean((log(max(y_pred, ε) + 1) − log(max(y_true, ε) + 1))², axis=-1).

    Example:
        >>> round(float(mean_squared_logarithmic_error([[0.0]], [[math.e - 1]])[0]), 6)
        1.0
    """
    y_true, y_pred = _prepare("mean_squared_logarithmic_error", y_true, y_pred)
    first_log = ops.log(ops.maximum(y_pred, epsilon()) + 1.0)
    second_log = ops.log(ops.maximum(y_true, epsilon()) + 1.0)
    return ops.mean(ops.square(first_log - second_log), axis=-1)


def check_delta(name: str, delta: Any) -> float:
    """Huber's ``delta`` as a float > 0; a ValueError naming ``name`` otherwise."""
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not delta > 0:
        raise ValueError(
            f"{name}: argument `delta` must be a float > 0 (the error size where the loss "
            f"turns from quadratic to linear), received delta={delta!r}."
        )
    return float(delta)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Huber loss per sample, quadratic near zero and linear beyond ``delta``.

    With e = y_pred − y_true: ℓ = ½e² if |e| ≤ δ, else δ|e| − ½δ²; averaged over the last axis.

    Example:
        >>> float(huber([[0.0, 0.0]], [[0.5, 3.0]])[0])
        1.3125
    """
    delta = check_delta("huber", delta)
    y_true, y_pred = _prepare("huber", y_true, y_pred)
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = 0.5 * ops.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return ops.mean(ops.where(abs_error.data <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """Log-cosh per sample: mean(log(cosh(y_pred − y_true)), axis=-1).

    Computed as |x| + log1p(e^(−2|x|)) − log 2, which never overflows; ≈ x²/2 for small x and
    |x| − log 2 for large x.

    Example:
        >>> round(float(log_cosh([[0.0]], [[1.0]])[0]), 6)
        0.433781
    """
    y_true, y_pred = _prepare("log_cosh", y_true, y_pred)
    x = ops.abs(y_pred - y_true)
    return ops.mean(x + ops.log1p(ops.exp(-2.0 * x)) - math.log(2.0), axis=-1)


def _l2_normalize(x: Tensor, axis: int) -> Tensor:
    """x / max(‖x‖₂, ε) along ``axis`` (Keras's ``ops.normalize``)."""
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(square_sum, epsilon() ** 2))


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """Negative cosine similarity per sample: −Σ (ŷ_true · ŷ_pred) with L2-normalised inputs.

    The result lies in [−1, 1]; −1 means the vectors point the same way (so minimising it
    maximises the similarity).

    Example:
        >>> float(cosine_similarity([[1.0, 0.0]], [[2.0, 0.0]])[0])
        -1.0
    """
    y_true, y_pred = _prepare("cosine_similarity", y_true, y_pred)
    return -ops.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors: mean((y_true − y_pred)²).

    Example:
        >>> import deepnum as dn
        >>> float(dn.losses.MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
        0.5
    """

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors: mean(|y_true − y_pred|)."""

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_absolute_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """100 · mean(|y_true − y_pred| / max(|y_true|, ε))."""

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_absolute_percentage_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """mean((log(y_pred + 1) − log(y_true + 1))²), inputs floored at ε."""

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_squared_logarithmic_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype
        )


class Huber(LossFunctionWrapper):
    """Huber loss: ½e² for |e| ≤ δ, δ|e| − ½δ² beyond (robust to outliers).

    Args:
        delta: the point where the loss turns from quadratic to linear (default 1.0).
    """

    def __init__(
        self,
        delta: float = 1.0,
        reduction: Any = "sum_over_batch_size",
        name: str = "huber_loss",
        dtype: Any = None,
    ) -> None:
        check_delta("Huber", delta)
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the prediction error."""

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "log_cosh", dtype: Any = None
    ) -> None:
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between labels and predictions along ``axis``."""

    def __init__(
        self,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "cosine_similarity",
        dtype: Any = None,
    ) -> None:
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)
