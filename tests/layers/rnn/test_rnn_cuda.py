"""The recurrent layers on CuPy arrays give the NumPy results, gradients included (skipped
without a CUDA device)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from deepnum.backend import cupy_available
from tests.layers.recurrent_parity import data, ragged_mask
from tests.layers.rnn.test_rnn import minimal_cell

pytestmark = pytest.mark.skipif(not cupy_available(), reason="needs CuPy and a CUDA device")

LAYERS = {
    "lstm_cell": lambda: layers.RNN(layers.LSTMCell(4), return_sequences=True),
    "stack_backwards": lambda: layers.RNN(
        [layers.GRUCell(3), layers.SimpleRNNCell(2)], go_backwards=True, return_state=True
    ),
    "custom_cell": lambda: layers.RNN(minimal_cell(dn)(3), zero_output_for_mask=True),
    "conv_lstm": lambda: layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True),
    "conv_lstm_first": lambda: layers.ConvLSTM1D(2, 3, data_format="channels_first"),
}
INPUTS = {"conv_lstm": (3, 6, 4, 4, 2), "conv_lstm_first": (3, 6, 2, 5)}


def run(layer, x, mask, training=False):
    xt = dn.tensor(x, requires_grad=True)
    for w in layer.weights:
        w.grad = None
    outs = layer(xt, mask=mask, training=training)
    outs = dn.tree.flatten(outs)
    sum((o * (i + 1.0)).sum() for i, o in enumerate(outs)).backward()
    grads = [xt.grad] + [w.grad for w in layer.weights]
    return [dn.backend.to_numpy(t.data) for t in outs + grads]


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_cuda_equals_cpu(name):
    layer = LAYERS[name]()
    x, mask = data(*INPUTS.get(name, (3, 6, 5))), ragged_mask(3, 6)
    cpu = run(layer, x, mask)
    layer.to("cuda")
    gpu = run(layer, dn.backend.to_device(x, "cuda"), dn.backend.to_device(mask, "cuda"))
    for a, b in zip(gpu, cpu):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_dropout_on_cuda_trains():
    model = dn.Sequential(
        [
            dn.Input((4, 6, 6, 1)),
            layers.ConvLSTM2D(2, 3, padding="same", dropout=0.2, recurrent_dropout=0.2),
            layers.Flatten(),
            layers.Dense(1),
        ]
    ).to("cuda")
    model.compile(optimizer="adam", loss="mse")
    x = data(8, 4, 6, 6, 1)
    history = model.fit(x, x.mean(axis=(1, 2, 3)), epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
