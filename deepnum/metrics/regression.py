"""Regression metrics: MSE, MAE, MAPE, MSLE, RMSE, cosine similarity, log-cosh error and R²."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.losses import regression
from deepnum.losses.loss import squeeze_or_expand_to_same_rank
from deepnum.metrics.metric import Metric, to_array
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


class R2Score(Metric):
    """The coefficient of determination R² = 1 − SS_res / SS_tot, per output then averaged.

    For each output column j, over all samples seen (weighted by ``sample_weight``):
    SS_res = Σ w (t − p)², SS_tot = Σ w t² − (Σ w t)² / Σ w. An output whose SS_tot is 0 scores 0.
    With ``num_regressors`` = k > 0 the adjusted score 1 − (1 − R²)(n − 1)/(n − k − 1) is
    returned, n being the number of values seen (it falls back to R² with a warning when
    n − k − 1 ≤ 0).

    Args:
        class_aggregation: ``"uniform_average"`` (default), ``"variance_weighted_average"``
            (weights SS_tot) or ``None`` (one score per output).
        num_regressors: the number of independent variables, for the adjusted R².

    Inputs are 2-d, ``(batch, outputs)``.

    Example:
        >>> m = R2Score()
        >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
        >>> round(float(m.result()), 4)
        0.5714
    """

    _direction = "up"

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        allowed = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in allowed:
            raise ValueError(
                f"R2Score: argument `class_aggregation` must be one of {allowed}, received "
                f"class_aggregation={class_aggregation!r}."
            )
        if num_regressors < 0:
            raise ValueError(
                "R2Score: argument `num_regressors` must be >= 0, received "
                f"num_regressors={num_regressors!r}."
            )
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable((), name="num_samples")
        self._built = False

    def _build(self, true_shape: tuple, pred_shape: tuple) -> None:
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={pred_shape} and y_true.shape={true_shape}."
            )
        outputs = (pred_shape[-1],)
        self.squared_sum = self.add_variable(outputs, name="squared_sum")
        self.sum = self.add_variable(outputs, name="sum")
        self.total_mse = self.add_variable(outputs, name="residual")
        self.count = self.add_variable(outputs, name="count")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = to_array(y_pred, self.dtype)
        xp = get_array_module(y_pred)
        y_true = xp.asarray(to_array(y_true)).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        weight = xp.asarray(1 if sample_weight is None else to_array(sample_weight), self.dtype)
        if weight.ndim == 1:
            weight = weight[:, None]
        weight = xp.broadcast_to(weight, y_true.shape)
        weighted = y_true * weight
        self._accumulate(self.sum, weighted.sum(axis=0))
        self._accumulate(self.squared_sum, (y_true * weighted).sum(axis=0))
        self._accumulate(self.total_mse, ((y_true - y_pred) ** 2 * weight).sum(axis=0))
        self._accumulate(self.count, weight.sum(axis=0))
        self._accumulate(self.num_samples, y_true.size)

    def _adjusted(self, r2: Any) -> Any:
        n, k = float(self.num_samples.data), self.num_regressors
        if k > n - 1:
            warnings.warn(
                "More independent predictors than datapoints in adjusted R2 score. "
                "Falling back to standard R2 score.",
                stacklevel=3,
            )
        elif k == n - 1:
            warnings.warn(
                "Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                stacklevel=3,
            )
        else:
            r2 = 1.0 - (1.0 - r2) * (n - 1.0) / (n - k - 1.0)
        return r2

    def result(self) -> Tensor:
        if not self._built:
            return self._result(np.zeros(()))
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum.data / self.count.data
            total = self.squared_sum.data - self.sum.data * mean
            scores = 1 - self.total_mse.data / total
        scores = np.where(np.isinf(scores), 0.0, scores)
        if self.class_aggregation == "uniform_average":
            r2 = scores.mean()
        elif self.class_aggregation == "variance_weighted_average":
            r2 = (total * scores).sum() / total.sum()
        else:
            r2 = scores
        if self.num_regressors:
            r2 = self._adjusted(r2)
        return self._result(r2)

    def get_config(self) -> dict:
        extra = {"class_aggregation": self.class_aggregation, "num_regressors": self.num_regressors}
        return {**super().get_config(), **extra}
