"""RNN: run a cell over the time axis of sequences, with Keras 3's arguments, masking, states
and config. Built-in cells (and stacks of them) run in their fused ops; any other cell runs
step by step (``deepnum.layers.rnn._loop``)."""

from __future__ import annotations

import copy
from typing import Any

from deepnum import ops, tree
from deepnum.autodiff.mode import no_grad
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import device_of
from deepnum.layers import serialization
from deepnum.layers.input_spec import InputSpec, check_input_spec
from deepnum.layers.layer import Layer
from deepnum.layers.rnn import _loop
from deepnum.layers.rnn.base_rnn import RNNCellBase
from deepnum.layers.rnn.gru_cell import GRUCell
from deepnum.layers.rnn.lstm_cell import LSTMCell
from deepnum.layers.rnn.simple_rnn_cell import SimpleRNNCell
from deepnum.layers.rnn.stacked_rnn_cells import (
    StackedRNNCells,
    build_cell,
    cell_output_size,
    check_cell,
    state_shape,
    zero_states,
)

# Cells whose step is known exactly, so that the fused op over the whole sequence replaces the
# loop (a subclass may change the step, so it runs the loop).
FUSED_CELLS = (SimpleRNNCell, LSTMCell, GRUCell)
_BUILTIN_ZEROS = RNNCellBase.get_initial_state


class RNN(Layer):
    """Base class for recurrent layers: runs a cell over the time axis of its inputs.

    A cell has ``call(inputs, states)`` returning ``(output, new_states)``, a ``state_size``
    (an int; or one entry per state tensor, each an int or a shape such as ``(rows, cols)``)
    and optionally ``output_size`` and ``get_initial_state(batch_size)``. Inputs and outputs
    may be nested structures of tensors. ``RNN(LSTMCell(n))`` computes what ``LSTM(n)`` does,
    with the same fused op; a list of cells is wrapped in ``StackedRNNCells``.

    Masks follow Keras: a masked step keeps every state, and its output repeats the previous
    output (zeros before the first unmasked step), or is zero with ``zero_output_for_mask``.

    Args:
        cell: an RNN cell, or a list of cells (stacked).
        return_sequences: return the whole output sequence ``(batch, time, ...)`` instead of
            the last output.
        return_state: also return the last states: ``(output, *states)``.
        go_backwards: process the sequence in reverse (and return the reversed sequence).
        stateful: carry the last states of a batch over as the next batch's initial states.
        unroll: accepted for compatibility (the loop is never unrolled); it needs a known
            number of time steps, as in Keras.
        zero_output_for_mask: masked steps output zeros.

    Call arguments: ``sequences`` ``(batch, time, ...)`` (or a nested structure of them),
    ``initial_state`` (one tensor per state), ``mask`` ``(batch, time)``, ``training``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> class MinimalRNNCell(dn.layers.Layer):
        ...     def __init__(self, units, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.units, self.state_size = units, units
        ...     def build(self, input_shape):
        ...         self.kernel = self.add_weight((input_shape[-1], self.units))
        ...         self.recurrent_kernel = self.add_weight((self.units, self.units))
        ...     def call(self, inputs, states):
        ...         output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        ...         return output, [output]
        >>> dn.layers.RNN(MinimalRNNCell(4))(np.ones((2, 7, 3), "float32")).shape
        (2, 4)
    """

    def __init__(
        self,
        cell: Any,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        check_cell(type(self).__name__, cell)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.states: list | None = None

    @property
    def state_size(self) -> list:
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    # ---------------------------------------------------------------- building
    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        first = _first_shape(sequences_shape)
        if isinstance(self.input_spec, InputSpec):
            check_input_spec(self, self.input_spec, first)
        if len(first) < 3:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}" expects sequences of rank ≥ 3 '
                f"(batch, time, features), received shape {shape_str(first)}. Add the time "
                "axis (e.g. x[:, None]) or a feature axis (x[..., None])."
            )
        if self.unroll and first[1] is None:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": unroll=True needs a known number '
                "of time steps; pass a `shape` with the time axis to Input()."
            )
        step_shape = tree.map_shape_structure(lambda s: (s[0],) + tuple(s[2:]), sequences_shape)
        if isinstance(self.cell, Layer) and not self.cell.built:
            build_cell(self, self.cell, step_shape)
        first_cell = self.cell.cells[0] if isinstance(self.cell, StackedRNNCells) else self.cell
        if isinstance(first_cell, RNNCellBase) and _is_shape(tuple(sequences_shape)):
            # a clear error for inputs with other features than the kernel was built for
            self.input_spec = InputSpec(ndim=3, axes={-1: first_cell.kernel.shape[0]})
        self.built = True

    # ---------------------------------------------------------------- states
    def get_initial_state(self, batch_size: int) -> list:
        """The cell's initial states for ``batch_size`` samples (zeros by default)."""
        return zero_states(self.cell, batch_size, self.dtype)

    def _initial_states(self, like: Tensor, initial_state: Any) -> list:
        batch = like.shape[0]
        if initial_state is None and self.stateful and self.states is not None:
            held = tree.flatten(self.states)[0].shape[0]
            if held != batch:
                raise ValueError(
                    f'Stateful layer "{self.name}" holds states for batches of {held} samples, '
                    f"received a batch of {batch}. Feed batches of a fixed size or call "
                    "reset_states()."
                )
            initial_state = self.states
        if initial_state is None:
            if getattr(type(self.cell), "get_initial_state", None) is _BUILTIN_ZEROS:
                return self.cell.zero_states_like(like)  # the built-in cells' zeros, directly
            states = self.get_initial_state(batch)
        else:
            states = list(initial_state) if tree.is_nested(initial_state) else [initial_state]
            self._check_state_count(states)
        if all(isinstance(s, Tensor) for s in states):  # the common case, without the walk
            return [_as_state(s, like) for s in states]
        return tree.map_structure(lambda s: _as_state(s, like), states)

    def _n_states(self) -> int:
        return len(self.state_size)

    def _check_state_count(self, states: list) -> None:
        expected = self._n_states()
        if len(states) != expected:
            shapes = ", ".join(
                shape_str((None, *state_shape(s))) if _is_size(s) else "(nested)"
                for s in self.state_size
            )
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}" expects {expected} initial state '
                f"tensor(s) of shape {shapes}, received {len(states)}. Pass initial_state as a "
                "list with one tensor per state."
            )

    def reset_states(self) -> None:
        """Set the carried states of a stateful layer back to zeros."""
        if self.states is not None:
            self.states = tree.map_structure(
                lambda s: Tensor._make(s.xp.zeros_like(s.data)), self.states
            )

    reset_state = reset_states

    # ---------------------------------------------------------------- calling
    def call(
        self,
        sequences: Any,
        initial_state: Any = None,
        mask: Any = None,
        training: bool | None = None,
    ) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = tree.flatten(mask)[0]
        if isinstance(sequences, Tensor):
            sequences = like = self._float_input(sequences)
        else:
            sequences = tree.map_structure(self._float_input, sequences)
            like = tree.flatten(sequences)[0]
        states = self._initial_states(like, initial_state)
        fused = self._fused_cells(sequences)
        try:
            if fused is not None:
                output, states = self._run_fused(fused, sequences, states, mask, training)
            else:
                output, states = self._run_loop(sequences, states, mask, training)
        finally:
            _reset_dropout_masks(self.cell)
        if self.stateful:
            self.states = tree.map_structure(lambda s: s.detach(), states)
        return (output, *states) if self.return_state else output

    def _float_input(self, x: Any) -> Any:
        if isinstance(x, Tensor) and x.dtype.kind != "f":
            return ops.cast(x, self.dtype)
        return x

    def _fused_cells(self, sequences: Any) -> list | None:
        """The built-in cells to run in their fused ops, or None for the step loop."""
        if not isinstance(sequences, Tensor) or sequences.ndim != 3:
            return None
        cells = self.cell.cells if isinstance(self.cell, StackedRNNCells) else [self.cell]
        return cells if all(type(c) in FUSED_CELLS for c in cells) else None

    def _options(self, mask: Any, last: bool) -> dict:
        return dict(
            mask=mask,
            go_backwards=self.go_backwards,
            return_sequences=self.return_sequences or not last,
            zero_output_for_mask=self.zero_output_for_mask and last,
        )

    def _run_fused(self, cells: list, x: Tensor, states: list, mask: Any, training: Any):
        if not isinstance(self.cell, StackedRNNCells):
            outs = cells[0].scan(x, states, self._options(mask, True), training)
            return outs[0], list(outs[1:])
        # A stack runs cell by cell over the whole sequence: a masked step keeps every cell's
        # state, so the layer-by-layer order gives the step-by-step results. Going backwards,
        # the sequence is reversed once and every cell reads it in processing order.
        if self.go_backwards:
            x = x[:, ::-1]
            mask = None if mask is None else _loop.processing_mask(mask, x, True)
        new_states = []
        for i, (cell, state) in enumerate(zip(cells, states)):
            nested = tree.is_nested(state)
            options = self._options(mask, i == len(cells) - 1)
            options["go_backwards"] = False
            outs = cell.scan(x, list(state) if nested else [state], options, training)
            x = outs[0]
            new_states.append(list(outs[1:]) if nested else outs[1])
        return x, new_states

    def _run_loop(self, sequences: Any, states: list, mask: Any, training: Any):
        takes_training = isinstance(self.cell, Layer) and self.cell._call_signature["training"]
        return _loop.run_cell(
            self.cell,
            sequences,
            states,
            mask=mask,
            go_backwards=self.go_backwards,
            return_sequences=self.return_sequences,
            zero_output_for_mask=self.zero_output_for_mask,
            cell_kwargs={"training": training} if takes_training else {},
        )

    # ---------------------------------------------------------------- shapes and config
    def compute_output_shape(self, sequences_shape: Any, initial_state_shape: Any = None) -> Any:
        first = _first_shape(sequences_shape)
        batch, time = first[0], first[1]
        out_size = cell_output_size(self.cell)
        state_shapes = _state_shapes(self.cell, batch)
        if _is_size(out_size) and state_shapes is not None:
            output = (batch, *state_shape(out_size))
        else:  # nested or shaped outputs or states: run one step of the cell to see them
            output, state_shapes = self._step_shapes(sequences_shape, batch)
        if self.return_sequences:
            output = tree.map_shape_structure(lambda s: (s[0], time, *s[1:]), output)
        return (output, *state_shapes) if self.return_state else output

    def _step_shapes(self, sequences_shape: Any, batch: Any) -> tuple:
        """(output shapes, state shapes) of one step of the cell on zeros, batch axis set."""

        def zeros(shape: tuple) -> Tensor:
            return ops.zeros((2, *(8 if d is None else d for d in shape[2:])), dtype=self.dtype)

        with no_grad():
            inputs = tree.map_shape_structure(zeros, sequences_shape)
            states = self.get_initial_state(2)
            output, _ = self.cell(inputs, tuple(states))
        return tree.map_structure(lambda t: (batch, *t.shape[1:]), (output, states))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if tree.is_nested(mask):
            mask = tree.flatten(mask)[0]
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * len(self.state_size)
        return out_mask

    def get_config(self) -> dict:
        return {**self._sequence_config(), "cell": serialization.serialize(self.cell)}

    def _sequence_config(self) -> dict:
        """The config without the cell (the recurrent layers built on a cell store its
        arguments instead)."""
        config = {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> RNN:
        config = copy.deepcopy(config)
        if "cell" in config:
            config["cell"] = serialization.deserialize(config["cell"], custom_objects)
        return cls(**config)


def _first_shape(shape: Any) -> tuple:
    """The shape of the first input of a (possibly nested) structure of shapes."""
    while isinstance(shape, (list, tuple, dict)) and shape and not _is_shape(shape):
        shape = next(iter(shape.values())) if isinstance(shape, dict) else shape[0]
    return tuple(shape)


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(v is None or isinstance(v, int) for v in value)


def _is_size(size: Any) -> bool:
    """An int, or a TensorShape-like object: one tensor's size (not a structure)."""
    return (isinstance(size, int) and not isinstance(size, bool)) or hasattr(size, "as_list")


def _state_shapes(cell: Any, batch: Any) -> list | None:
    """The state shapes of ``cell`` (nested for stacks), or None when its sizes are not ints."""
    if isinstance(cell, StackedRNNCells):
        out = []
        for c in cell.cells:
            sizes = c.state_size
            if _is_size(sizes):
                out.append((batch, *state_shape(sizes)))
            elif all(_is_size(s) for s in sizes):
                out.append([(batch, *state_shape(s)) for s in sizes])
            else:
                return None
        return out
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    if not all(_is_size(s) for s in sizes):
        return None
    return [(batch, *state_shape(s)) for s in sizes]


def _as_state(state: Any, like: Tensor) -> Tensor:
    """A state as a tensor on the inputs' device, in their float dtype."""
    state = as_tensor(state, like=like)
    if type(state.data) is not type(like.data):  # zeros on the CPU for inputs on a GPU
        state = state.to(device_of(like.data))
    if state.dtype != like.dtype and state.dtype.kind == "f" and like.dtype.kind == "f":
        state = ops.cast(state, like.dtype)
    return state


def _reset_dropout_masks(cell: Any) -> None:
    for c in cell.cells if isinstance(cell, StackedRNNCells) else [cell]:
        if hasattr(c, "reset_dropout_mask"):
            c.reset_dropout_mask()
            c.reset_recurrent_dropout_mask()
