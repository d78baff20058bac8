"""Preprocessing layers that belong inside a model (Keras's ``Rescaling``)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.layer import Layer


class Rescaling(Layer):
    """Rescale inputs: y = x · scale + offset (e.g. ``Rescaling(1 / 255)`` for pixels).

    Args:
        scale: the multiplier (a float, or an array broadcast against the input).
        offset: added after scaling.

    Example:
        >>> import deepnum as dn
        >>> dn.layers.Rescaling(1 / 255)(dn.tensor([[0.0, 255.0]])).numpy().tolist()
        [[0.0, 1.0]]
    """

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        dtype = self.dtype
        scale = self.scale if isinstance(self.scale, (int, float)) else _array(self.scale, dtype)
        offset = (
            self.offset if isinstance(self.offset, (int, float)) else _array(self.offset, dtype)
        )
        return inputs.astype(dtype) * scale + offset

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": _plain(self.scale), "offset": _plain(self.offset)}


def _plain(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)
    return tolist() if tolist is not None else value
