"""Attention (dot and concat scores) and AdditiveAttention against Keras 3: outputs, gradients,
masks, causal masking, scores, configs; list-of-inputs errors; symbolic shapes."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.layers.attention.parity import compare_attention, keras

K = keras()
RNG = np.random.default_rng(0)


def data(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


Q, V, KEY = data(2, 5, 4), data(2, 6, 4), data(2, 6, 4)
Q_MASK, V_MASK = RNG.random((2, 5)) > 0.3, RNG.random((2, 6)) > 0.3
V_MASK[:, 0] = True
CALLS = [
    ([Q, V], {}),
    ([Q, V, KEY], {"mask": [Q_MASK, V_MASK]}),
    ([Q, Q], {"use_causal_mask": True, "return_attention_scores": True}),
    ([Q, V], {"mask": [None, V_MASK], "return_attention_scores": True}),
]
LAYERS = [
    ("Attention", {"use_scale": True}),
    ("Attention", {}),
    ("Attention", {"use_scale": True, "score_mode": "concat"}),
    ("AdditiveAttention", {}),
    ("AdditiveAttention", {"use_scale": False}),
]


@pytest.mark.parametrize("name, kwargs", LAYERS)
@pytest.mark.parametrize("inputs, call_kwargs", CALLS)
def test_matches_keras(name, kwargs, inputs, call_kwargs):
    k_layer, d_layer = getattr(K.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    compare_attention(k_layer, d_layer, inputs, call_kwargs, as_list=True)
    shapes = [(None,) + x.shape[1:] for x in inputs]
    assert d_layer.compute_output_shape(shapes) == k_layer.compute_output_shape(shapes)


def test_output_mask_is_the_query_mask_and_dropout_trains():
    layer = layers.Attention(dropout=0.5, seed=3)
    out = layer([Q, V], mask=[Q_MASK, V_MASK])
    np.testing.assert_array_equal(out._keras_mask, Q_MASK)
    np.testing.assert_array_equal(out.numpy()[~Q_MASK], 0.0)
    q = dn.tensor(Q, requires_grad=True)
    trained = layer([q, V], training=True)
    assert not np.allclose(trained.numpy(), layer([Q, V]).numpy())
    trained.sum().backward()
    assert np.isfinite(q.grad.numpy()).all()


def test_symbolic_scores_shape():
    query, value = dn.Input((5, 4)), dn.Input((7, 4))
    out, scores = layers.AdditiveAttention()([query, value], return_attention_scores=True)
    assert out.shape == (None, 5, 4) and scores.shape == (None, 5, 7)


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda layer: layer(Q),
            r"must be called on a list \[query, value\].*single tensor of shape \(None, 5, 4\)",
        ),
        (lambda layer: layer([Q]), r"received a list of 1"),
        (lambda layer: layer([Q, V], mask=Q_MASK), r"`mask` must be a list"),
    ],
)
def test_errors_show_the_expected_call(call, match):
    with pytest.raises(ValueError, match=match):
        call(layers.Attention())


def test_rejects_unknown_score_mode():
    with pytest.raises(ValueError, match=r"`score_mode` must be 'dot' or 'concat'"):
        layers.Attention(score_mode="add")
