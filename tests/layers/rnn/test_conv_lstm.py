"""ConvLSTM1D/2D/3D against Keras 3: outputs, gradients (inputs, initial states, weights),
shapes, parameter counts and configs over the convolution and sequence options, masks and
dropout; the whole-sequence path against the cell's step; errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from deepnum.layers.rnn.conv_lstm_cell import ConvLSTMCell
from tests.layers.keras_parity import check_config_matches, keras
from tests.layers.recurrent_parity import compare_rnn, data, ragged_mask

K = keras()
FRAMES = {1: (7, 2), 2: (5, 4, 2), 3: (4, 3, 3, 2)}  # per rank: spatial axes, then channels


def pair(rank, filters=3, kernel_size=3, **kwargs):
    name = f"ConvLSTM{rank}D"
    make = (getattr(m.layers, name)(filters, kernel_size, **kwargs) for m in (K, dn))
    return tuple(make)


def frames(rank, batch=3, steps=4, channels_first=False, seed=0):
    shape = FRAMES[rank]
    if channels_first:
        shape = shape[-1:] + shape[:-1]
    return data(batch, steps, *shape, seed=seed)


CASES = [
    (2, {}),
    (2, {"padding": "same", "return_sequences": True, "return_state": True}),
    (2, {"strides": 2, "go_backwards": True, "return_sequences": True}),
    (2, {"dilation_rate": (2, 1), "activation": "relu", "use_bias": False}),
    (2, {"kernel_size": (2, 3), "padding": "same", "unit_forget_bias": False}),
    (2, {"data_format": "channels_first", "padding": "same", "return_state": True}),
    (1, {"padding": "same", "return_sequences": True}),
    (1, {"strides": 2, "return_state": True, "go_backwards": True}),
    (3, {"padding": "same", "return_sequences": True}),
    (3, {"kernel_size": 2, "return_state": True}),
]


@pytest.mark.parametrize("rank, kwargs", CASES, ids=lambda v: str(v))
def test_matches_keras(rank, kwargs):
    k, d = pair(rank, **kwargs)
    x = frames(rank, channels_first=kwargs.get("data_format") == "channels_first")
    compare_rnn(k, d, x, mask=ragged_mask(3, 4), atol=2e-5, grad_atol=2e-4)


def test_initial_state_matches_keras():
    k, d = pair(2, padding="same", return_sequences=True, return_state=True)
    states = [data(3, 5, 4, 3, seed=1), data(3, 5, 4, 3, seed=2)]
    compare_rnn(k, d, frames(2), initial_state=states, atol=2e-5, grad_atol=2e-4)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_dropout_uses_keras_per_gate_masks(data_format):
    """Keras's ConvLSTM cell drops each gate's input and state with its own mask; the same
    masks in both give the same outputs."""
    k, d = pair(2, padding="same", dropout=0.3, recurrent_dropout=0.4, data_format=data_format)
    channels_first = data_format == "channels_first"
    x = frames(2, channels_first=channels_first)
    k(x)
    d(x)
    d.set_weights(k.get_weights())
    rng = np.random.default_rng(3)
    state_shape = (4, 3, 3, 5, 4) if channels_first else (4, 3, 5, 4, 3)
    in_masks = (rng.random((4, *x[:, 0].shape)) > 0.3).astype(np.float32) / 0.7
    rec_masks = (rng.random(state_shape) > 0.4).astype(np.float32) / 0.6
    k.cell._dropout_mask = [K.ops.convert_to_tensor(m) for m in in_masks]
    k.cell._recurrent_dropout_mask = [K.ops.convert_to_tensor(m) for m in rec_masks]
    want = k(x, training=True).detach().numpy()
    queue = [in_masks, rec_masks]
    d.cell._bernoulli = lambda xp, shape, rate, dtype: queue.pop(0)
    np.testing.assert_allclose(d(x, training=True).numpy(), want, atol=2e-5)
    assert not queue and d.cell._dropout_mask is None  # masks are per call


@pytest.mark.parametrize(
    "kwargs",
    [
        {"return_sequences": True, "padding": "same"},
        {"return_state": True, "go_backwards": True, "strides": 2},
        {"return_sequences": True, "data_format": "channels_first", "dropout": 0.2,
         "recurrent_dropout": 0.3},
    ],
)  # fmt: skip
def test_sequence_path_equals_the_cells_step(kwargs):
    """RNN over a subclass of the cell runs the cell's step in the loop: the numbers of the
    layer's path, which convolves all inputs before the loop, gradients included."""
    layer = layers.ConvLSTM2D(3, 3, seed=2, **kwargs)
    options = {k: v for k, v in kwargs.items() if k in ("return_sequences", "return_state")}
    options["go_backwards"] = kwargs.get("go_backwards", False)
    cell_args = {k: v for k, v in kwargs.items() if k not in options}
    step_cell = type("StepCell", (ConvLSTMCell,), {})(2, 3, 3, seed=2, **cell_args)
    loop = layers.RNN(step_cell, **options)
    x = dn.tensor(frames(2, channels_first="data_format" in kwargs), requires_grad=True)
    layer(x)
    loop(x)
    loop.set_weights(layer.get_weights())
    results = []
    for rnn in (layer, loop):
        rnn.cell._rng = np.random.default_rng(7)
        y = rnn(x, mask=ragged_mask(3, 4), training=True)
        y = y if isinstance(y, tuple) else (y,)
        sum((t * (i + 1.0)).sum() for i, t in enumerate(y)).backward()
        grads = [w.grad.numpy() for w in rnn.weights]
        results.append([t.numpy() for t in y] + [x.grad.numpy()] + grads)
        x.grad = None
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_gradients_match_numerical_differentiation():
    dn.config.set_floatx("float64")
    layer = layers.ConvLSTM1D(2, 2, padding="same", return_sequences=True)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2))
    assert dn.check_grad(lambda t: (layer(t) ** 2).sum(), x) < 1e-7


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_configs_and_shapes_match_keras(rank):
    k, d = pair(rank, 2, strides=2, dropout=0.1, seed=4, return_state=True, go_backwards=True)
    check_config_matches(k, d, from_keras=True)
    shape = (None, None, *FRAMES[rank])
    assert d.compute_output_shape(shape) == tuple(k.compute_output_shape(shape))
    outs = d(dn.Input(shape[1:]))
    assert [tuple(o.shape) for o in outs] == [tuple(s) for s in k.compute_output_shape(shape)]


def test_next_layer_sees_the_mask_and_states_have_no_mask():
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    x = np.ones((2, 3, 4, 4, 1), np.float32)
    mask = ids != 0
    y, h, c = layers.ConvLSTM2D(2, 3, return_sequences=True, return_state=True)(x, mask=mask)
    np.testing.assert_array_equal(np.asarray(y._keras_mask), mask)
    assert getattr(h, "_keras_mask", None) is None and getattr(c, "_keras_mask", None) is None


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.ConvLSTM2D(0, 3), "ConvLSTM2D: argument `filters`"),
        (lambda: layers.ConvLSTM2D(2, (3, 3, 3)), "ConvLSTM2D: .*kernel_size"),
        (lambda: layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2), "dilation_rate"),
        (lambda: layers.ConvLSTM3D(2, 3, padding="causal"), "padding"),
        (lambda: layers.ConvLSTM1D(2, 3, recurrent_dropout=1.5), "recurrent_dropout"),
        (lambda: layers.ConvLSTM2D(2, 3)(np.ones((2, 3, 5, 5), "f4")), "ndim=5"),
        (lambda: layers.ConvLSTM2D(2, 3)(dn.Input((None, None, 5, 1))), "spatial and channel"),
        (lambda: layers.ConvLSTM2D(2, 5)(np.ones((1, 2, 3, 3, 1), "f4")), "padding='same'"),
    ],
)
def test_bad_arguments_and_inputs_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_initial_states_and_channels_raise():
    layer = layers.ConvLSTM2D(2, 3)
    layer(np.ones((1, 2, 5, 5, 1), "f4"))
    with pytest.raises(ValueError, match="expects 2 initial state"):
        layer(np.ones((1, 2, 5, 5, 1), "f4"), initial_state=[np.zeros((1, 3, 3, 2), "f4")])
    with pytest.raises(ValueError, match="axis -1"):
        layer(np.ones((1, 2, 5, 5, 3), "f4"))


def test_bidirectional_conv_lstm_matches_keras():
    k, d = (
        m.layers.Bidirectional(m.layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True))
        for m in (K, dn)
    )
    compare_rnn(k, d, data(3, 5, 4, 4, 1), mask=ragged_mask(3, 5), atol=2e-5, grad_atol=2e-4)
