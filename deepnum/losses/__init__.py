"""Losses with Keras 3's names, defaults and formulas (``keras.losses``).

Plain functions (``mean_squared_error(y_true, y_pred)``) return one loss per sample; classes
(``MeanSquaredError(reduction=..., name=...)``) wrap them with sample weights and a reduction.
``get`` resolves the string names Keras accepts (``"mse"``, ``"categorical_crossentropy"``,
``"CategoricalCrossentropy"``, ...); ``serialize``/``deserialize`` use Keras's JSON layout and
resolve names only against the registered losses (no code is ever executed).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from deepnum._identifiers import deserialize_identifier, lookup
from deepnum.losses.ctc import CTC, ctc
from deepnum.losses.focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from deepnum.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    convert_binary_labels_to_hinge,
    hinge,
    squared_hinge,
)
from deepnum.losses.loss import (
    Loss,
    LossFunctionWrapper,
    get_mask,
    reduce_weighted_values,
    set_mask,
    squeeze_or_expand_to_same_rank,
)
from deepnum.losses.metric_learning import Circle, circle
from deepnum.losses.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from deepnum.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from deepnum.losses.robust import (
    CategoricalGeneralizedCrossEntropy,
    categorical_generalized_cross_entropy,
)
from deepnum.losses.segmentation import Dice, Tversky, dice, tversky

# Short names as in Keras (``keras.losses.mse`` etc. are the same functions).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

ALL_OBJECTS = (
    Loss, LossFunctionWrapper,
    KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge, CTC, Dice, Tversky, Circle,
    CategoricalGeneralizedCrossEntropy,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber,
    hinge, squared_hinge, categorical_hinge, ctc, dice, tversky, circle,
    categorical_generalized_cross_entropy,
)  # fmt: skip

ALL_OBJECTS_DICT: dict[str, Any] = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update(
    {
        "bce": binary_crossentropy, "BCE": binary_crossentropy,
        "kld": kl_divergence, "KLD": kl_divergence,
        "kullback_leibler_divergence": kl_divergence,
        "mae": mean_absolute_error, "MAE": mean_absolute_error,
        "mse": mean_squared_error, "MSE": mean_squared_error,
        "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
        "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
        "logcosh": log_cosh,
    }
)  # fmt: skip


def serialize(loss: Any) -> Any:
    """Keras's JSON description of a loss object or function.

    Example:
        >>> serialize(MeanSquaredError())["class_name"]
        'MeanSquaredError'
    """
    if loss is None:
        return None
    if isinstance(loss, Loss):
        return {
            "module": "keras.losses",
            "class_name": type(loss).__name__,
            "config": loss.get_config(),
            "registered_name": None,
        }
    if callable(loss) and hasattr(loss, "__name__"):
        return {
            "module": "builtins",
            "class_name": "function",
            "config": loss.__name__,
            "registered_name": "function",
        }
    raise ValueError(f"Cannot serialize {loss!r}: expected a Loss instance or a loss function.")


def deserialize(name: Any, custom_objects: dict | None = None) -> Any:
    """Rebuild a loss from ``serialize``'s output (or Keras's), or from a registered name.

    Names resolve only against deepnum's losses, ``custom_objects`` and registered objects; a
    class name gives an instance, a function name the function.

    Example:
        >>> deserialize(serialize(Huber(delta=2.0))).get_config()["delta"]
        2.0
    """
    obj = deserialize_identifier(name, "loss", ALL_OBJECTS_DICT, custom_objects)
    return obj() if inspect.isclass(obj) else obj


def get(identifier: Any) -> Any:
    """Resolve a loss identifier: a name, a config dict, a Loss or a function.

    A class name gives an instance, a function name the function (as in Keras).

    Example:
        >>> get("mse") is mean_squared_error
        True
        >>> type(get("CategoricalCrossentropy")).__name__
        'CategoricalCrossentropy'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = lookup(identifier, "loss", ALL_OBJECTS_DICT)
    else:
        obj = identifier
    if inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret loss identifier: {identifier!r}. Expected a loss name such as "
        "'mse', a config dict, a Loss or a function loss(y_true, y_pred)."
    )


def get_loss(identifier: Any, y_true: Any = None, y_pred: Any = None) -> Loss | None:
    """A Loss object for ``compile``, as Keras's ``compile_utils.get_loss``.

    ``"crossentropy"``/``"ce"`` picks binary, sparse or categorical cross-entropy from the shapes
    of ``y_true`` and ``y_pred``; plain functions are wrapped in a LossFunctionWrapper named
    after the identifier.
    """
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        if y_true is None or y_pred is None:
            raise ValueError(
                f"loss={identifier!r} picks binary, sparse or categorical cross-entropy from the "
                "shapes of the labels and the output: pass y_true and y_pred (a first batch)."
            )
        t_shape, p_shape = tuple(y_true.shape), tuple(y_pred.shape)
        if p_shape[-1] == 1:
            obj: Callable = binary_crossentropy
        elif len(t_shape) < len(p_shape) or t_shape[-1] == 1:
            obj = sparse_categorical_crossentropy
        else:
            obj = categorical_crossentropy
    else:
        obj = get(identifier)
    if isinstance(obj, Loss):
        return obj
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
    return LossFunctionWrapper(obj, name=name)


__all__ = [
    "ALL_OBJECTS_DICT",
    "BCE",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CTC",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "KLD",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MAE",
    "MAPE",
    "MSE",
    "MSLE",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "bce",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "convert_binary_labels_to_hinge",
    "cosine_similarity",
    "ctc",
    "deserialize",
    "dice",
    "get",
    "get_loss",
    "get_mask",
    "hinge",
    "huber",
    "kl_divergence",
    "kld",
    "kullback_leibler_divergence",
    "log_cosh",
    "logcosh",
    "mae",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "msle",
    "poisson",
    "reduce_weighted_values",
    "serialize",
    "set_mask",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "squeeze_or_expand_to_same_rank",
    "tversky",
]
