"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector (Keras 3 semantics)."""

from __future__ import annotations

import math
from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer


class Flatten(Layer):
    """Flatten every axis but the batch axis: ``(batch, d1, …, dn) → (batch, d1·…·dn)``.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``; channels-first
            inputs are moved to channels-last first, so the feature order matches Keras.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.Flatten()(np.zeros((2, 28, 28), "float32")).shape
        (2, 784)
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = _args.data_format("Flatten", data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs: Tensor) -> Tensor:
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ops.transpose(inputs, (0, *range(2, inputs.ndim), 1))
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (the batch axis is kept).

    One entry of ``target_shape`` may be ``-1``: it is inferred from the sample size.

    Args:
        target_shape: the new shape of one sample, e.g. ``(28, 28, 1)`` or ``(-1, 4)``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.Reshape((-1, 4))(np.zeros((2, 12), "float32")).shape
        (2, 3, 4)
    """

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        shape = (target_shape,) if isinstance(target_shape, int) else target_shape
        try:
            shape = tuple(shape)
        except TypeError:
            shape = None
        if (
            shape is None
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in shape)
            or any(s < 1 and s != -1 for s in shape)
            or shape.count(-1) > 1
        ):
            raise ValueError(
                "Reshape: argument `target_shape` must be a tuple of positive integers with at "
                f"most one -1, received target_shape={target_shape!r}."
            )
        self.target_shape = shape

    def call(self, inputs: Tensor) -> Tensor:
        target = self.compute_output_shape(inputs.shape)
        return ops.reshape(inputs, (inputs.shape[0],) + target[1:])

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        sample = tuple(input_shape[1:])
        known = math.prod(s for s in self.target_shape if s != -1)
        if None in sample:
            return (input_shape[0],) + tuple(None if s == -1 else s for s in self.target_shape)
        size = math.prod(sample)
        if (-1 in self.target_shape and size % known) or (
            -1 not in self.target_shape and size != known
        ):
            raise ValueError(
                f"Reshape: cannot reshape inputs of shape {shape_str((None,) + sample)} "
                f"({size} values per sample) into target_shape={self.target_shape} "
                f"({known} values{' times a multiple' if -1 in self.target_shape else ''})."
            )
        return (input_shape[0],) + tuple(size // known if s == -1 else s for s in self.target_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Permute the non-batch axes: output axis ``i`` is input axis ``dims[i-1]``.

    Args:
        dims: a permutation of ``1 … n`` (axes are counted from 1; the batch axis stays first).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.Permute((2, 1))(np.zeros((4, 10, 64), "float32")).shape
        (4, 64, 10)
    """

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else None
        if dims is None or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Permute: argument `dims` must be a permutation of 1 … n (the batch axis 0 is "
                f"not permuted), received dims={dims!r}."
            )
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs: Tensor) -> Tensor:
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeat a vector ``n`` times: ``(batch, features) → (batch, n, features)``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.RepeatVector(3)(np.zeros((2, 5), "float32")).shape
        (2, 3, 5)
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n = _args.positive_int("RepeatVector", "n", n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: Tensor) -> Tensor:
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}


__all__ = ["Flatten", "Permute", "RepeatVector", "Reshape"]
