"""ONNX converters for SimpleRNN, LSTM and GRU and for RNN over their cells (SimpleRNNCell,
LSTMCell, GRUCell, or a stack of them: one operator per cell), with ONNX's RNN, LSTM and GRU
operators; Bidirectional and TimeDistributed.

Weights: Keras's kernel ``(input, gates·units)`` becomes ONNX's ``W`` ``(1, gates·units,
input)`` with the gates reordered (LSTM: Keras i, f, c, o → ONNX i, o, f, c; GRU keeps z, r,
h, and ``reset_after=True`` is ``linear_before_reset=1``); the bias becomes ``B = [Wb, Rb]``.
ONNX runs time-major, so the sequence is transposed in and out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.onnx.builder import GraphBuilder
from deepnum.onnx.core_ops import _unsupported

_ONNX_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu"}
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [0, 1, 2], "SimpleRNN": [0]}
_KINDS = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}


def _cells(layer: Any) -> list:
    """The built-in cells the layer runs (one, or a stack); ONNX has no operator for others."""
    from deepnum.layers.rnn.rnn import FUSED_CELLS
    from deepnum.layers.rnn.stacked_rnn_cells import StackedRNNCells

    cells = layer.cell.cells if isinstance(layer.cell, StackedRNNCells) else [layer.cell]
    for cell in cells:
        if type(cell) not in FUSED_CELLS:
            raise _unsupported(
                layer,
                f"runs a {type(cell).__name__}; ONNX's recurrent operators cover "
                "SimpleRNNCell, LSTMCell and GRUCell (and stacks of them)",
            )
    return cells


def _activation_name(layer: Any, fn: Any) -> str:
    name = getattr(fn, "__name__", str(fn))
    if name not in _ONNX_ACTIVATIONS:
        raise _unsupported(layer, f"uses activation {name!r}, which ONNX recurrent ops lack")
    return _ONNX_ACTIVATIONS[name]


def _reorder(matrix: np.ndarray, order: list[int], units: int) -> np.ndarray:
    """Reorder the gate blocks of the last axis and put gates first: (gates·units, rows)."""
    blocks = [matrix[..., g * units : (g + 1) * units] for g in order]
    return np.concatenate(blocks, axis=-1).T


def _weights(cell: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kind, units = _KINDS[type(cell).__name__], cell.units
    order = _GATE_ORDER[kind]
    w = _reorder(cell.kernel.numpy(), order, units)[None]
    r = _reorder(cell.recurrent_kernel.numpy(), order, units)[None]
    gates = len(order)
    if cell.bias is None:
        bias = np.zeros((1, 2 * gates * units), w.dtype)
    else:
        raw = cell.bias.numpy()
        if raw.ndim == 2:  # GRU reset_after: input bias and recurrent bias
            wb, rb = raw[0], raw[1]
        else:
            wb, rb = raw, np.zeros_like(raw)
        wb = np.concatenate([wb[g * units : (g + 1) * units] for g in order])
        rb = np.concatenate([rb[g * units : (g + 1) * units] for g in order])
        bias = np.concatenate([wb, rb])[None]
    return w, r, bias


def _attributes(cell: Any) -> dict:
    kind = _KINDS[type(cell).__name__]
    if kind == "SimpleRNN":
        return {"activations": [_activation_name(cell, cell.activation)]}
    gate = _activation_name(cell, cell.recurrent_activation)
    act = _activation_name(cell, cell.activation)
    if kind == "LSTM":
        return {"activations": [gate, act, act]}
    return {"activations": [gate, act], "linear_before_reset": int(cell.reset_after)}


def _check(layer: Any) -> None:
    if layer.stateful:
        raise _unsupported(layer, "is stateful; export the model rebuilt with stateful=False")


def run_rnn(b: GraphBuilder, layer: Any, x_time_major: str, p: str, direction: str) -> list[str]:
    """The ONNX op of a one-cell recurrent layer on a time-major input: (Y, Y_h[, Y_c])."""
    _check(layer)
    (cell,) = _cells(layer)
    return _run_cell(b, cell, x_time_major, p, direction)


def _run_cell(b: GraphBuilder, cell: Any, x_time_major: str, p: str, direction: str) -> list:
    kind = _KINDS[type(cell).__name__]
    op_type = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}[kind]
    w, r, bias = _weights(cell)
    inputs = [x_time_major, b.const(w, f"{p}/W"), b.const(r, f"{p}/R"), b.const(bias, f"{p}/B")]
    n_out = 3 if kind == "LSTM" else 2
    return b.op(
        op_type,
        inputs,
        p,
        n_out=n_out,
        hidden_size=int(cell.units),
        direction=direction,
        **_attributes(cell),
    )


def _sequence_output(b: GraphBuilder, y: str, p: str, reverse: bool) -> str:
    """ONNX's Y (seq, 1, batch, units) → Keras's (batch, seq, units), time reversed if asked."""
    y = b.squeeze(y, [1], p)
    if reverse:
        y = b.slice(y, [-1], [np.iinfo(np.int64).min], [0], p, steps=[-1])
    return b.transpose(y, [1, 0, 2], p)


def _layer_outputs(
    b: GraphBuilder, layer: Any, outs: list[str], p: str, keras_reverse: bool
) -> list[str]:
    states = [b.squeeze(s, [0], p) for s in outs[1:]]
    if layer.return_sequences:
        main = _sequence_output(b, outs[0], p, keras_reverse)
    else:
        main = states[0]
    return [main] + states if layer.return_state else [main]


def recurrent(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    x = b.transpose(xs[0], [1, 0, 2], p)
    if len(_cells(layer)) > 1:
        return _stacked(b, layer, x, p)
    direction = "reverse" if layer.go_backwards else "forward"
    outs = run_rnn(b, layer, x, p, direction)
    # With go_backwards Keras returns the outputs in processing order (reversed).
    return _layer_outputs(b, layer, outs, p, keras_reverse=layer.go_backwards)


def _stacked(b: GraphBuilder, layer: Any, x: str, p: str) -> list[str]:
    """A stack of cells: one operator per cell, each reading the sequence of the one before;
    going backwards, the input is reversed once and every cell reads it in processing order."""
    _check(layer)
    if layer.go_backwards:
        x = b.slice(x, [-1], [np.iinfo(np.int64).min], [0], p, steps=[-1])
    states = []
    for i, cell in enumerate(_cells(layer)):
        outs = _run_cell(b, cell, x, f"{p}/cell_{i}", "forward")
        x = b.squeeze(outs[0], [1], p)
        states += [b.squeeze(s, [0], p) for s in outs[1:]]
    main = b.transpose(x, [1, 0, 2], p) if layer.return_sequences else states[-len(outs) + 1]
    return [main] + states if layer.return_state else [main]


def bidirectional(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    """Forward and backward layers as two ONNX ops; the backward outputs come out aligned with
    the forward ones (what Bidirectional does before merging)."""
    x = b.transpose(xs[0], [1, 0, 2], p)
    fwd = _layer_outputs(
        b,
        layer.forward_layer,
        run_rnn(b, layer.forward_layer, x, f"{p}/forward", "forward"),
        f"{p}/forward",
        keras_reverse=False,
    )
    bwd = _layer_outputs(
        b,
        layer.backward_layer,
        run_rnn(b, layer.backward_layer, x, f"{p}/backward", "reverse"),
        f"{p}/backward",
        keras_reverse=False,
    )
    mode = layer.merge_mode
    if mode is None:
        merged = [fwd[0], bwd[0]]
    elif mode == "concat":
        merged = [b.op("Concat", [fwd[0], bwd[0]], p, axis=-1)]
    elif mode == "sum":
        merged = [b.op("Add", [fwd[0], bwd[0]], p)]
    elif mode == "mul":
        merged = [b.op("Mul", [fwd[0], bwd[0]], p)]
    else:
        merged = [b.op("Mean", [fwd[0], bwd[0]], p)]
    return merged + fwd[1:] + bwd[1:]


def time_distributed(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    """Fold time into the batch, apply the inner layer, unfold."""
    from deepnum.onnx.exporter import convert_layer

    shape = shapes[0]
    if any(s is None for s in shape[1:]):
        raise _unsupported(layer, "needs a known number of time steps and feature sizes")
    inner_shape = (None,) + tuple(shape[2:])
    folded = b.reshape(xs[0], [-1] + [int(s) for s in shape[2:]], p)
    out = convert_layer(b, layer.layer, [folded], [inner_shape], f"{p}/{layer.layer.name}")
    out_shape = tuple(layer.layer.compute_output_shape(inner_shape))
    return [b.reshape(out[0], [-1, int(shape[1])] + [int(s) for s in out_shape[1:]], p)]
