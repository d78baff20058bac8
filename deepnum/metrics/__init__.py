"""Stateful metrics with Keras 3's names and formulas (``keras.metrics``).

``get`` resolves the string names Keras accepts (``"accuracy"``, ``"mse"``, ``"AUC"``,
``"sparse_categorical_accuracy"``, ...); ``resolve_accuracy`` and ``get_metric`` turn the string
``"accuracy"`` given to ``compile`` into the binary, categorical or sparse-categorical variant.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from deepnum import losses as _losses
from deepnum._identifiers import deserialize_identifier, lookup
from deepnum.losses import (  # the loss functions double as metric functions
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from deepnum.losses.loss import to_snake_case
from deepnum.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from deepnum.metrics.auc import AUC
from deepnum.metrics.confusion import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from deepnum.metrics.correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from deepnum.metrics.f_score import F1Score, FBetaScore
from deepnum.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from deepnum.metrics.metric import Metric
from deepnum.metrics.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    Hinge,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from deepnum.metrics.reduction import Mean, MeanMetricWrapper, Sum
from deepnum.metrics.regression import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
)
from deepnum.metrics.thresholds import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error

ALL_OBJECTS = (
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError,
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    F1Score, FBetaScore, R2Score, PearsonCorrelation, ConcordanceCorrelation,
    IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
    PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
)  # fmt: skip

ALL_OBJECTS_DICT: dict[str, Any] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update(
    {
        "acc": Accuracy, "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
        "mse": MeanSquaredError, "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
        "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
        "rmse": RootMeanSquaredError, "auc": AUC, "kld": KLDivergence,
        "logcosh": LogCoshError, "log_cosh_error": LogCoshError,
        "f1_score": F1Score, "fbeta_score": FBetaScore,
    }
)  # fmt: skip

_FUNCTIONS: dict[str, Callable] = {
    fn.__name__: fn
    for fn in (
        accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
        top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, pearson_correlation,
        concordance_correlation,
    )
}  # fmt: skip


def get_function(name: str) -> Callable:
    """A metric or loss function by name (for ``MeanMetricWrapper`` configs)."""
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    fn = _losses.get(name)
    if isinstance(fn, _losses.Loss):
        raise ValueError(f"{name!r} names a Loss class; expected a function name.")
    return fn


def serialize(metric: Metric) -> dict:
    """Keras's JSON description of a metric.

    Example:
        >>> serialize(AUC())["config"]["num_thresholds"]
        200
    """
    if not isinstance(metric, Metric):
        raise ValueError(f"Cannot serialize {metric!r}: expected a Metric instance.")
    return {
        "module": "keras.metrics",
        "class_name": type(metric).__name__,
        "config": metric.get_config(),
        "registered_name": None,
    }


def deserialize(config: Any, custom_objects: dict | None = None) -> Any:
    """Rebuild a metric from ``serialize``'s output (or Keras's), or from a registered name.

    Names resolve only against deepnum's metrics, ``custom_objects`` and registered objects;
    no code is run.

    Example:
        >>> deserialize(serialize(Precision(thresholds=0.3))).thresholds
        [0.3]
    """
    obj = deserialize_identifier(config, "metric", ALL_OBJECTS_DICT, custom_objects)
    return obj() if inspect.isclass(obj) else obj


def get(identifier: Any) -> Any:
    """Resolve a metric identifier: a Keras name, a config dict, a Metric or a function.

    Names give instances (``get("mse")`` is a ``MeanSquaredError``); ``"accuracy"`` and
    ``"acc"`` give the exact-match ``Accuracy`` as in Keras (``compile`` adapts them through
    ``get_metric``).

    Example:
        >>> type(get("mae")).__name__
        'MeanAbsoluteError'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = lookup(identifier, "metric", ALL_OBJECTS_DICT)
    else:
        obj = identifier
    if inspect.isclass(obj):
        obj = obj()
    if callable(obj) or isinstance(obj, Metric):
        return obj
    raise ValueError(
        f"Could not interpret metric identifier: {identifier!r}. Expected a metric name such "
        "as 'accuracy', a config dict, a Metric or a function metric(y_true, y_pred)."
    )


_BINARY_LOSSES = {"binary_crossentropy", "binary_focal_crossentropy", "bce", "hinge",
                  "squared_hinge"}  # fmt: skip
_SPARSE_LOSSES = {"sparse_categorical_crossentropy"}
_CATEGORICAL_LOSSES = {"categorical_crossentropy", "categorical_focal_crossentropy",
                       "categorical_hinge", "kl_divergence", "kld"}  # fmt: skip


def _loss_kind(loss: Any) -> str | None:
    """ "binary", "sparse" or "categorical" for a cross-entropy-like loss, else None."""
    if loss is None:
        return None
    if isinstance(loss, str):
        name = loss
    elif isinstance(loss, _losses.LossFunctionWrapper):
        name = getattr(loss.fn, "__name__", "")
    elif isinstance(loss, _losses.Loss):
        name = type(loss).__name__
    else:
        name = getattr(loss, "__name__", "")
    name = to_snake_case(name)
    for kind, names in (("binary", _BINARY_LOSSES), ("sparse", _SPARSE_LOSSES),
                        ("categorical", _CATEGORICAL_LOSSES)):  # fmt: skip
        if name in names:
            return kind
    return None


def resolve_accuracy(
    loss: Any = None, y_true: Any = None, y_pred: Any = None, name: str = "accuracy"
) -> Metric:
    """The accuracy metric that the string ``"accuracy"`` stands for.

    With ``y_true`` and ``y_pred`` (or their shapes) this is Keras 3's rule exactly: binary when
    the output has one unit, sparse when the labels have fewer axes than the output (or a last
    axis of 1), categorical otherwise. Without them the loss decides (binary cross-entropy →
    ``BinaryAccuracy``, sparse → ``SparseCategoricalAccuracy``, categorical →
    ``CategoricalAccuracy``); a loss that says nothing gives ``CategoricalAccuracy``.

    Args:
        loss: the compiled loss (a name, function or Loss), optional.
        y_true, y_pred: a batch of labels and outputs (arrays, Tensors or shapes), optional.
        name: the metric's name (Keras keeps the string the user wrote).

    Example:
        >>> type(resolve_accuracy("sparse_categorical_crossentropy")).__name__
        'SparseCategoricalAccuracy'
        >>> type(resolve_accuracy(None, (32, 1), (32, 1))).__name__
        'BinaryAccuracy'
    """
    if y_true is not None and y_pred is not None:
        t_shape = tuple(getattr(y_true, "shape", y_true))
        p_shape = tuple(getattr(y_pred, "shape", y_pred))
        if p_shape[-1] == 1:
            kind = "binary"
        elif len(t_shape) < len(p_shape) or (t_shape[-1] == 1 and p_shape[-1] > 1):
            kind = "sparse"
        else:
            kind = "categorical"
    else:
        kind = _loss_kind(loss) or "categorical"
    cls = {
        "binary": BinaryAccuracy,
        "sparse": SparseCategoricalAccuracy,
        "categorical": CategoricalAccuracy,
    }[kind]
    return cls(name=name)


def get_metric(identifier: Any, y_true: Any = None, y_pred: Any = None, loss: Any = None) -> Metric:
    """A Metric object for ``compile`` (Keras's ``compile_utils.get_metric``).

    ``"accuracy"``/``"acc"`` go through ``resolve_accuracy``; plain functions are wrapped in a
    ``MeanMetricWrapper``; a string identifier becomes the metric's name.
    """
    if identifier is None:
        raise ValueError("Expected a metric, received None.")
    if str(identifier).lower() in ("accuracy", "acc"):
        metric = resolve_accuracy(loss, y_true, y_pred, name=str(identifier))
    else:
        metric = get(identifier)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


__all__ = [
    "ALL_OBJECTS_DICT",
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "BinaryIoU",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "ConcordanceCorrelation",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLDivergence",
    "LogCoshError",
    "MAE",
    "MAPE",
    "MSE",
    "MSLE",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "OneHotIoU",
    "OneHotMeanIoU",
    "PearsonCorrelation",
    "Poisson",
    "Precision",
    "PrecisionAtRecall",
    "R2Score",
    "Recall",
    "RecallAtPrecision",
    "RootMeanSquaredError",
    "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "accuracy",
    "binary_accuracy",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "concordance_correlation",
    "deserialize",
    "get",
    "get_function",
    "get_metric",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mae",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "msle",
    "pearson_correlation",
    "poisson",
    "resolve_accuracy",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]
