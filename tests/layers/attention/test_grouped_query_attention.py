"""GroupQueryAttention against Keras 3 (torch backend): outputs, gradients, count_params and
configs; the fused path never repeats the key/value heads; errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from deepnum.layers.serialization import deserialize, serialize
from tests.layers.attention.parity import compare_attention, keras

K = keras()
RNG = np.random.default_rng(0)


def data(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


X, Y = data(2, 5, 8), data(2, 6, 8)
GQA = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}

CASES = [
    ({"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2}, [X, Y], {}),
    ({**GQA, "num_key_value_heads": 1, "use_bias": False}, [X, X], {"use_causal_mask": True}),
    ({**GQA, "num_key_value_heads": 4, "use_gate": True}, [X, Y, data(2, 6, 3)], {}),
    (GQA, [X, Y], {"return_attention_scores": True}),
    ({**GQA, "sliding_window": 2}, [X, X], {"attention_mask": RNG.random((2, 5, 5)) > 0.2}),
    ({**GQA, "dropout": 0.2}, [X, Y], {"use_causal_mask": True}),
]


@pytest.mark.parametrize("kwargs, inputs, call_kwargs", CASES)
def test_matches_keras(kwargs, inputs, call_kwargs):
    k_layer, d_layer = K.layers.GroupQueryAttention(**kwargs), layers.GroupQueryAttention(**kwargs)
    compare_attention(k_layer, d_layer, inputs, call_kwargs)
    shapes = [(None,) + x.shape[1:] for x in inputs]
    assert d_layer.compute_output_shape(*shapes) == k_layer.compute_output_shape(*shapes)


def test_class_name_and_masks_from_inputs():
    assert layers.GroupQueryAttention.__name__ == "GroupedQueryAttention"  # as Keras's class
    assert layers.GroupQueryAttention(**GQA).name.startswith("grouped_query_attention")
    config = serialize(layers.GroupQueryAttention(**GQA))
    assert config["class_name"] == "GroupQueryAttention"  # as Keras writes it
    assert type(deserialize(config)) is layers.GroupQueryAttention
    tokens = RNG.integers(1, 9, (2, 5))
    tokens[0, 3:] = 0

    def model(k):
        inputs = k.Input((5,), dtype="int32")
        x = k.layers.Embedding(9, 8, mask_zero=True)(inputs)
        return k.Model(inputs, k.layers.GroupQueryAttention(**GQA)(x, x))

    k_model, d_model = model(K), model(dn)
    d_model.set_weights(k_model.get_weights())
    want = np.asarray(k_model.predict(tokens, verbose=0))
    np.testing.assert_allclose(d_model.predict(tokens, verbose=0), want, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({**GQA, "num_key_value_heads": 3}, "must be divisible by `num_key_value_heads`"),
        ({**GQA, "head_dim": 0}, "`head_dim` must be a positive integer"),
        ({**GQA, "dropout": -0.1}, "`dropout` must be a number"),
    ],
)
def test_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.GroupQueryAttention(**kwargs)


def test_output_shape_needs_equal_feature_sizes():
    layer = layers.GroupQueryAttention(**GQA)
    with pytest.raises(ValueError, match=r"last axis of `query` and `value` must be equal"):
        layer.compute_output_shape((None, 5, 8), (None, 6, 4))
