"""Identity: the layer that returns its input."""

from __future__ import annotations

from typing import Any

from deepnum.layers.layer import Layer


class Identity(Layer):
    """Return the input unchanged (a placeholder, e.g. for an optional branch)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape
