"""SimpleRNN, LSTM and GRU against Keras 3: outputs, gradients, shapes, parameter counts and
configs on the sequence options, masks and initial states; plus argument checks, stateful
layers, dropout and the functional API."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.layers.keras_parity import check_config_matches, keras
from tests.layers.recurrent_parity import compare_rnn, data, ragged_mask

K = keras()
CELLS = ["SimpleRNN", "LSTM", "GRU"]


def pair(cls: str, units: int = 4, **kwargs):
    return getattr(K.layers, cls)(units, **kwargs), getattr(layers, cls)(units, **kwargs)


OPTIONS = [
    {},
    {"return_sequences": True},
    {"return_state": True},
    {"go_backwards": True, "return_sequences": True},
    {"go_backwards": True, "return_state": True},
]


@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "default")
def test_matches_keras(cls, options):
    compare_rnn(*pair(cls, **options), data(3, 6, 5))


@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("options", OPTIONS[:4], ids=lambda o: "-".join(o) or "default")
def test_mask_matches_keras(cls, options):
    compare_rnn(*pair(cls, **options), data(3, 6, 5), mask=ragged_mask())


@pytest.mark.parametrize("cls", CELLS)
def test_initial_state_matches_keras(cls):
    n = 2 if cls == "LSTM" else 1
    states = [data(3, 4, seed=s + 1) for s in range(n)]
    k, d = pair(cls, return_sequences=True, return_state=True)
    compare_rnn(k, d, data(3, 6, 5), initial_state=states, mask=ragged_mask())


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        ("SimpleRNN", {"activation": "relu", "use_bias": False}),
        ("SimpleRNN", {"activation": "sigmoid"}),
        ("SimpleRNN", {"activation": "elu", "return_sequences": True}),  # composite path
        ("LSTM", {"unit_forget_bias": False, "bias_initializer": "ones"}),
        ("LSTM", {"use_bias": False, "return_sequences": True}),
        ("LSTM", {"activation": "relu", "recurrent_activation": "hard_sigmoid"}),
        ("GRU", {"reset_after": False, "return_sequences": True}),
        ("GRU", {"use_bias": False}),
        ("GRU", {"activation": "softsign"}),
    ],
)
def test_variants_match_keras(cls, kwargs):
    compare_rnn(*pair(cls, **kwargs), data(3, 6, 5), mask=ragged_mask())


def test_zero_output_for_mask_matches_keras():
    k, d = pair("LSTM", return_sequences=True, zero_output_for_mask=True)
    compare_rnn(k, d, data(3, 6, 5), mask=ragged_mask(), check_config=False)


def test_embedding_mask_zero_reaches_the_lstm():
    ids = np.array([[3, 5, 2, 0, 0], [0, 0, 4, 1, 7]])
    k_model = K.Sequential([K.layers.Embedding(10, 4, mask_zero=True), K.layers.LSTM(3)])
    d_model = dn.Sequential([layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3)])
    want = k_model(ids).detach().numpy()
    d_model(ids)
    d_model.set_weights(k_model.get_weights())
    np.testing.assert_allclose(d_model(ids).numpy(), want, atol=1e-6)
    seq = layers.LSTM(3, return_sequences=True)
    out = seq(layers.Embedding(10, 4, mask_zero=True)(ids))
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)


def test_regularizers_add_losses_like_keras():
    kwargs = {"kernel_regularizer": "l2", "recurrent_regularizer": "l1", "bias_regularizer": "l2"}
    k, d = pair("LSTM", **kwargs)
    compare_rnn(k, d, data(2, 4, 3))
    want = sorted(float(v.detach()) for v in k.losses)
    assert np.allclose(sorted(float(v.numpy()) for v in d.losses), want, rtol=1e-5)


def test_weight_layouts_and_defaults():
    lstm = layers.LSTM(8)
    lstm(data(2, 5, 3))
    assert [w.name for w in lstm.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [w.shape for w in lstm.get_weights()] == [(3, 32), (8, 32), (32,)]
    bias = lstm.bias.numpy()
    assert (bias[8:16] == 1).all() and not bias[:8].any() and not bias[16:].any()
    u = lstm.recurrent_kernel.numpy()
    np.testing.assert_allclose(u @ u.T, np.eye(8), atol=1e-5)  # orthogonal rows
    gru = layers.GRU(8, reset_after=False)
    gru(data(2, 5, 3))
    assert [w.shape for w in gru.get_weights()] == [(3, 24), (8, 24), (24,)]


@pytest.mark.parametrize("cls", CELLS)
def test_keras_config_builds_the_same_layer(cls):
    # Keras 3.15's GlorotUniform config has keys (input_axes) deepnum's initializers lack.
    k, d = pair(cls, return_sequences=True, dropout=0.25, kernel_initializer="random_normal")
    check_config_matches(k, d, from_keras=True)


def test_functional_shapes_match_keras():
    inputs = dn.Input((7, 5))
    y, h, c = layers.LSTM(4, return_sequences=True, return_state=True)(inputs)
    assert (y.shape, h.shape, c.shape) == ((None, 7, 4), (None, 4), (None, 4))
    out = layers.GRU(4)(y, initial_state=[h])
    model = dn.Model(inputs, out)
    assert model(data(2, 7, 5)).shape == (2, 4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0}, "units"),
        ({"units": 2.5}, "units"),
        ({"units": 4, "dropout": 1.0}, "dropout"),
        ({"units": 4, "recurrent_dropout": -0.1}, "recurrent_dropout"),
        ({"units": 4, "activation": "nope"}, "activation"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.LSTM(**kwargs)


def test_bad_inputs_raise_with_the_layer_name():
    with pytest.raises(ValueError, match="ndim=3"):
        layers.GRU(3, name="gru_x")(data(4, 5))
    lstm = layers.LSTM(3)
    lstm(data(2, 4, 5))
    with pytest.raises(ValueError, match="axis -1"):
        lstm(data(2, 4, 6))
    with pytest.raises(ValueError, match="initial state"):
        layers.LSTM(3)(data(2, 4, 5), initial_state=[np.zeros((2, 3), np.float32)])


def test_stateful_carries_states_between_calls():
    x = data(2, 6, 3)
    whole = layers.LSTM(4, return_sequences=True)
    full = whole(x).numpy()
    stateful = layers.LSTM(4, return_sequences=True, stateful=True)
    stateful(x[:, :3])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    parts = [stateful(x[:, :3]).numpy(), stateful(x[:, 3:]).numpy()]
    np.testing.assert_allclose(np.concatenate(parts, axis=1), full, atol=1e-6)
    with pytest.raises(ValueError, match="reset_states"):
        stateful(data(3, 2, 3))
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x[:, :3]).numpy(), parts[0], atol=1e-6)


@pytest.mark.parametrize("cls", CELLS)
def test_dropout_only_in_training_and_seeded(cls):
    x = data(4, 5, 3)
    layer = getattr(layers, cls)(4, dropout=0.5, recurrent_dropout=0.3, seed=1)
    infer = layer(x).numpy()
    np.testing.assert_array_equal(layer(x, training=False).numpy(), infer)
    a = layer(x, training=True)
    assert not np.allclose(a.numpy(), infer)
    a.sum().backward()
    assert layer.kernel.grad is not None and np.isfinite(layer.kernel.grad.numpy()).all()
    again = getattr(layers, cls)(4, dropout=0.5, recurrent_dropout=0.3, seed=1)
    again(x)
    again.set_weights(layer.get_weights())
    layer.cell._rng = np.random.default_rng(1)
    np.testing.assert_array_equal(again(x, training=True).numpy(), layer(x, training=True).numpy())


@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_recurrent_dropout_uses_keras_per_gate_masks(cls):
    """Keras's implementation-1 cells drop each gate's input and state with its own mask;
    injecting the same masks into both gives the same outputs and gradients."""
    x, units = data(3, 5, 4), 2
    gates = 4 if cls == "LSTM" else 3
    rng = np.random.default_rng(3)
    in_masks = (rng.random((gates, 3, 4)) > 0.3).astype(np.float32) / 0.7
    rec_masks = (rng.random((gates, 3, units)) > 0.4).astype(np.float32) / 0.6
    k, d = pair(cls, units, dropout=0.3, recurrent_dropout=0.4, return_sequences=True)
    k(x)
    d(x)
    d.set_weights(k.get_weights())
    # A cell reuses cached masks within a call: pre-set them (Keras clears them afterwards).
    k.cell._dropout_mask = [K.ops.convert_to_tensor(m) for m in in_masks]
    k.cell._recurrent_dropout_mask = [K.ops.convert_to_tensor(m) for m in rec_masks]
    want = k(x, training=True).detach().numpy()
    queue = [in_masks, rec_masks]
    d.cell._bernoulli = lambda xp, shape, rate, dtype: queue.pop(0)
    np.testing.assert_allclose(d(x, training=True).numpy(), want, atol=1e-5)


def test_long_sequence_backpropagates_without_recursion():
    layer = layers.SimpleRNN(3, return_sequences=True)
    x = dn.tensor(data(2, 1000, 2), requires_grad=True)
    layer(x).sum().backward()
    assert x.grad.shape == (2, 1000, 2) and np.isfinite(x.grad.numpy()).all()
