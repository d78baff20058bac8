"""LoRA's file layout, shared by Dense and Embedding: as in Keras, a layer with LoRA enabled
saves its frozen weight merged with the update, W + (α/r)·A B, in place of W (followed by the
layer's other weights), and loading a file sets W and restarts A and B at zero. Files then move
between Keras and deepnum, and between layers with and without LoRA."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import shape_str
from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module


def merged(base: Variable, a: Variable, b: Variable, alpha: float, rank: int) -> np.ndarray:
    """W + (α/r)·A B as a host array in W's dtype."""
    update = (alpha / rank) * (a.numpy().astype(np.float64) @ b.numpy().astype(np.float64))
    return (base.numpy() + update).astype(base.dtype)


def attach(layer: Any, save: Any, stored: Any, adapters: list[Variable]) -> None:
    """Give ``layer`` Keras's ``save_own_variables``/``load_own_variables`` for LoRA: ``save``
    fills the store; loading assigns the variables ``stored()`` lists from keys "0", "1", …
    and zeroes ``adapters``."""

    def load_own_variables(store: dict) -> None:
        stored_now = stored()
        keys = sorted(store, key=lambda k: int(k) if str(k).isdigit() else -1)
        if keys != [str(i) for i in range(len(stored_now))]:
            raise ValueError(
                f'Layer "{layer.name}" (LoRA enabled) expects {len(stored_now)} saved weights '
                f"under keys 0…{len(stored_now) - 1}, the file has keys {keys}."
            )
        for i, variable in enumerate(stored_now):
            value = store[str(i)]
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f'Layer "{layer.name}" weight "{variable.name}" has shape '
                    f"{shape_str(variable.shape)}, the file's has {shape_str(value.shape)}."
                )
            variable.assign(value)
        for adapter in adapters:
            adapter.assign(get_array_module(adapter.data).zeros_like(adapter.data))

    layer.save_own_variables = save
    layer.load_own_variables = load_own_variables
