"""AUC: the area under the ROC or precision–recall curve, from confusion counts at
``num_thresholds`` thresholds (Keras 3's ``keras.metrics.AUC``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import epsilon, get_array_module
from deepnum.metrics.confusion import is_evenly_distributed, update_confusion_matrix_variables
from deepnum.metrics.metric import Metric, divide_no_nan, to_array

CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
SUMMATION_METHODS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """Approximate area under the ROC or PR curve by a Riemann sum over thresholds.

    With thresholds θ₀ < … < θ_{T−1} (−ε, (i)/(T−1) for i = 1..T−2, 1 + ε by default), the
    confusion counts at each θᵢ give a point (xᵢ, yᵢ): (false-positive rate, recall) for ROC,
    (recall, precision) for PR. ``"interpolation"`` sums (xᵢ − xᵢ₊₁)(yᵢ + yᵢ₊₁)/2 (for PR it
    interpolates precision along the curve, Davis & Goadrich 2006); ``"minoring"`` and
    ``"majoring"`` use min/max(yᵢ, yᵢ₊₁).

    Args:
        num_thresholds: number of thresholds (default 200).
        curve: ``"ROC"`` (default), ``"PR"`` or ``"PRGAIN"``.
        summation_method: ``"interpolation"`` (default), ``"majoring"`` or ``"minoring"``.
        thresholds: explicit thresholds in [0, 1] (then ``num_thresholds`` is ignored).
        multi_label: treat each column as its own label and average the label AUCs.
        num_labels: the number of labels when ``multi_label`` (else inferred at first update).
        label_weights: weights of the labels (of their average when ``multi_label``).
        from_logits: apply a sigmoid to ``y_pred`` first.

    Example:
        >>> m = AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]); float(m.result())
        0.75
    """

    _direction = "up"

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        if str(curve).lower() not in CURVES:
            raise ValueError(
                f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]'
            )
        if str(summation_method).lower() not in SUMMATION_METHODS:
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                '["interpolation", "majoring", "minoring"]'
            )
        super().__init__(name=name, dtype=dtype)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
            self._evenly = is_evenly_distributed(np.array([0.0] + inner + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        # End points just outside [0, 1] catch predictions of exactly 0 and 1.
        self._thresholds = np.array([0.0 - epsilon()] + inner + [1.0 + epsilon()])
        self.curve = CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = (
            None if label_weights is None else np.asarray(to_array(label_weights), self.dtype)
        )
        self._from_logits = from_logits
        self._built = False
        if num_labels and not multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        if not multi_label or num_labels:
            self._build(num_labels)

    @property
    def thresholds(self) -> list[float]:
        """The thresholds used, including the end points −ε and 1 + ε."""
        return list(self._thresholds)

    def _build(self, num_labels: int | None) -> None:
        shape = (self.num_thresholds, num_labels) if self.multi_label else (self.num_thresholds,)
        self._num_labels = num_labels
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate the confusion counts of a batch at every threshold."""
        y_pred = to_array(y_pred, self.dtype)
        if not self._built:
            if y_pred.ndim != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{y_pred.ndim}. Full shape received for `y_pred`: {y_pred.shape}"
                )
            self._build(y_pred.shape[1])
        if self._from_logits:
            xp = get_array_module(y_pred)
            y_pred = (xp.tanh(y_pred * 0.5) + 1) * 0.5
        update_confusion_matrix_variables(
            {
                "tp": self.true_positives,
                "tn": self.true_negatives,
                "fp": self.false_positives,
                "fn": self.false_negatives,
            },
            y_true,
            y_pred,
            self._thresholds,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            thresholds_distributed_evenly=self._evenly,
        )

    def _average(self, by_threshold: np.ndarray) -> np.ndarray:
        """Sum over thresholds; for multi-label, average the label AUCs (weighted if given)."""
        if not self.multi_label:
            return by_threshold.sum()
        by_label = by_threshold.sum(axis=0)
        if self.label_weights is None:
            return by_label.mean()
        return divide_no_nan((by_label * self.label_weights).sum(), self.label_weights.sum())

    def interpolate_pr_auc(self) -> np.ndarray:
        """PR-AUC with precision interpolated between thresholds (Davis & Goadrich 2006)."""
        tp, fp, fn = (
            v.data for v in (self.true_positives, self.false_positives, self.false_negatives)
        )
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        safe_p_ratio = np.where(both, divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1)
        increments = divide_no_nan(
            prec_slope * (dtp + intercept * np.log(safe_p_ratio).astype(self.dtype)),
            np.maximum(tp[1:] + fn[1:], 0),
        )
        return self._average(increments)

    def result(self) -> Tensor:
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._result(self.interpolate_pr_auc())
        tp, fp, tn, fn = (
            v.data
            for v in (
                self.true_positives,
                self.false_positives,
                self.true_negatives,
                self.false_negatives,
            )
        )
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            x, y = self._pr_gain(tp, fp, tn, fn)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._result(self._average((x[:-1] - x[1:]) * heights))

    @staticmethod
    def _pr_gain(tp: Any, fp: Any, tn: Any, fn: Any) -> tuple[Any, Any]:
        """Recall gain and precision gain (Flach & Kull 2015), clamped like Keras."""
        scale = divide_no_nan(tp + fn, tn + fp)
        recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
        precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
        recall_gain = np.where(tp == 0, 0.0, recall_gain)
        precision_gain = np.where(tp == 0, 1.0, precision_gain)
        return np.maximum(recall_gain, 0.0), precision_gain

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return {**super().get_config(), **config}
