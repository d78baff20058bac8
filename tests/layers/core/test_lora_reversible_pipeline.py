"""LoRA on Dense and Embedding, ReversibleEmbedding and Pipeline against Keras 3 (torch
backend): outputs, gradients, weight order, trainable weights, configs, symbolic shapes, files
moving both ways; Keras's signatures of the edited core layers; errors."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference
from tests.layers.interop import assert_moves_both_ways
from tests.layers.keras_parity import (
    check_config_matches,
    compare_with_keras,
    dn_run,
    keras,
    keras_run,
)

K = keras()
torch = reference("torch")


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def randomize(k_layer) -> None:
    """Non-zero weights everywhere (LoRA's B starts at zero, which would hide A)."""
    k_layer.set_weights([data(*w.shape, seed=i) for i, w in enumerate(k_layer.get_weights())])


IDS = np.array([[1, 2, 0], [5, 9, 2]])


@pytest.mark.parametrize(
    "make, build, x",
    [
        (lambda lib: lib.layers.Dense(3, lora_rank=2), (None, 4), data(3, 4)),
        (lambda lib: lib.layers.Dense(3, lora_rank=2, lora_alpha=8.0), (None, 4), data(3, 4)),
        (lambda lib: lib.layers.Embedding(10, 4, lora_rank=3), (None, 3), IDS),
    ],
)
def test_lora_from_the_constructor_matches_keras(make, build, x):
    k_layer, d_layer = make(K), make(dn)
    k_layer.build(build)
    randomize(k_layer)
    compare_with_keras(k_layer, d_layer, x)
    check_config_matches(k_layer, d_layer, from_keras=True)
    assert [w.name for w in d_layer.weights] == [w.name for w in k_layer.weights]
    assert [w.name for w in d_layer.trainable_weights] == [
        w.name for w in k_layer.trainable_weights
    ]


def test_enable_lora_with_alpha_matches_keras_and_trains_only_the_update():
    k_layer, d_layer = K.layers.Dense(3, activation="tanh"), layers.Dense(3, activation="tanh")
    for layer in (k_layer, d_layer):
        layer.build((None, 4))
        layer.enable_lora(2, lora_alpha=6.0, a_initializer="ones", b_initializer="ones")
    randomize(k_layer)
    compare_with_keras(k_layer, d_layer, data(5, 4))
    assert d_layer.get_config()["lora_alpha"] == k_layer.get_config()["lora_alpha"] == 6.0
    model = dn.Sequential([dn.Input((4,)), d_layer])
    model.compile(optimizer="sgd", loss="mse")
    kernel = d_layer.kernel.numpy().copy()
    a = d_layer.lora_kernel_a.numpy().copy()
    model.fit(data(8, 4), data(8, 3, seed=1), epochs=1, verbose=0)
    np.testing.assert_array_equal(d_layer.kernel.numpy(), kernel)
    assert not np.allclose(d_layer.lora_kernel_a.numpy(), a)


def test_embedding_enable_lora_matches_keras():
    k_layer, d_layer = K.layers.Embedding(10, 4), layers.Embedding(10, 4)
    for layer in (k_layer, d_layer):
        layer.build((None, 3))
        layer.enable_lora(3, lora_alpha=1.5)
    randomize(k_layer)
    compare_with_keras(k_layer, d_layer, IDS)


def test_lora_errors_and_quantization():
    with pytest.raises(ValueError, match=r'Dense "d": cannot enable LoRA .* not built'):
        layers.Dense(2, name="d").enable_lora(2)
    dense = layers.Dense(2, kernel_constraint="non_neg")
    dense.build((None, 3))
    with pytest.raises(ValueError, match=r"LoRA is incompatible with kernel constraints"):
        dense.enable_lora(2)
    embedding = layers.Embedding(5, 2, lora_rank=1)
    embedding.build((None, 2))
    with pytest.raises(ValueError, match=r"LoRA is already enabled"):
        embedding.enable_lora(1)
    with pytest.raises(ValueError, match=r"`lora_rank` must be a positive integer"):
        layers.Dense(2, lora_rank=0)
    with pytest.raises(NotImplementedError, match=r"`quantization_config`.*leave it at"):
        layers.Dense(2, quantization_config={"mode": "int8"})
    with pytest.raises(NotImplementedError, match=r"Embedding: argument `quantization_config`"):
        layers.Embedding(3, 2, quantization_config="int4")


def test_embedding_keyword_arguments_of_keras():
    layer = layers.Embedding(10, 3, input_length=7, activity_regularizer="l2")
    layer(IDS)
    assert len(layer.losses) == 1 and layer.get_config()["activity_regularizer"] is not None


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"tie_weights": False}, {"logit_soft_cap": 2.0, "mask_zero": True},
     {"reverse_dtype": "float64"}],
    ids=str,
)  # fmt: skip
def test_reversible_embedding_matches_keras(kwargs):
    k_layer = K.layers.ReversibleEmbedding(10, 4, **kwargs)
    d_layer = layers.ReversibleEmbedding(10, 4, **kwargs)
    compare_with_keras(k_layer, d_layer, IDS)
    check_config_matches(k_layer, d_layer, from_keras=True)
    hidden = data(2, 3, 4)
    compare_with_keras(
        k_layer, d_layer, hidden, call_kwargs={"reverse": True}, check_config=False, atol=1e-5
    )
    mask = getattr(d_layer(IDS), "_keras_mask", None)
    assert (mask is not None) == kwargs.get("mask_zero", False)
    assert getattr(d_layer(hidden, reverse=True), "_keras_mask", None) is None


def test_reversible_embedding_symbolic_shapes_and_lora():
    inputs = dn.Input((3,), dtype="int32")
    embedding = layers.ReversibleEmbedding(10, 4)
    hidden = embedding(inputs)
    logits = embedding(layers.Dense(4)(hidden), reverse=True)
    assert hidden.shape == (None, 3, 4) and logits.shape == (None, 3, 10)
    assert embedding.compute_output_shape((None, 3, 4), reverse=True) == (None, 3, 10)
    k_layer, d_layer = K.layers.ReversibleEmbedding(10, 4), layers.ReversibleEmbedding(10, 4)
    for layer in (k_layer, d_layer):
        layer.build((None, 3))
        layer.enable_lora(2)
    randomize(k_layer)
    compare_with_keras(k_layer, d_layer, data(2, 3, 4), call_kwargs={"reverse": True})


def language_model(k):
    inputs = k.Input((5,), dtype="int32")
    tied = k.layers.ReversibleEmbedding(12, 4)
    free = k.layers.ReversibleEmbedding(12, 4, tie_weights=False, logit_soft_cap=3.0)
    h = k.layers.Dense(4, activation="tanh")(tied(inputs))
    return k.Model(inputs, [tied(h, reverse=True), free(free(inputs), reverse=True)])


def test_reversible_embedding_model_moves_both_ways(tmp_path):
    ids = np.random.default_rng(0).integers(0, 12, (3, 5)).astype("int32")
    assert_moves_both_ways(tmp_path, language_model, ids)


def test_pipeline_applies_layers_in_order_like_keras():
    def make(lib):
        return lib.layers.Pipeline(
            [lib.layers.Dense(3), lib.layers.ReLU(), lib.layers.Dense(2, use_bias=False)]
        )

    k_layer, d_layer = make(K), make(dn)
    x = data(4, 5)
    k_layer(x)
    d_layer(x)
    d_layer.set_weights(k_layer.get_weights())
    r = data(4, 2, seed=1)
    y_k, gin_k, gw_k = keras_run(k_layer, [x], r, multi=False)
    y_d, gin_d, gw_d = dn_run(d_layer, [x], r, multi=False)
    np.testing.assert_allclose(y_d, y_k, rtol=1e-5, atol=1e-6)
    for got, want in zip(gin_d + gw_d, gin_k + gw_k, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    check_config_matches(k_layer, d_layer)
    assert [type(x).__name__ for x in d_layer.layers] == ["Dense", "ReLU", "Dense"]
    assert d_layer.compute_output_shape((None, 5)) == (None, 2)
    rebuilt = layers.Pipeline.from_config(k_layer.get_config())
    assert [x.name for x in rebuilt.layers] == [x.name for x in k_layer.layers]


def test_pipeline_training_defaults_to_true_and_masks_flow():
    pipeline = layers.Pipeline([layers.Dropout(0.5, seed=1)])
    x = np.ones((4, 50), "float32")
    assert (pipeline(x).numpy() == 0).any()  # training=True by default, as in Keras
    np.testing.assert_array_equal(pipeline(x, training=False).numpy(), x)
    masked = layers.Pipeline([layers.Embedding(10, 3, mask_zero=True), layers.Dropout(0.1)])
    y = masked(IDS, training=False)
    np.testing.assert_array_equal(y._keras_mask.numpy(), IDS != 0)
    with pytest.raises(ValueError, match=r"Pipeline: argument `layers` must be a list"):
        layers.Pipeline(layers.Dense(2))


def pipelined(k):
    inputs = k.Input((5,))
    block = k.layers.Pipeline([k.layers.Dense(4, activation="relu"), k.layers.Dense(3)])
    return k.Model(inputs, k.layers.Dense(2)(block(inputs)))


def test_pipeline_model_moves_both_ways(tmp_path):
    assert_moves_both_ways(tmp_path, pipelined, data(3, 5))


@pytest.mark.parametrize(
    "name", ["Dense", "Embedding", "ReversibleEmbedding", "Pipeline", "PReLU", "dot"]
)
def test_signatures_are_keras(name):
    ours, theirs = getattr(layers, name), getattr(K.layers, name)
    ours = ours.__init__ if inspect.isclass(ours) else ours
    theirs = theirs.__init__ if inspect.isclass(theirs) else theirs
    assert [(p.name, p.default) for p in inspect.signature(ours).parameters.values()] == [
        (p.name, p.default) for p in inspect.signature(theirs).parameters.values()
    ]


def lora_model(k):
    inputs = k.Input((4,), dtype="int32")
    h = k.layers.Embedding(9, 3, lora_rank=2)(inputs)
    h = k.layers.Flatten()(h)
    model = k.Model(inputs, k.layers.Dense(2, lora_rank=1, activation="tanh")(h))
    for i, w in enumerate(model.weights):  # B starts at zero: make the updates visible
        if "lora" in w.name:
            w.assign(data(*w.shape, seed=i))
    return model


def test_lora_models_move_both_ways_with_merged_weights(tmp_path):
    ids = np.random.default_rng(0).integers(0, 9, (3, 4)).astype("int32")
    assert_moves_both_ways(tmp_path, lora_model, ids)
    loaded = dn.models.load_model(tmp_path / "keras.keras")
    dense = loaded.layers[-1]
    assert dense.lora_enabled and not dense.lora_kernel_b.numpy().any()  # merged into W
