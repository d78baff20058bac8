"""Masking: skip padded time steps in downstream recurrent layers."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers.layer import Layer


class Masking(Layer):
    """Mask the time steps whose features all equal ``mask_value`` (for RNNs downstream).

    A step ``t`` is kept when ``any(x[b, t, :] != mask_value)``; masked steps are zeroed and the
    output carries the boolean mask of shape ``(batch, steps)``.

    Args:
        mask_value: the padding value to skip.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> y = dn.layers.Masking(0.0)(np.array([[[1.0], [0.0]]], "float32"))
        >>> y._keras_mask.numpy().tolist()
        [[True, False]]
    """

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = _args.number("Masking", "mask_value", mask_value)
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        keep = (inputs.data != self.mask_value).any(axis=-1, keepdims=True)
        return ops.where(keep, inputs, 0.0)

    def compute_mask(self, inputs: Tensor, mask: Any = None) -> Tensor:
        return Tensor._make((inputs.data != self.mask_value).any(axis=-1))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
