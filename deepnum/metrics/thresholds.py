"""Metrics at a constrained operating point: the best sensitivity at a given specificity,
specificity at sensitivity, precision at recall and recall at precision.

Confusion counts are accumulated at ``num_thresholds`` evenly spaced thresholds in [0, 1]; the
result is the largest value of one rate among the thresholds where the other rate meets the
constraint (0 when none does). Sensitivity = recall = tp / (tp + fn),
specificity = tn / (tn + fp), precision = tp / (tp + fp).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.metrics.confusion import update_confusion_matrix_variables
from deepnum.metrics.metric import Metric, divide_no_nan


def _check_rate(owner: str, arg: str, value: Any) -> None:
    if not 0 <= value <= 1:
        raise ValueError(
            f"{owner}: argument `{arg}` must be in the range [0, 1], received {arg}={value!r}."
        )


class SensitivitySpecificityBase(Metric):
    """Confusion counts at evenly spaced thresholds, and the constrained maximum."""

    _direction = "up"

    def __init__(
        self,
        value: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if num_thresholds <= 0:
            raise ValueError(
                f"{type(self).__name__}: argument `num_thresholds` must be an integer > 0, "
                f"received num_thresholds={num_thresholds!r}."
            )
        self.value, self.class_id = value, class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly = [0.0] + inner + [1.0], True
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), name="true_positives")
        self.false_positives = self.add_variable((n,), name="false_positives")
        self.true_negatives = self.add_variable((n,), name="true_negatives")
        self.false_negatives = self.add_variable((n,), name="false_negatives")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate the batch's confusion counts at every threshold."""
        update_confusion_matrix_variables(
            {
                "tp": self.true_positives,
                "tn": self.true_negatives,
                "fp": self.false_positives,
                "fn": self.false_negatives,
            },
            y_true,
            y_pred,
            self.thresholds,
            class_id=self.class_id,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._evenly,
        )

    def _rates(self) -> dict[str, np.ndarray]:
        tp, fp, tn, fn = (
            v.data
            for v in (
                self.true_positives,
                self.false_positives,
                self.true_negatives,
                self.false_negatives,
            )
        )
        return {
            "sensitivity": divide_no_nan(tp, tp + fn),
            "specificity": divide_no_nan(tn, tn + fp),
            "precision": divide_no_nan(tp, tp + fp),
        }

    def _max_under_constraint(self, constrained: str, dependent: str) -> Tensor:
        """max of ``dependent`` over the thresholds where ``constrained`` ≥ value (else 0)."""
        rates = self._rates()
        feasible = rates[constrained] >= self.value
        best = np.where(feasible, rates[dependent], 0).max(initial=0)
        return self._result(best)

    def get_config(self) -> dict:
        return {**super().get_config(), "class_id": self.class_id}


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall) among thresholds whose specificity is ≥ ``specificity``.

    Args:
        specificity: the required specificity, in [0, 1].
        num_thresholds: the number of thresholds tried (default 200).
        class_id: the class (column) to compute the metric for.

    Example:
        >>> m = SensitivityAtSpecificity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]); float(m.result())
        0.5
    """

    def __init__(
        self,
        specificity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        _check_rate("SensitivityAtSpecificity", "specificity", specificity)
        self.specificity, self.num_thresholds = specificity, num_thresholds
        super().__init__(specificity, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self) -> Tensor:
        return self._max_under_constraint("specificity", "sensitivity")

    def get_config(self) -> dict:
        extra = {"num_thresholds": self.num_thresholds, "specificity": self.specificity}
        return {**super().get_config(), **extra}


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity among thresholds whose sensitivity is ≥ ``sensitivity``.

    Example:
        >>> m = SpecificityAtSensitivity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]); round(float(m.result()), 4)
        0.6667
    """

    def __init__(
        self,
        sensitivity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        _check_rate("SpecificityAtSensitivity", "sensitivity", sensitivity)
        self.sensitivity, self.num_thresholds = sensitivity, num_thresholds
        super().__init__(sensitivity, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self) -> Tensor:
        return self._max_under_constraint("sensitivity", "specificity")

    def get_config(self) -> dict:
        extra = {"num_thresholds": self.num_thresholds, "sensitivity": self.sensitivity}
        return {**super().get_config(), **extra}


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision among thresholds whose recall is ≥ ``recall``.

    Example:
        >>> m = PrecisionAtRecall(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]); float(m.result())
        0.5
    """

    def __init__(
        self,
        recall: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        _check_rate("PrecisionAtRecall", "recall", recall)
        self.recall, self.num_thresholds = recall, num_thresholds
        super().__init__(recall, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self) -> Tensor:
        return self._max_under_constraint("sensitivity", "precision")

    def get_config(self) -> dict:
        extra = {"num_thresholds": self.num_thresholds, "recall": self.recall}
        return {**super().get_config(), **extra}


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall among thresholds whose precision is ≥ ``precision``.

    Example:
        >>> m = RecallAtPrecision(0.8)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]); float(m.result())
        0.5
    """

    def __init__(
        self,
        precision: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        _check_rate("RecallAtPrecision", "precision", precision)
        self.precision, self.num_thresholds = precision, num_thresholds
        super().__init__(precision, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self) -> Tensor:
        return self._max_under_constraint("precision", "sensitivity")

    def get_config(self) -> dict:
        extra = {"num_thresholds": self.num_thresholds, "precision": self.precision}
        return {**super().get_config(), **extra}
