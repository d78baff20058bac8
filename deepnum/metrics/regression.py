"""Regression metrics: MSE, MAE, MAPE, MSLE, RMSE, cosine similarity and log-cosh error."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.losses import regression
from deepnum.losses.loss import squeeze_or_expand_to_same_rank
from deepnum.metrics.metric import to_array
from deepnum.metrics.reduction import Mean, MeanMetricWrapper


class MeanSquaredError(MeanMetricWrapper):
    """Mean of (y_true − y_pred)² over all values seen.

    Example:
        >>> m = MeanSquaredError()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]]); float(m.result())
        0.25
    """

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(regression.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of |y_true − y_pred| over all values seen."""

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(regression.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of 100 · |y_true − y_pred| / max(|y_true|, ε)."""

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(regression.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean of (log(y_pred + 1) − log(y_true + 1))²."""

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(regression.mean_squared_logarithmic_error, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity Σ ŷ_true · ŷ_pred (L2-normalised along ``axis``), in [−1, 1].

    Unlike the loss of the same name, the metric is not negated: 1 means aligned.
    """

    _direction = "up"

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None, axis: int = -1) -> None:
        super().__init__(_cosine_similarity, name=name, dtype=dtype, axis=axis)


def _cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    return -regression.cosine_similarity(y_true, y_pred, axis=axis)


class LogCoshError(MeanMetricWrapper):
    """Mean of log(cosh(y_pred − y_true))."""

    def __init__(self, name: str = "logcosh", dtype: Any = None) -> None:
        super().__init__(regression.log_cosh, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """√(mean of (y_true − y_pred)²) over all values seen (weighted by ``sample_weight``).

    Example:
        >>> m = RootMeanSquaredError()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]]); float(m.result())
        0.5
    """

    _direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = to_array(y_pred, self.dtype)
        y_true = get_array_module(y_pred).asarray(to_array(y_true)).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state((y_pred - y_true) ** 2, sample_weight=sample_weight)

    def result(self) -> Tensor:
        return self._result(np.sqrt(super().result().numpy()))
