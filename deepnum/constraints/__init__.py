"""Weight constraints (Keras's ``keras.constraints``), applied after each optimizer update.

``get`` resolves names (``"max_norm"``, ``"NonNeg"``), configs and callables; an unknown name
or a malformed config is a ``ValueError`` that names it.
"""

from __future__ import annotations

import inspect
from typing import Any

from deepnum._identifiers import deserialize_identifier, snake_case
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import epsilon, get_array_module

__all__ = [
    "ALL_OBJECTS_DICT",
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weight array."""

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        return cls(**config)


def _raw(w: Any) -> Any:
    return w.data if isinstance(w, Tensor) else w


def _norms(w: Any, axis: Any) -> Any:
    xp = get_array_module(w)
    return xp.sqrt((w * w).sum(axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale so that the L2 norm along ``axis`` is at most ``max_value``:
    w ← w · clip(‖w‖, 0, m) / (ε + ‖w‖)."""

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = _raw(w)
        xp = get_array_module(w)
        norms = _norms(w, self.axis)
        return w * (xp.clip(norms, 0, self.max_value) / (epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zero out negative weights: w ← w · (w ≥ 0)."""

    def __call__(self, w):
        w = _raw(w)
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Scale to unit L2 norm along ``axis``: w ← w / (ε + ‖w‖)."""

    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def __call__(self, w):
        w = _raw(w)
        return w / (epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep the L2 norm along ``axis`` in [min_value, max_value], moving a ``rate`` fraction of
    the way: n' = rate·clip(n, min, max) + (1 − rate)·n, w ← w · n' / (ε + n)."""

    def __init__(
        self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0
    ) -> None:
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = _raw(w)
        xp = get_array_module(w)
        norms = _norms(w, self.axis)
        desired = (
            self.rate * xp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        )
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({snake_case(cls.__name__): cls for cls in ALL_OBJECTS})


def serialize(constraint: Constraint) -> dict:
    """Keras's serialized form: ``{"module", "class_name", "config", "registered_name"}``.

    Example:
        >>> serialize(MaxNorm(3.0))["config"]
        {'max_value': 3.0, 'axis': 0}
    """
    registered = getattr(type(constraint), "_registered_name", None)
    return {
        "module": "keras.constraints" if registered is None else None,
        "class_name": type(constraint).__name__,
        "config": constraint.get_config(),
        "registered_name": registered,
    }


def deserialize(config: Any, custom_objects: dict | None = None) -> Any:
    """A constraint from ``serialize``'s output (or Keras's), or from a name.

    Example:
        >>> deserialize({"class_name": "UnitNorm", "config": {"axis": 1}}).axis
        1
    """
    return deserialize_identifier(config, "constraint", ALL_OBJECTS_DICT, custom_objects)


def get(identifier: Any) -> Any:
    """Resolve a constraint identifier, as a layer's ``kernel_constraint=`` does.

    Args:
        identifier: ``None``; a name (``"non_neg"``); a config dict; a Constraint or a
            callable (returned as is); or a class (instantiated with its defaults).

    Returns:
        The constraint, or ``None`` for ``None``.

    Raises:
        ValueError: an unknown name, a malformed config, or anything else.

    Example:
        >>> type(get("max_norm")).__name__
        'MaxNorm'
    """
    if identifier is None:
        return None
    obj = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret constraint identifier: {identifier!r}. Expected a name such as "
        "'max_norm', a config dict, a Constraint or a callable."
    )
