"""Weight constraints (Keras's ``keras.constraints``), applied after each optimizer update."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import epsilon, get_array_module

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "get", "serialize"]


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

    def __init__(self, max_value: float = 2.0, axis: Any = 0) -> None:
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


_BY_NAME = {
    "max_norm": MaxNorm,
    "non_neg": NonNeg,
    "unit_norm": UnitNorm,
    "min_max_norm": MinMaxNorm,
    "MaxNorm": MaxNorm,
    "NonNeg": NonNeg,
    "UnitNorm": UnitNorm,
    "MinMaxNorm": MinMaxNorm,
}


def get(identifier: Any) -> Constraint | None:
    """Resolve a constraint from a name, config dict, instance or callable."""
    if identifier is None or isinstance(identifier, Constraint) or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_NAME:
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    raise ValueError(f"Unknown constraint {identifier!r}; expected one of {sorted(_BY_NAME)}.")


def serialize(constraint: Constraint) -> dict:
    return {
        "module": "keras.constraints",
        "class_name": type(constraint).__name__,
        "config": constraint.get_config(),
        "registered_name": None,
    }
