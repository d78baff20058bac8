"""Optimizers (Keras 3's ``keras.optimizers``): SGD, RMSprop, Adagrad, Adadelta, Adam, AdamW,
Adamax, Nadam, Lion, Lamb, Ftrl, Adafactor, Muon, ScheduleFreeAdamW; the wrappers
LossScaleOptimizer and MultiOptimizer (with OptimizerMap); learning-rate ``schedules``; and
``legacy`` (Keras 2's names, which raise as in Keras 3).

Example:
    >>> import deepnum as dn
    >>> opt = dn.optimizers.get("adam")
    >>> type(opt).__name__, float(opt.learning_rate)
    ('Adam', 0.0010000000474974513)
"""

from __future__ import annotations

from typing import Any

from deepnum.optimizers import legacy, schedules
from deepnum.optimizers.adafactor import Adafactor
from deepnum.optimizers.adam import Adam, Adamax, AdamW, Nadam
from deepnum.optimizers.adaptive import Adadelta, Adagrad, RMSprop
from deepnum.optimizers.base import Optimizer
from deepnum.optimizers.ftrl import Ftrl
from deepnum.optimizers.lamb import Lamb
from deepnum.optimizers.loss_scale import LossScaleOptimizer
from deepnum.optimizers.multi import MultiOptimizer, OptimizerMap
from deepnum.optimizers.muon import Muon
from deepnum.optimizers.schedule_free import ScheduleFreeAdamW
from deepnum.optimizers.serialization import build_from_config, resolve_class, serialize_object
from deepnum.optimizers.sgd import SGD, Lion

_MODULE = "keras.optimizers"
_BUILTINS: dict[str, type] = {
    cls.__name__.lower(): cls
    for cls in (Optimizer, SGD, RMSprop, Adagrad, Adadelta, Adam, AdamW, Adamax, Nadam, Lion)
}
_BUILTINS.update(
    (cls.__name__.lower(), cls)
    for cls in (Adafactor, Ftrl, Lamb, Muon, ScheduleFreeAdamW)
    + (LossScaleOptimizer, MultiOptimizer, OptimizerMap)
)


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """Return the optimizer's Keras-format config dict (JSON-compatible, readable by Keras).

    Args:
        optimizer: an Optimizer instance.

    Returns:
        ``{"module", "class_name", "config", "registered_name"}``.
    """
    return serialize_object(optimizer, _MODULE, _BUILTINS)


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """Create an optimizer from :func:`serialize`'s output (or Keras's).

    Args:
        config: ``{"class_name": "Adam", "config": {...}}``; built-in names match in any case.
        custom_objects: name -> class for user-defined optimizers.

    Returns:
        A new, unbuilt optimizer.
    """
    cls = resolve_class(config, _BUILTINS, custom_objects, "optimizer")
    return build_from_config(cls, config, "optimizer", custom_objects=custom_objects)


def get(identifier: Any) -> Optimizer | None:
    """Resolve an optimizer identifier, as ``model.compile(optimizer=...)`` does.

    Args:
        identifier: ``None``; a name such as ``"adam"``, ``"sgd"``, ``"rmsprop"`` (Keras's
            defaults); a config dict from :func:`serialize`; or an Optimizer (returned as is).

    Returns:
        An Optimizer, or ``None`` for ``None``.

    Raises:
        ValueError: for an unknown name or an object that is not an optimizer.
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Expected an optimizer name "
        f"such as 'adam', a config dict, or an Optimizer instance."
    )


__all__ = [
    "SGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "LossScaleOptimizer",
    "MultiOptimizer",
    "Muon",
    "Nadam",
    "Optimizer",
    "OptimizerMap",
    "RMSprop",
    "ScheduleFreeAdamW",
    "deserialize",
    "get",
    "legacy",
    "schedules",
    "serialize",
]
