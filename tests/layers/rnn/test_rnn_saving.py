"""Recurrent models move both ways between Keras 3 and deepnum in .keras files: the same HDF5
layout (cells under ``<layer>/cell``, stacks under ``cell/cells``), the same predictions;
summaries list the same parameter counts."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference
from tests.layers.rnn.test_rnn import minimal_cell, two_state_cell
from tests.saving.test_keras_interop import assert_same_predictions, h5_tree

keras = reference("keras")


def cells_model(m):
    inputs = m.Input((6, 5))
    h = m.layers.RNN(m.layers.LSTMCell(4), return_sequences=True)(inputs)
    h = m.layers.RNN([m.layers.GRUCell(3), m.layers.SimpleRNNCell(2)], return_sequences=True)(h)
    h = m.layers.Bidirectional(m.layers.RNN(m.layers.GRUCell(2, reset_after=False)))(h)
    return m.Model(inputs, m.layers.Dense(1)(h))


def custom_cell_model(m):
    cell = m.saving.register_keras_serializable(package="rnn_saving")(minimal_cell(m))
    return m.Sequential([m.Input((6, 5)), m.layers.RNN(cell(3), go_backwards=True)])


def two_state_cell_model(m):
    """A user-written cell with two states of different sizes (Keras 3's RNN takes a list of
    state sizes, not the nested inputs and shaped states of the guide's NestedCell)."""
    cell = m.saving.register_keras_serializable(package="rnn_saving")(two_state_cell(m))
    return m.Sequential([m.Input((6, 5)), m.layers.RNN(cell(), return_sequences=True)])


def layers_model(m):
    return m.Sequential(
        [m.Input((6, 5)), m.layers.LSTM(3, return_sequences=True), m.layers.SimpleRNN(2)]
    )


def conv_lstm_model(m):
    return m.Sequential(
        [
            m.Input((6, 5)),
            m.layers.Reshape((3, 5, 2, 1)),
            m.layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True),
            m.layers.Reshape((3, 1, 5, 2, 2)),
            m.layers.ConvLSTM3D(2, (2, 1, 1), data_format="channels_first"),
        ]
    )


MODELS = {
    "cells": cells_model,
    "custom_cell": custom_cell_model,
    "two_state_cell": two_state_cell_model,
    "layers": layers_model,
    "conv_lstm": conv_lstm_model,
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_recurrent_models_move_both_ways(tmp_path, name):
    x = np.random.default_rng(0).standard_normal((2, 6, 5)).astype(np.float32)
    k_model, d_model = MODELS[name](keras), MODELS[name](dn)
    k_model.save(tmp_path / "keras.keras")
    d_model.save(tmp_path / "deepnum.keras")
    assert h5_tree(tmp_path / "keras.keras") == h5_tree(tmp_path / "deepnum.keras")
    assert_same_predictions(k_model, dn.models.load_model(tmp_path / "keras.keras"), x)
    assert_same_predictions(d_model, keras.saving.load_model(tmp_path / "deepnum.keras"), x)


def summary_rows(model, capsys) -> list[list[str]]:
    """(layer type, output shape, parameter count) of each row of ``model.summary()`` (the
    generated layer names depend on what was built before)."""
    capsys.readouterr()
    model.summary()
    lines = capsys.readouterr().out.splitlines()
    rows = [[c.strip() for c in line.split("│")[1:4]] for line in lines if line.startswith("│")]
    return [[name.split(" ")[-1], shape, params] for name, shape, params in rows]


def test_summary_matches_keras(capsys):
    assert summary_rows(cells_model(dn), capsys) == summary_rows(cells_model(keras), capsys)
