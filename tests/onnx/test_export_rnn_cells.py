"""ONNX export of RNN over built-in cells (one operator per cell; stacks chain them), run in
onnxruntime against deepnum's outputs; cells ONNX has no operator for are refused by name."""

from __future__ import annotations

import pytest

import deepnum as dn
from deepnum import layers
from deepnum.onnx import UnsupportedLayerError, export
from tests.layers.rnn.test_rnn import minimal_cell
from tests.onnx.test_export import assert_exports, rand


@pytest.mark.parametrize("cell", ["SimpleRNNCell", "LSTMCell", "GRUCell"])
def test_rnn_over_a_cell(tmp_path, cell):
    make = getattr(layers, cell)
    inputs = dn.Input((6, 3))
    backwards = layers.RNN(make(4), go_backwards=True, return_sequences=True)(inputs)
    states = layers.RNN(make(3, activation="relu"), return_state=True)(inputs)
    both = layers.Bidirectional(layers.RNN(make(2)), merge_mode="concat")(backwards)
    outputs = [backwards, *states, both]
    assert_exports(tmp_path, dn.Model(inputs, outputs), rand(3, 6, 3), tol=1e-5)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_stacked_cells(tmp_path, go_backwards):
    inputs = dn.Input((5, 3))
    cells = [layers.LSTMCell(4), layers.GRUCell(3, reset_after=False), layers.SimpleRNNCell(2)]
    seq = layers.RNN(cells, return_sequences=True, go_backwards=go_backwards)(inputs)
    last, *states = layers.RNN([layers.GRUCell(3), layers.LSTMCell(2)], return_state=True)(seq)
    outputs = [seq, last, *dn.tree.flatten(states)]
    assert_exports(tmp_path, dn.Model(inputs, outputs), rand(2, 5, 3), tol=1e-5)


def test_custom_cells_are_refused_by_name(tmp_path):
    inputs = dn.Input((5, 3))
    outputs = layers.RNN([layers.LSTMCell(2), minimal_cell(dn)(2)], name="mixed")(inputs)
    with pytest.raises(UnsupportedLayerError, match=r'"mixed" \(RNN\) runs a MinimalRNNCell'):
        export(dn.Model(inputs, outputs), tmp_path / "m.onnx")
