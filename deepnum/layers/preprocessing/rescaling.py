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
        scale, offset = self._constant(self.scale, inputs), self._constant(self.offset, inputs)
        return inputs.astype(self.dtype) * scale + offset

    def _constant(self, value: Any, inputs: Tensor) -> Any:
        """A Python number as it is; an array on the inputs' device, in the layer's dtype."""
        if isinstance(value, (int, float)):
            return value
        return inputs.xp.asarray(value, dtype=self.dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": _plain(self.scale), "offset": _plain(self.offset)}


def _plain(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)
    return tolist() if tolist is not None else value
