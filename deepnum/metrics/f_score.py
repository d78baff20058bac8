"""F-scores: the (weighted) harmonic mean of precision and recall per class."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import epsilon, get_array_module
from deepnum.metrics.metric import Metric, to_array


class FBetaScore(Metric):
    """F-beta score: (1 + β²) · P · R / (β² · P + R), per class or averaged.

    Args:
        average: ``None`` (one score per class), ``"micro"`` (pool all classes), ``"macro"``
            (unweighted mean of the class scores) or ``"weighted"`` (mean weighted by support).
        beta: weight of recall relative to precision (a float > 0; default 1.0).
        threshold: predictions above it count as positive; ``None`` marks each row's maximum.

    Inputs are 2-d: ``(batch, num_classes)`` one-hot/multi-hot labels and scores.

    Example:
        >>> import numpy as np
        >>> m = FBetaScore(beta=2.0, threshold=0.5)
        >>> m.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]]),
        ...                np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]))
        >>> [round(float(v), 4) for v in m.result().numpy()]
        [0.3846, 0.9091, 0.8333]
    """

    _direction = "up"

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str = "fbeta_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                "Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                f"'weighted'}}. Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                "Invalid `beta` argument value. It should be a Python float. "
                f"Received: beta={beta} of type '{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: {beta}")
        if threshold is not None and (not isinstance(threshold, float) or not 0 < threshold <= 1):
            raise ValueError(
                "Invalid `threshold` argument value. It should be a Python float with "
                f"0 < threshold <= 1. Received: threshold={threshold!r}"
            )
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, true_shape: tuple, pred_shape: tuple) -> None:
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, output_dim). "
                f"Received input shapes: y_pred.shape={pred_shape} and "
                f"y_true.shape={true_shape}."
            )
        shape = () if self.average == "micro" else (pred_shape[-1],)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, name="intermediate_weights")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = to_array(y_pred, self.dtype)
        xp = get_array_module(y_pred)
        y_true = xp.asarray(to_array(y_true)).astype(self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            # Each row's maximum is positive; |x| > 1e-9 keeps an all-zero row all negative.
            top = y_pred >= y_pred.max(axis=-1, keepdims=True)
            y_pred = (top & (xp.abs(y_pred) > 1e-9)).astype(self.dtype)
        else:
            y_pred = (y_pred > self.threshold).astype(self.dtype)
        if sample_weight is not None:
            weight = xp.asarray(to_array(sample_weight), dtype=self.dtype)[:, None]
        else:
            weight = None

        def weighted_sum(values: Any) -> Any:
            if weight is not None:
                values = values * weight
            return values.sum(axis=self.axis)

        self._accumulate(self.true_positives, weighted_sum(y_pred * y_true))
        self._accumulate(self.false_positives, weighted_sum(y_pred * (1 - y_true)))
        self._accumulate(self.false_negatives, weighted_sum((1 - y_pred) * y_true))
        self._accumulate(self.intermediate_weights, weighted_sum(y_true))

    def result(self) -> Tensor:
        if not self._built:
            return self._result(np.zeros(()))
        eps = epsilon()
        tp, fp, fn = self.true_positives.data, self.false_positives.data, self.false_negatives.data
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        b2 = self.beta**2
        f_score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            w = self.intermediate_weights.data
            f_score = (f_score * (w / (w.sum() + eps))).sum()
        elif self.average is not None:
            f_score = f_score.mean()
        return self._result(f_score)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        config = {"average": self.average, "beta": self.beta, "threshold": self.threshold}
        return {**super().get_config(), **config}


class F1Score(FBetaScore):
    """F1 score 2 · P · R / (P + R), the harmonic mean of precision and recall.

    Args: as for ``FBetaScore``, with β = 1.
    """

    def __init__(
        self,
        average: str | None = None,
        threshold: float | None = None,
        name: str = "f1_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
