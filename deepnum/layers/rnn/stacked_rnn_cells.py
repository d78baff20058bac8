"""StackedRNNCells: a list of cells that behaves as one cell (each cell's output is the next
cell's input within a step)."""

from __future__ import annotations

import copy
from typing import Any

from deepnum import ops, tree
from deepnum.layers import serialization
from deepnum.layers.layer import Layer


def check_cell(owner: str, cell: Any) -> None:
    """A cell needs ``call`` and ``state_size`` (Keras's requirements)."""
    if not callable(getattr(cell, "call", None)):
        raise ValueError(
            f"{owner}: a cell must have a `call(inputs, states)` method returning "
            f"(output, new_states), received cell={cell!r}."
        )
    if not hasattr(cell, "state_size"):
        raise ValueError(
            f"{owner}: a cell must have a `state_size` attribute (an int, or one entry per state "
            f"tensor), received cell={cell!r} without one."
        )


def build_cell(owner: Layer, cell: Layer, step_shape: Any) -> None:
    """Build ``cell`` for steps of ``step_shape``; its weights' paths start with the owner's
    name, as Keras's (``lstm/lstm_cell/kernel``)."""
    cell.build(step_shape)
    cell.built = True
    cell._build_shapes = step_shape
    for w in cell.weights:
        w.path = f"{owner.name}/{w.path}"


def cell_output_size(cell: Any) -> Any:
    """``output_size``, else the first state's size (Keras's fallback)."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state = cell.state_size
    return state[0] if isinstance(state, (list, tuple)) else state


def zero_states(cell: Any, batch_size: int, dtype: Any) -> list:
    """The initial states of ``cell``: its ``get_initial_state`` or zeros, one tensor per
    entry of ``state_size`` (an int, or a shape such as ``(rows, cols)`` for a rank-2 state)."""
    fn = getattr(cell, "get_initial_state", None)
    if fn is not None:
        state = fn(batch_size=batch_size)
        return list(state) if tree.is_nested(state) else [state]
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    return [ops.zeros((batch_size, *state_shape(s)), dtype=dtype) for s in sizes]


def state_shape(size: Any) -> tuple:
    """One state's shape without the batch axis: ``n`` → ``(n,)``, a shape stays a shape."""
    if hasattr(size, "as_list"):  # a TensorShape-like object
        size = size.as_list()
    if isinstance(size, (list, tuple)):
        return tuple(int(s) for s in size)
    return (int(size),)


class StackedRNNCells(Layer):
    """Wrapper that makes a list of RNN cells behave as a single cell.

    Within a step the first cell reads the input, each following cell reads the output of the
    one before, and the output is the last cell's. ``state_size`` is the list of the cells'
    ``state_size``; the states are one entry per cell. ``RNN`` given a list of cells wraps them
    in this class; with built-in cells it runs each cell's fused loop in turn.

    Args:
        cells: a list of RNN cells (objects with ``call`` and ``state_size``).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> cells = dn.layers.StackedRNNCells([dn.layers.LSTMCell(8), dn.layers.GRUCell(3)])
        >>> dn.layers.RNN(cells)(np.ones((2, 5, 4), "float32")).shape
        (2, 3)
    """

    def __init__(self, cells: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(
                f"StackedRNNCells: argument `cells` must be a non-empty list of cells, "
                f"received cells={cells!r}."
            )
        for cell in cells:
            check_cell("StackedRNNCells", cell)
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> Any:
        return cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size: int | None = None) -> list:
        states = []
        for cell in self.cells:
            state = zero_states(cell, batch_size, self.dtype)
            own = hasattr(cell, "get_initial_state")
            single = not own and not isinstance(cell.state_size, (list, tuple))
            states.append(state[0] if single else state)
        return states

    def build(self, input_shape: Any) -> None:
        shape = input_shape
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                build_cell(self, cell, shape)
            size = cell_output_size(cell)
            shape = (tree.flatten(shape)[0] if tree.is_nested(shape) else shape[0],)
            shape = shape + state_shape(size)
        self.built = True

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple:
        new_states = []
        for cell, state in zip(self.cells, states):
            was_list = tree.is_nested(state)
            state = list(state) if was_list else [state]
            kwargs = {"training": training} if _takes_training(cell) else {}
            inputs, state = cell(inputs, state, **kwargs)
            state = list(state) if tree.is_nested(state) else [state]
            new_states.append(state[0] if len(state) == 1 and not was_list else state)
        return inputs, new_states

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "cells": [serialization.serialize(c) for c in self.cells],
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> StackedRNNCells:
        config = copy.deepcopy(config)
        cells = [serialization.deserialize(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _takes_training(cell: Any) -> bool:
    if isinstance(cell, Layer):
        return cell._call_signature["training"]
    return False
