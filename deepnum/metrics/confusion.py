"""Confusion-matrix metrics: true/false positives/negatives, Precision and Recall.

A prediction counts as positive at threshold θ when y_pred > θ. The counts are accumulated for
every threshold at once: with evenly spaced thresholds each prediction falls into one bucket
⌈p·(T − 1)⌉ − 1 and a reversed cumulative sum gives the counts above every threshold in
O(N + T); otherwise predictions are compared with every threshold.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import epsilon, get_array_module, to_numpy
from deepnum.losses.loss import squeeze_or_expand_to_same_rank
from deepnum.metrics.metric import Metric, divide_no_nan, to_array

NEG_INF = -1e10


def parse_thresholds(thresholds: Any, default: float) -> list[float]:
    """Thresholds as a list; each given one must lie in [0, 1]."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    bad = [t for t in values if t is None or t < 0 or t > 1]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in values]


def is_evenly_distributed(thresholds: Any) -> bool:
    """True for thresholds i/(T − 1), i = 0..T−1 (T ≥ 3), up to ε."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype="float32") / (n - 1)
    return bool(np.allclose(thresholds, even, atol=epsilon()))


def _filter_top_k(xp: Any, x: Any, k: int) -> Any:
    """Keep the k largest scores of each row; set the others to NEG_INF."""
    k = min(k, x.shape[-1])
    top = xp.argpartition(-x, k - 1, axis=-1)[..., :k]
    keep = (top[..., None] == xp.arange(x.shape[-1])).any(axis=-2)
    return xp.where(keep, x, x.dtype.type(NEG_INF))


def _bucket_counts(
    xp: Any, labels: Any, preds: Any, weights: Any, num_thresholds: int, with_epsilon: bool
) -> tuple[Any, Any]:
    """(tp, fp) at evenly spaced thresholds, shape (T,) or (T, labels) for 2-d inputs."""
    preds = xp.clip(preds, 0.0, 1.0)
    bucket = xp.ceil(preds * preds.dtype.type(num_thresholds - 1)) - 1
    if with_epsilon:
        bucket = xp.maximum(bucket, 0)
    bucket = bucket.astype("int64")
    columns = 1 if preds.ndim == 1 else preds.shape[1]
    index = bucket * columns + (0 if preds.ndim == 1 else xp.arange(columns))
    index = xp.broadcast_to(index, preds.shape).reshape(-1)
    keep = xp.broadcast_to(bucket >= 0, preds.shape).reshape(-1)
    size = num_thresholds * columns
    out = []
    for w in (labels * weights, (1 - labels) * weights):
        w = xp.broadcast_to(w, preds.shape).reshape(-1)
        counts = xp.bincount(index[keep], weights=w[keep], minlength=size)[:size]
        counts = counts.reshape((num_thresholds, columns))
        # Counts above threshold i = predictions in buckets ≥ i.
        counts = xp.flip(xp.cumsum(xp.flip(counts, 0), axis=0), 0)
        out.append(counts if preds.ndim > 1 else counts[:, 0])
    return out[0], out[1]


def _compare_counts(xp: Any, labels: Any, preds: Any, weights: Any, thresholds: Any) -> tuple:
    """(tp, fp) by comparing every prediction with every threshold."""
    thresh = thresholds.reshape((-1,) + (1,) * preds.ndim)
    positive = preds[None] > thresh
    axes = 1 if preds.ndim > 1 else tuple(range(1, positive.ndim))
    tp = (positive * (labels * weights)[None]).sum(axis=axes)
    fp = (positive * ((1 - labels) * weights)[None]).sum(axis=axes)
    return tp, fp


def update_confusion_matrix_variables(
    variables: dict[str, Any],
    y_true: Any,
    y_pred: Any,
    thresholds: Any,
    top_k: int | None = None,
    class_id: int | None = None,
    sample_weight: Any = None,
    multi_label: bool = False,
    label_weights: Any = None,
    thresholds_distributed_evenly: bool = False,
) -> None:
    """Add the weighted tp/fp/tn/fn counts of a batch to ``variables`` (keys "tp", ...).

    Args:
        variables: state Variables by condition, shape (T,) (or (T, labels) if multi_label).
        y_true: labels (cast to bool), y_pred: scores in [0, 1], same shape.
        thresholds: T thresholds; a prediction is positive when y_pred > threshold.
        top_k: only the k highest scores of each row may be positive.
        class_id: restrict to one class (column) of 2-d inputs.
        multi_label: keep the label axis separate (count per label).
    """
    dtype = next(iter(variables.values())).dtype
    y_pred = to_array(y_pred, dtype)
    xp = get_array_module(y_pred)
    y_true = xp.asarray(to_array(y_true)).astype(dtype)
    thresholds = xp.asarray(np.asarray(thresholds), dtype=dtype)
    with_epsilon = bool(thresholds[0] < 0 or thresholds[-1] > 1)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    weights = None
    if sample_weight is not None:
        weights = xp.expand_dims(xp.asarray(to_array(sample_weight), dtype=dtype), -1)
        _, weights = squeeze_or_expand_to_same_rank(y_true, weights, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(xp, y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {y_pred.shape}."
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = xp.ones((), dtype) if weights is None else xp.broadcast_to(weights, y_pred.shape)
    if label_weights is not None:
        weights = weights * xp.asarray(to_array(label_weights), dtype=dtype)
    weights = xp.broadcast_to(weights, y_pred.shape)
    labels = (y_true != 0).astype(dtype)
    if not multi_label:
        labels, y_pred, weights = labels.reshape(-1), y_pred.reshape(-1), weights.reshape(-1)
    if thresholds_distributed_evenly:
        tp, fp = _bucket_counts(xp, labels, y_pred, weights, len(thresholds), with_epsilon)
    else:
        tp, fp = _compare_counts(xp, labels, y_pred, weights, thresholds)
    axis = 0 if multi_label else None
    counts = {"tp": tp, "fp": fp}
    if "tn" in variables:
        counts["tn"] = ((1 - labels) * weights).sum(axis=axis) - fp
    if "fn" in variables:
        counts["fn"] = (labels * weights).sum(axis=axis) - tp
    for key, var in variables.items():
        var.assign_add(np.asarray(to_numpy(counts[key]), dtype=var.dtype).reshape(var.shape))


class _ConfusionMatrixConditionCount(Metric):
    """The weighted count of one confusion-matrix condition, per threshold."""

    condition = "tp"

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5)
        self._evenly = is_evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), name="accumulator")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_matrix_variables(
            {self.condition: self.accumulator},
            y_true,
            y_pred,
            self.thresholds,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._evenly,
        )

    def result(self) -> Tensor:
        value = self.accumulator.data
        return self._result(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted number of true positives (y_pred > threshold and y_true = 1)."""

    condition = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted number of false positives (y_pred > threshold and y_true = 0)."""

    condition = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted number of true negatives (y_pred ≤ threshold and y_true = 0)."""

    condition = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted number of false negatives (y_pred ≤ threshold and y_true = 1)."""

    condition = "fn"


class _PrecisionRecall(Metric):
    """Shared state of Precision and Recall: tp and one other count per threshold."""

    other = "fp"

    _direction = "up"

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._evenly = is_evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), name="true_positives")
        other_name = "false_positives" if self.other == "fp" else "false_negatives"
        setattr(self, other_name, self.add_variable((n,), name=other_name))
        self._other_var = getattr(self, other_name)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate the batch's counts (``sample_weight`` weighs each sample)."""
        update_confusion_matrix_variables(
            {"tp": self.true_positives, self.other: self._other_var},
            y_true,
            y_pred,
            self.thresholds,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._evenly,
        )

    def result(self) -> Tensor:
        tp = self.true_positives.data
        value = divide_no_nan(tp, tp + self._other_var.data)
        return self._result(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self) -> dict:
        config = {
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }
        return {**super().get_config(), **config}


class Precision(_PrecisionRecall):
    """Precision tp / (tp + fp): the fraction of predicted positives that are right.

    Args:
        thresholds: one threshold or a list (then ``result`` has one value per threshold);
            default 0.5, or none at all with ``top_k``.
        top_k: count only the k highest-scoring classes of each sample as positive.
        class_id: the class (column) to compute precision for.

    Example:
        >>> m = Precision()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); round(float(m.result()), 4)
        0.6667
    """

    other = "fp"


class Recall(_PrecisionRecall):
    """Recall tp / (tp + fn): the fraction of actual positives that are found.

    Args: as for ``Precision``.

    Example:
        >>> m = Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); round(float(m.result()), 4)
        0.6667
    """

    other = "fn"
