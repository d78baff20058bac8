"""Bidirectional and TimeDistributed against Keras 3: merge modes, states, masks, initial
states, weight order, shapes, configs and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.layers.keras_parity import compare_with_keras, keras
from tests.layers.recurrent_parity import compare_rnn, data, ragged_mask

K = keras()


def bidirectional(module, cls: str, merge_mode="concat", **kwargs):
    return module.layers.Bidirectional(getattr(module.layers, cls)(3, **kwargs), merge_mode)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_lstm_matches_keras(merge_mode, return_sequences):
    k = bidirectional(K, "LSTM", merge_mode, return_sequences=return_sequences)
    d = bidirectional(dn, "LSTM", merge_mode, return_sequences=return_sequences)
    compare_rnn(k, d, data(3, 6, 5), mask=ragged_mask())


@pytest.mark.parametrize("cls", ["GRU", "SimpleRNN"])
@pytest.mark.parametrize("options", [{}, {"return_sequences": True, "return_state": True}])
def test_bidirectional_gru_and_simple_rnn_match_keras(cls, options):
    compare_rnn(bidirectional(K, cls, **options), bidirectional(dn, cls, **options), data(3, 6, 5))


@pytest.mark.parametrize("merge_mode", ["concat", None])
def test_bidirectional_states_and_initial_state_match_keras(merge_mode):
    options = {"return_sequences": True, "return_state": True}
    k = bidirectional(K, "LSTM", merge_mode, **options)
    d = bidirectional(dn, "LSTM", merge_mode, **options)
    states = [data(3, 3, seed=s) for s in range(1, 5)]  # forward h, c, then backward h, c
    outs = compare_rnn(k, d, data(3, 6, 5), initial_state=states, mask=ragged_mask())
    assert len(outs) == (6 if merge_mode is None else 5)


def test_bidirectional_weight_order_names_and_fresh_copies():
    inner = layers.LSTM(4, name="enc")
    bi = layers.Bidirectional(inner)
    bi(data(2, 5, 3))
    assert [w.path for w in bi.weights] == [
        f"{side}_enc/lstm_cell/{name}"
        for side in ("forward", "backward")
        for name in ("kernel", "recurrent_kernel", "bias")
    ]
    assert not inner.built and bi.backward_layer.go_backwards
    assert bi.count_params() == 2 * (3 * 16 + 4 * 16 + 16)


def test_bidirectional_custom_backward_layer_matches_keras():
    def make(m):
        fwd = m.layers.GRU(3, return_sequences=True)
        bwd = m.layers.GRU(3, return_sequences=True, go_backwards=True, activation="relu")
        return m.layers.Bidirectional(fwd, backward_layer=bwd, merge_mode="sum")

    compare_rnn(make(K), make(dn), data(3, 5, 4), mask=ragged_mask(3, 5))


def test_bidirectional_passes_the_mask_on():
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    emb = layers.Embedding(5, 2, mask_zero=True)
    out = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True))(emb(ids))
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"layer": "lstm"}, "layer"),
        ({"layer": layers.LSTM(2), "merge_mode": "max"}, "merge_mode"),
        ({"layer": layers.LSTM(2), "backward_layer": layers.LSTM(2)}, "go_backwards"),
        (
            {
                "layer": layers.LSTM(2),
                "backward_layer": layers.LSTM(2, go_backwards=True, return_sequences=True),
            },
            "return_sequences",
        ),
    ],
)
def test_bidirectional_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.Bidirectional(**kwargs)


def test_bidirectional_config_round_trip_and_stateful_reset():
    bi = layers.Bidirectional(layers.GRU(2, stateful=True, return_sequences=True), "ave")
    x = data(2, 4, 3)
    first = bi(x).numpy()
    assert not np.allclose(bi(x).numpy(), first)  # the states were carried over
    bi.reset_states()
    np.testing.assert_allclose(bi(x).numpy(), first, atol=1e-6)
    clone = layers.Bidirectional.from_config(bi.get_config())
    assert clone.get_config() == bi.get_config()
    with pytest.raises(AttributeError, match="stateful"):
        layers.Bidirectional(layers.GRU(2)).reset_states()


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)])
def test_time_distributed_dense_matches_keras(shape):
    k = K.layers.TimeDistributed(K.layers.Dense(2, activation="tanh"))
    d = layers.TimeDistributed(layers.Dense(2, activation="tanh"))
    compare_with_keras(k, d, data(*shape))


def test_time_distributed_lstm_matches_keras():
    k = K.layers.TimeDistributed(K.layers.LSTM(3, go_backwards=True))
    d = layers.TimeDistributed(layers.LSTM(3, go_backwards=True))
    compare_rnn(k, d, data(2, 4, 5, 3))


def test_time_distributed_in_a_model_with_an_lstm():
    def make(m):
        return m.Sequential(
            [
                m.Input((6, 5)),
                m.layers.LSTM(4, return_sequences=True),
                m.layers.TimeDistributed(m.layers.Dense(3)),
            ]
        )

    k, d = make(K), make(dn)
    d.set_weights(k.get_weights())
    x = data(2, 6, 5)
    np.testing.assert_allclose(d(x).numpy(), k(x).detach().numpy(), atol=1e-5)
    assert d.count_params() == k.count_params()


def test_time_distributed_checks_rank_and_mask():
    td = layers.TimeDistributed(layers.Dense(2))
    with pytest.raises(ValueError, match="rank"):
        td(data(3, 4))
    with pytest.raises(ValueError, match="mask"):
        td(data(3, 4, 5), mask=np.ones((3, 5), bool))
    ids = np.array([[1, 0], [2, 3]])
    out = td(layers.Embedding(4, 5, mask_zero=True)(ids))
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)
    clone = layers.TimeDistributed.from_config(td.get_config())
    assert clone.get_config() == td.get_config()
