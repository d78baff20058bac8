"""UnitNormalization (Keras 3 semantics)."""

from __future__ import annotations

import numbers
from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers.layer import Layer


def _axes(owner: str, value: Any) -> int | list[int]:
    """Keras's ``axis``: an int, or a list/tuple of ints kept as a list (a TypeError else)."""
    is_int = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if is_int:
        return int(value)
    if isinstance(value, (list, tuple)) and all(
        isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in value
    ):
        return [int(a) for a in value]
    raise TypeError(
        f"{owner}: argument `axis` must be an int or a list/tuple of ints, received axis={value!r}."
    )


def _check_axes(owner: str, axis: int | list[int], input_shape: tuple) -> list[int]:
    """The axes made non-negative, sorted; an error naming the shape when one is out of range."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted(_args.check_axis(owner, a, tuple(input_shape)) for a in axes)


class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm over ``axis``: y = x · min(1/√(Σx²), 1/ε), ε = 10⁻¹²
    (Keras's bound, which keeps an all-zero sample at zero).

    Args:
        axis: an int or a list of ints: the axes the norm is taken over (default the last).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.UnitNormalization()(np.array([[3.0, 4.0]], "float32")).numpy().tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = _axes("UnitNormalization", axis)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        return ops.normalize(inputs, axis=self.axis, order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        _check_axes("UnitNormalization", self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}
