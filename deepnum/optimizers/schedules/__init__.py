"""Learning-rate schedules (Keras's ``keras.optimizers.schedules``)."""

from __future__ import annotations

from typing import Any

from deepnum.optimizers.schedules.learning_rate_schedule import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
)
from deepnum.optimizers.serialization import build_from_config, resolve_class, serialize_object

_MODULE = "keras.optimizers.schedules"
_BUILTINS: dict[str, type] = {
    cls.__name__.lower(): cls
    for cls in (
        LearningRateSchedule,
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict[str, Any]:
    """Return a schedule's Keras-format config dict (readable by Keras too).

    Example:
        >>> serialize(ExponentialDecay(0.1, 10, 0.9))["class_name"]
        'ExponentialDecay'
    """
    return serialize_object(learning_rate_schedule, _MODULE, _BUILTINS)


def deserialize(
    config: dict[str, Any], custom_objects: dict[str, Any] | None = None
) -> LearningRateSchedule:
    """Rebuild a schedule from :func:`serialize`'s output (or Keras's).

    Args:
        config: ``{"class_name": ..., "config": {...}}``.
        custom_objects: name -> class for user-defined schedules.

    Returns:
        A new schedule.
    """
    cls = resolve_class(config, _BUILTINS, custom_objects, "learning rate schedule")
    return build_from_config(cls, config, "learning rate schedule")


__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
