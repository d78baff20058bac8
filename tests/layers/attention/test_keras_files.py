"""Attention layers move through .keras files both ways between Keras 3 and deepnum: the same
HDF5 layout (sub-layer paths such as ``query_dense`` and ``_softmax``), the same predictions."""

from __future__ import annotations

import numpy as np

import deepnum as dn
from tests.layers.attention.parity import keras
from tests.saving.test_keras_interop import h5_tree

K = keras()


def build(k):
    tokens = k.Input((6,), dtype="int32")
    memory = k.Input((4, 8))
    x = k.layers.Embedding(30, 8, mask_zero=True)(tokens)
    x = k.layers.MultiHeadAttention(2, 4, use_gate=True, dropout=0.1, name="self")(
        x, x, use_causal_mask=True
    )
    x, scores = k.layers.MultiHeadAttention(2, 3, value_dim=5, output_shape=8, name="cross")(
        x, memory, return_attention_scores=True
    )
    x = k.layers.GroupQueryAttention(2, 4, 2, name="gqa")(x, memory)
    x = k.layers.Attention(use_scale=True, score_mode="concat")([x, memory])
    x = k.layers.AdditiveAttention()([x, memory, memory])
    x = k.layers.EinsumDense("abc,cd->abd", (None, 3), bias_axes="d")(x)
    return k.Model([tokens, memory], [k.layers.GlobalAveragePooling1D()(x), scores])


def test_models_with_every_attention_layer_move_both_ways(tmp_path):
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 30, (3, 6))
    tokens[0, 4:] = 0
    inputs = [tokens, rng.standard_normal((3, 4, 8)).astype("float32")]
    k_model, d_model = build(K), build(dn)
    d_model.set_weights(k_model.get_weights())
    assert d_model.count_params() == k_model.count_params()
    k_model.save(tmp_path / "keras.keras")
    d_model.save(tmp_path / "deepnum.keras")
    assert h5_tree(tmp_path / "keras.keras") == h5_tree(tmp_path / "deepnum.keras")
    want = [np.asarray(y) for y in k_model.predict(inputs, verbose=0)]
    for model in (
        d_model,
        dn.models.load_model(tmp_path / "keras.keras"),
        K.saving.load_model(tmp_path / "deepnum.keras"),
    ):
        got = model.predict(inputs, verbose=0)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(np.asarray(a), b, atol=2e-5)
