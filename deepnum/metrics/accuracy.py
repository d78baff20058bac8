"""Accuracy metrics: exact, binary, categorical, sparse categorical and top-k.

The functions return one 0/1 value per sample (as a Tensor, no gradient); the classes average
them over batches.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import floatx, get_array_module
from deepnum.losses.loss import integer_labels, squeeze_or_expand_to_same_rank
from deepnum.metrics.metric import to_array
from deepnum.metrics.reduction import MeanMetricWrapper


def _pair(y_true: Any, y_pred: Any, true_dtype: Any = None) -> tuple[Any, Any, Any]:
    y_pred = to_array(as_tensor(y_pred))
    xp = get_array_module(y_pred)
    y_true = xp.asarray(to_array(y_true))
    if true_dtype is not None:
        y_true = y_true.astype(true_dtype)
    return y_true, y_pred, xp


def _matches(equal: Any) -> Tensor:
    return Tensor._make(equal.astype(floatx()))


def accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1 where ``y_pred`` equals ``y_true`` exactly, else 0.

    Example:
        >>> accuracy([[1], [2], [3]], [[1], [2], [4]]).numpy().tolist()
        [[1.0], [1.0], [0.0]]
    """
    y_true, y_pred, xp = _pair(y_true, y_pred)
    y_true = y_true.astype(y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true == y_pred)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Tensor:
    """1 where (y_pred > threshold) equals the 0/1 label.

    Example:
        >>> binary_accuracy([[1], [0]], [[0.7], [0.6]]).numpy().tolist()
        [[1.0], [0.0]]
    """
    y_true, y_pred, xp = _pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true == (y_pred > threshold).astype(y_true.dtype))


def categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1 where argmax(y_pred) equals argmax of the one-hot ``y_true``.

    Example:
        >>> y_pred = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
        >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], y_pred).tolist()
        [0.0, 1.0]
    """
    y_true, y_pred, xp = _pair(y_true, y_pred)
    return _matches(y_true.argmax(axis=-1) == y_pred.argmax(axis=-1))


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1 where argmax(y_pred) equals the integer label.

    Example:
        >>> sparse_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]).tolist()
        [0.0, 1.0]
    """
    y_true, y_pred, xp = _pair(y_true, y_pred)
    integer_labels("sparse_categorical_accuracy", y_true)
    y_true = y_true.astype(y_pred.dtype)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    matches = y_true == y_pred.argmax(axis=-1).astype(y_true.dtype)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return _matches(matches)


def _in_top_k(xp: Any, targets: Any, predictions: Any, k: int) -> Any:
    """Whether each target's score is among the k largest of its row (ties count as in)."""
    k = min(k, predictions.shape[-1])
    kth_largest = xp.partition(predictions, -k, axis=-1)[:, -k]
    target_score = xp.take_along_axis(predictions, targets[:, None], axis=-1)[:, 0]
    return target_score >= kth_largest


def _top_k_matches(labels: Any, y_pred: Any, k: int) -> Tensor:
    shape = labels.shape
    y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    xp = get_array_module(y_pred)
    matches = _in_top_k(xp, labels.reshape(-1).astype("int64"), y_pred, k)
    return _matches(matches.reshape(shape))


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Tensor:
    """1 where the one-hot label's class is among the k highest scores.

    Example:
        >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
        ...                            k=1).tolist()
        [0.0, 1.0]
    """
    y_true, y_pred, xp = _pair(y_true, y_pred)
    return _top_k_matches(y_true.argmax(axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(
    y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False
) -> Tensor:
    """1 where the integer label is among the k highest scores.

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by score instead of scores.

    Example:
        >>> sparse_top_k_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
        ...                                   k=2).tolist()
        [1.0, 1.0]
    """
    y_true, y_pred, xp = _pair(y_true, y_pred)
    y_true = integer_labels("sparse_top_k_categorical_accuracy", y_true)
    if from_sorted_ids:
        labels = y_true.reshape(-1, 1).astype(y_pred.dtype)
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        return _matches((labels == ids).any(axis=1).reshape(y_true.shape))
    return _top_k_matches(y_true.astype("int64"), y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Example:
        >>> m = Accuracy()
        >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]]); float(m.result())
        0.75
    """

    _direction = "up"

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often thresholded predictions match binary labels.

    Args:
        threshold: predictions above it count as 1 (default 0.5).

    Example:
        >>> m = BinaryAccuracy()
        >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]); float(m.result())
        0.75
    """

    _direction = "up"

    def __init__(
        self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5
    ) -> None:
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches the class of one-hot labels."""

    _direction = "up"

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches integer labels.

    Example:
        >>> m = SparseCategoricalAccuracy()
        >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]); float(m.result())
        0.5
    """

    _direction = "up"

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the top ``k`` predictions (default k=5)."""

    _direction = "up"

    def __init__(
        self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None
    ) -> None:
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top ``k`` predictions (default k=5)."""

    _direction = "up"

    def __init__(
        self,
        k: int = 5,
        name: str = "sparse_top_k_categorical_accuracy",
        dtype: Any = None,
        from_sorted_ids: bool = False,
    ) -> None:
        super().__init__(
            sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k, self.from_sorted_ids = k, from_sorted_ids
