"""Weight regularizers (Keras's ``keras.regularizers``): penalties added to the loss."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor

__all__ = ["L1", "L1L2", "L2", "Regularizer", "get", "l1", "l1_l2", "l2", "serialize"]


class Regularizer:
    """Base class: ``regularizer(weight)`` returns a scalar penalty Tensor."""

    def __call__(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)


def _check(name: str, value: float) -> float:
    value = float(value)
    if value < 0:
        raise ValueError(f"{name} must be a non-negative float, received {value}.")
    return value


class L1L2(Regularizer):
    """penalty = l1·Σ|w| + l2·Σw²."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = _check("l1", l1), _check("l2", l2)

    def __call__(self, x: Tensor) -> Tensor:
        penalty = 0.0
        if self.l1:
            penalty = penalty + self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * ops.sum(ops.square(x))
        return penalty if isinstance(penalty, Tensor) else ops.sum(x * 0.0)

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """penalty = l1·Σ|w| (Keras default l1=0.01)."""

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = _check("l1", l1)

    def __call__(self, x: Tensor) -> Tensor:
        return self.l1 * ops.sum(ops.abs(x))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """penalty = l2·Σw² (Keras default l2=0.01; note: no factor ½)."""

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = _check("l2", l2)

    def __call__(self, x: Tensor) -> Tensor:
        return self.l2 * ops.sum(ops.square(x))

    def get_config(self) -> dict:
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier: Any) -> Regularizer | None:
    """Resolve a regularizer from a name, a config dict or an instance."""
    if identifier is None or isinstance(identifier, Regularizer) or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_NAME:
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    raise ValueError(f"Unknown regularizer {identifier!r}; expected one of {sorted(_BY_NAME)}.")


def serialize(regularizer: Regularizer) -> dict:
    return {
        "module": "keras.regularizers",
        "class_name": type(regularizer).__name__,
        "config": regularizer.get_config(),
        "registered_name": None,
    }
