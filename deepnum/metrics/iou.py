"""Intersection-over-union metrics for segmentation: IoU, MeanIoU, BinaryIoU and the one-hot
variants (Keras 3's ``keras.metrics.IoU`` family).

They accumulate a confusion matrix C (rows: true class, columns: predicted class) and report,
for each target class c, IoU_c = C_cc / (Σ_j C_cj + Σ_i C_ic − C_cc + ε), averaged over the
target classes that occur (a class absent from both labels and predictions is left out).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import epsilon, get_array_module, to_numpy
from deepnum.losses.loss import integer_labels
from deepnum.metrics.metric import Metric, to_array


def confusion_matrix(labels: Any, predictions: Any, num_classes: int, weights: Any, dtype: Any):
    """The (num_classes, num_classes) matrix of summed weights, rows indexed by the label."""
    xp = get_array_module(labels)
    index = labels.astype("int64") * num_classes + predictions.astype("int64")
    counts = xp.bincount(index, weights=weights, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(dtype)


class _IoUBase(Metric):
    """The confusion-matrix state shared by the IoU metrics."""

    _direction = "up"

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        # Integer state by default, as in Keras: float sample weights are truncated.
        super().__init__(name=name, dtype=dtype or "int32")
        self.num_classes, self.ignore_class, self.axis = num_classes, ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.total_cm = self.add_variable((num_classes, num_classes), name="total_confusion_matrix")

    def _classes(self, values: Any, sparse: bool, labels: bool) -> Any:
        if not sparse:
            return values.argmax(axis=self.axis).reshape(-1)
        if labels:
            values = integer_labels(type(self).__name__, values)
        return values.astype(self.dtype).reshape(-1)

    def _weights(self, sample_weight: Any, xp: Any, size: int) -> Any:
        if sample_weight is None:
            return xp.ones(size, dtype=self.dtype)
        weights = xp.asarray(to_array(sample_weight))
        if weights.dtype.kind == "f" and np.dtype(self.dtype).kind != "f":
            warnings.warn(
                f"{type(self).__name__}: sample_weight is float but the metric's dtype is "
                f"{self.dtype}, so the weights are truncated to integers. Pass integer weights "
                "or dtype='float32'.",
                stacklevel=3,
            )
        return xp.broadcast_to(weights.astype(self.dtype).reshape(-1), (size,))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the batch's (weighted) confusion matrix; labels or predictions outside
        [0, num_classes), and labels equal to ``ignore_class``, are left out."""
        y_pred = to_array(y_pred)
        xp = get_array_module(y_pred)
        y_true = self._classes(xp.asarray(to_array(y_true)), self.sparse_y_true, labels=True)
        y_pred = self._classes(y_pred, self.sparse_y_pred, labels=False)
        weights = self._weights(sample_weight, xp, y_true.size)
        keep = (y_true >= 0) & (y_true < self.num_classes)
        keep &= (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            keep &= y_true != self.ignore_class
        matrix = confusion_matrix(
            y_true[keep], y_pred[keep], self.num_classes, weights[keep], self.dtype
        )
        self._accumulate(self.total_cm, matrix)


class IoU(_IoUBase):
    """Intersection over union of the ``target_class_ids``, averaged over those present.

    For a class c: IoU_c = TP / (TP + FP + FN), from the confusion matrix accumulated over
    batches; the result is the mean of IoU_c over the target classes with TP + FP + FN > 0.

    Args:
        num_classes: the number of classes (the confusion matrix is num_classes²).
        target_class_ids: the classes to average over.
        name: the metric's name.
        dtype: the state's dtype (default ``"int32"``; float sample weights then truncate).
        ignore_class: a label whose entries are left out (e.g. the void class).
        sparse_y_true: labels are class indices (True) or one-hot/scores along ``axis``.
        sparse_y_pred: predictions are class indices (True) or scores along ``axis``.
        axis: the class axis of non-sparse inputs.

    Example:
        >>> m = IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1]); round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Any,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(
            name=name,
            num_classes=num_classes,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
            dtype=dtype,
        )
        target_class_ids = list(target_class_ids)
        if not target_class_ids or max(target_class_ids) >= num_classes:
            raise ValueError(
                f"{type(self).__name__}: argument `target_class_ids` must list class ids in "
                f"[0, {num_classes}), received target_class_ids={target_class_ids}."
            )
        self.target_class_ids = target_class_ids

    def result(self) -> Tensor:
        cm = to_numpy(self.total_cm.data)
        true_positives = np.diag(cm).astype("float32")
        denominator = (cm.sum(axis=0) + cm.sum(axis=1)).astype("float32") - true_positives
        true_positives = true_positives[self.target_class_ids]
        denominator = denominator[self.target_class_ids]
        valid = denominator > 1e-9
        eps = np.float32(epsilon())
        iou = np.where(valid, true_positives / (denominator + eps), np.float32(0))
        return Tensor._make((iou.sum() / (valid.sum(dtype="float32") + eps)).astype("float32"))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU of binary masks: predictions ≥ ``threshold`` are class 1, the others class 0.

    Args:
        target_class_ids: the classes to average over: ``(0, 1)`` (default), ``[1]`` for the
            foreground only, ``[0]`` for the background only.
        threshold: the score from which a prediction counts as class 1.

    Example:
        >>> m = BinaryIoU(target_class_ids=[1])
        >>> m.update_state([0, 1, 0, 1], [0.1, 0.9, 0.6, 0.4]); round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        target_class_ids: Any = (0, 1),
        threshold: float = 0.5,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = to_array(y_pred, "float32")
        super().update_state(y_true, (y_pred >= self.threshold).astype(self.dtype), sample_weight)

    def get_config(self) -> dict:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes (those present).

    Example:
        >>> m = MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1]); round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(
            name=name,
            num_classes=num_classes,
            target_class_ids=list(range(num_classes)),
            axis=axis,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU of ``target_class_ids`` with one-hot labels (and scores as predictions).

    Example:
        >>> m = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> y_true = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]]
        >>> y_pred = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]]
        >>> m.update_state(y_true, y_pred); round(float(m.result()), 4)
        0.1667
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Any,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            target_class_ids=target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot labels (and scores as predictions)."""

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            axis=axis,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
