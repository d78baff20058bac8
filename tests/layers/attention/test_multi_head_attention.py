"""MultiHeadAttention against Keras 3 (torch backend): outputs, input and weight gradients,
count_params and configs on many configurations; masks from Embedding(mask_zero=True);
symbolic shapes and summary; errors; float64 central differences and second order."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference
from tests.layers.attention.parity import compare_attention, keras

K = keras()
torch = reference("torch")
RNG = np.random.default_rng(0)


def data(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


Q, V, KEY = data(2, 5, 8), data(2, 6, 6), data(2, 6, 7)
MASK = RNG.random((2, 5, 6)) > 0.3
X4, Y4 = data(2, 3, 4, 5), data(2, 3, 2, 5)

# layer arguments, call inputs, call keywords
CASES = [
    ({"num_heads": 2, "key_dim": 4}, [Q, Q], {}),
    ({"num_heads": 2, "key_dim": 4, "value_dim": 3, "output_shape": 5}, [Q, V, KEY], {}),
    ({"num_heads": 3, "key_dim": 2, "use_bias": False}, [Q, V], {"use_causal_mask": True}),
    ({"num_heads": 2, "key_dim": 4, "use_gate": True}, [Q, V], {}),
    ({"num_heads": 2, "key_dim": 4}, [Q, V], {"return_attention_scores": True}),
    ({"num_heads": 2, "key_dim": 4, "sliding_window": 2}, [Q, Q], {"use_causal_mask": True}),
    ({"num_heads": 2, "key_dim": 4}, [Q, V], {"attention_mask": MASK}),
    ({"num_heads": 2, "key_dim": 4}, [Q, V], {"attention_mask": MASK, "use_causal_mask": True}),
    ({"num_heads": 2, "key_dim": 4, "dropout": 0.3}, [Q, V], {"attention_mask": MASK}),
    ({"num_heads": 2, "key_dim": 3, "attention_axes": (1, 2)}, [X4, Y4], {}),
    ({"num_heads": 2, "key_dim": 3, "output_shape": (2, 3)}, [X4, Y4], {}),
    ({"num_heads": 1, "key_dim": 8, "bias_initializer": "ones"}, [Q, V], {}),
]


@pytest.mark.parametrize("kwargs, inputs, call_kwargs", CASES)
def test_matches_keras(kwargs, inputs, call_kwargs):
    k_layer, d_layer = K.layers.MultiHeadAttention(**kwargs), layers.MultiHeadAttention(**kwargs)
    compare_attention(k_layer, d_layer, inputs, call_kwargs)
    shapes = [(None,) + x.shape[1:] for x in inputs]
    assert d_layer.compute_output_shape(*shapes) == k_layer.compute_output_shape(*shapes)


def masked_model(k, **mha_kwargs):
    tokens = k.Input((6,), dtype="int32")
    memory = k.Input((4, 5))
    x = k.layers.Embedding(20, 8, mask_zero=True)(tokens)
    x = k.layers.MultiHeadAttention(2, 4, name="self", **mha_kwargs)(x, x)
    x = k.layers.MultiHeadAttention(2, 3, value_dim=5, name="cross")(x, memory)
    return k.Model([tokens, memory], k.layers.GlobalAveragePooling1D()(x))


def test_masks_from_mask_zero_embedding_match_keras():
    tokens = RNG.integers(1, 20, (3, 6))
    tokens[0, 4:] = 0  # padding: masked as keys and as queries
    tokens[1, 1:] = 0
    memory = data(3, 4, 5)
    for causal in ({}, {"use_gate": True}):
        k_model, d_model = masked_model(K, **causal), masked_model(dn, **causal)
        d_model.set_weights(k_model.get_weights())
        want = np.asarray(k_model.predict([tokens, memory], verbose=0))
        np.testing.assert_allclose(d_model.predict([tokens, memory], verbose=0), want, atol=1e-5)
    x = dn.layers.Embedding(20, 8, mask_zero=True)(tokens)
    y = d_model.get_layer("self")(x, x)
    np.testing.assert_array_equal(y._keras_mask.numpy(), tokens != 0)
    assert x._keras_mask is None  # consumed by the layer, as in Keras


def test_symbolic_shapes_summary_and_scores():
    query, value = dn.Input((5, 8)), dn.Input((7, 6))
    mha = layers.MultiHeadAttention(4, 3, output_shape=10)
    out, scores = mha(query, value, return_attention_scores=True)
    assert out.shape == (None, 5, 10) and scores.shape == (None, 4, 5, 7)
    model = dn.Model([query, value], [out, scores])
    k_mha = K.layers.MultiHeadAttention(4, 3, output_shape=10)
    k_mha(K.Input((5, 8)), K.Input((7, 6)))
    assert model.count_params() == k_mha.count_params() == mha.count_params()
    y, s = model.predict([data(2, 5, 8), data(2, 7, 6)], verbose=0)
    assert y.shape == (2, 5, 10) and s.shape == (2, 4, 5, 7)
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-5)
    assert mha.get_build_config() == {
        "shapes_dict": {"query_shape": [None, 5, 8], "value_shape": [None, 7, 6]}
    }
    clone = layers.MultiHeadAttention.from_config(mha.get_config())
    clone.build_from_config(mha.get_build_config())
    assert [w.shape for w in clone.weights] == [w.shape for w in mha.weights]


def test_dropout_applies_in_training_only():
    mha = layers.MultiHeadAttention(2, 4, dropout=0.5, seed=1)
    x = dn.tensor(Q, requires_grad=True)
    inference = mha(x, x).numpy()
    np.testing.assert_array_equal(mha(x, x, training=False).numpy(), inference)
    trained = mha(x, x, training=True)
    assert not np.allclose(trained.numpy(), inference)
    trained.sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and np.abs(x.grad.numpy()).sum() > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_heads": 0, "key_dim": 4}, r"`num_heads` must be a positive integer"),
        ({"num_heads": 2, "key_dim": "4"}, r"`key_dim` must be a positive integer"),
        ({"num_heads": 2, "key_dim": 4, "value_dim": -1}, r"`value_dim`"),
        ({"num_heads": 2, "key_dim": 4, "dropout": 1.5}, r"`dropout` must be a number"),
        ({"num_heads": 2, "key_dim": 4, "output_shape": "x"}, r"`output_shape`"),
        ({"num_heads": 2, "key_dim": 4, "attention_axes": "x"}, r"`attention_axes`"),
        ({"num_heads": 2, "key_dim": 4, "sliding_window": 0}, r"`sliding_window`"),
        ({"num_heads": 2, "key_dim": 4, "dropout": 0.1, "flash_attention": True}, "flash"),
    ],
)
def test_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.MultiHeadAttention(**kwargs)


def test_call_errors_name_layer_shapes_and_fix():
    mha = layers.MultiHeadAttention(2, 4, name="mha")
    with pytest.raises(ValueError, match=r"needs both `query` and `value`.*layer\(x, x\)"):
        mha(Q)
    with pytest.raises(
        ValueError, match=r"same batch size.*query.shape=\(2, 5, 8\), value.shape=\(3, 6, 6\)"
    ):
        mha(Q, data(3, 6, 6))
    with pytest.raises(ValueError, match=r"key and value must agree.*value.shape"):
        mha(Q, V, data(2, 4, 7))
    mha(Q, V)
    with pytest.raises(ValueError, match=r"mha/query.*axis -1 .* value 8.*\(None, 5, 9\)"):
        mha(data(2, 5, 9), V)
    flash = layers.MultiHeadAttention(2, 4, flash_attention=True)
    with pytest.raises(ValueError, match="return_attention_scores=True is not supported"):
        flash(Q, V, return_attention_scores=True)


def test_float64_gradients_and_second_order_match_torch():
    """Double backward: ∇ₓ⟨∇ₓ⟨mha(x, x), r⟩, v⟩ in deepnum (the fused op) against torch's on
    Keras's layer (its explicit path: torch's fused CPU kernel has no double backward)."""
    kwargs = {"num_heads": 2, "key_dim": 3, "dtype": "float64", "use_gate": True}
    k_layer, d_layer = K.layers.MultiHeadAttention(**kwargs), layers.MultiHeadAttention(**kwargs)
    x = RNG.standard_normal((2, 4, 5))
    k_layer(torch.tensor(x), torch.tensor(x))
    d_layer(x, x)
    d_layer.set_weights(k_layer.get_weights())
    assert dn.check_grad(lambda t: d_layer(t, t, use_causal_mask=True), x) < 1e-6
    r, v = RNG.standard_normal(x.shape), RNG.standard_normal(x.shape)

    def inner(t):
        g = dn.grad(lambda u: (d_layer(u, u, use_causal_mask=True) * r).sum())(t)
        return (g * v).sum()

    ours = dn.grad(inner)(x).numpy()
    t = torch.tensor(x, requires_grad=True)
    y, _ = k_layer(t, t, use_causal_mask=True, return_attention_scores=True)
    (g,) = torch.autograd.grad((y * torch.tensor(r)).sum(), t, create_graph=True)
    (theirs,) = torch.autograd.grad((g * torch.tensor(v)).sum(), t)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-7, atol=1e-9)
