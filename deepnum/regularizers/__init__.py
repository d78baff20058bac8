"""Weight regularizers (Keras 3's ``keras.regularizers``): penalties added to the loss.

``get`` resolves names (``"l2"``, ``"L1L2"``, ``"orthogonal_regularizer"``), configs and
callables; an unknown name or a malformed config is a ``ValueError`` that names it.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

from deepnum import ops
from deepnum._identifiers import deserialize_identifier, snake_case
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import epsilon

__all__ = [
    "ALL_OBJECTS_DICT",
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]


class Regularizer:
    """Base class: ``regularizer(weight)`` returns a scalar penalty to add to the loss.

    Subclasses implement ``__call__`` and ``get_config``.

    Example:
        >>> import deepnum as dn
        >>> class SumSquares(Regularizer):
        ...     def __call__(self, x):
        ...         return dn.ops.sum(dn.ops.square(x))
        ...     def get_config(self):
        ...         return {}
        >>> float(SumSquares()(dn.tensor([1.0, 2.0])))
        5.0
    """

    def __call__(self, x: Any) -> Any:
        return 0.0

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"{type(self).__name__} does not implement get_config(), so it cannot be saved: "
            "return its constructor arguments as a dict."
        )

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)


def validate_float_arg(value: Any, name: str) -> float:
    """``value`` as a float ≥ 0 (finite); a ValueError naming ``name`` otherwise."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (float, int))
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value!r}"
        )
    return float(value)


class L1L2(Regularizer):
    """penalty = l1·Σ|w| + l2·Σw² (both default to 0; ``None`` means 0).

    Example:
        >>> import deepnum as dn
        >>> float(L1L2(l1=0.5, l2=1.0)(dn.tensor([1.0, -2.0])))
        6.5
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x: Any) -> Tensor:
        x = as_tensor(x)
        penalty = ops.sum(x * 0.0)
        if self.l1:
            penalty = penalty + self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * ops.sum(ops.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """penalty = l1·Σ|w| (default l1 = 0.01).

    Example:
        >>> import deepnum as dn
        >>> float(L1(l1=0.5)(dn.tensor([1.0, -2.0])))
        1.5
    """

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = validate_float_arg(0.01 if l1 is None else l1, name="l1")

    def __call__(self, x: Any) -> Tensor:
        return self.l1 * ops.sum(ops.abs(as_tensor(x)))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """penalty = l2·Σw² (default l2 = 0.01; no factor ½, as in Keras).

    Example:
        >>> import deepnum as dn
        >>> float(L2(l2=0.5)(dn.tensor([1.0, -2.0])))
        2.5
    """

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x: Any) -> Tensor:
        return self.l2 * ops.sum(ops.square(as_tensor(x)))

    def get_config(self) -> dict:
        return {"l2": self.l2}


def _l2_normalize(x: Tensor, axis: int) -> Tensor:
    """x / max(‖x‖₂, ε) along ``axis`` (finite gradient at a zero row)."""
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(square_sum, epsilon() ** 2))


class OrthogonalRegularizer(Regularizer):
    """Encourage the rows (or columns) of a 2-d kernel to be orthogonal to each other.

    With the rows (``mode="rows"``) or columns (``"columns"``) of w L2-normalised into
    v₁ … vₙ: penalty = factor · ½ · Σ_{i≠j} |vᵢ·vⱼ| / (n(n − 1)/2), i.e. factor times the
    mean absolute cosine similarity over the pairs.

    Args:
        factor: the penalty's weight (a float ≥ 0, default 0.01).
        mode: ``"rows"`` or ``"columns"``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> float(OrthogonalRegularizer(factor=1.0)(dn.tensor(np.eye(3))))
        0.0
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = validate_float_arg(factor, name="factor")
        if mode not in ("rows", "columns"):
            raise ValueError(
                'Invalid value for argument `mode`. Expected one of {"rows", "columns"}. '
                f"Received: mode={mode!r}"
            )
        self.mode = mode

    def __call__(self, inputs: Any) -> Tensor:
        x = as_tensor(inputs)
        if x.ndim != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. Received: "
                f"inputs.shape={shape_str(x.shape)}"
            )
        if self.mode == "rows":
            v = _l2_normalize(x, axis=1)
            product, size = ops.matmul(v, ops.transpose(v)), x.shape[0]
        else:
            v = _l2_normalize(x, axis=0)
            product, size = ops.matmul(ops.transpose(v), v), x.shape[1]
        off_diagonal = product * (1.0 - ops.eye(size, dtype=x.dtype))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * ops.sum(ops.abs(off_diagonal)) / num_pairs

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT["l1_l2"] = L1L2  # deepnum's earlier name, kept for its saved configs


def serialize(regularizer: Regularizer) -> dict:
    """Keras's serialized form: ``{"module", "class_name", "config", "registered_name"}``.

    Example:
        >>> serialize(L2(0.1))["config"]
        {'l2': 0.1}
    """
    registered = getattr(type(regularizer), "_registered_name", None)
    return {
        "module": "keras.regularizers" if registered is None else None,
        "class_name": type(regularizer).__name__,
        "config": regularizer.get_config(),
        "registered_name": registered,
    }


def deserialize(config: Any, custom_objects: dict | None = None) -> Any:
    """A regularizer from ``serialize``'s output (or Keras's), or from a name.

    Example:
        >>> deserialize({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.0}}).l1
        0.1
    """
    return deserialize_identifier(config, "regularizer", ALL_OBJECTS_DICT, custom_objects)


def get(identifier: Any) -> Any:
    """Resolve a regularizer identifier, as a layer's ``kernel_regularizer=`` does.

    Args:
        identifier: ``None``; a name (``"l2"``); a config dict; a Regularizer or a callable
            (returned as is); or a class (instantiated with its defaults).

    Returns:
        The regularizer, or ``None`` for ``None``.

    Raises:
        ValueError: an unknown name, a malformed config, or anything else.

    Example:
        >>> get("l2").l2
        0.01
    """
    if identifier is None:
        return None
    obj = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret regularizer identifier: {identifier!r}. Expected a name such "
        "as 'l2', a config dict, a Regularizer or a callable."
    )
