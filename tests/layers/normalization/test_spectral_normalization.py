"""SpectralNormalization and its base class Wrapper against Keras 3 (torch backend): the
power-iteration updates of the kernel and ``vector_u`` step after step, outputs and gradients
in training and inference, weight order, configs, files moving both ways, and errors."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference
from tests.layers.interop import assert_moves_both_ways
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras

K = keras()
torch = reference("torch")


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


WRAPPED = [
    (lambda lib: lib.layers.Dense(3), (2, 4), 1),
    (lambda lib: lib.layers.Conv2D(3, 2, padding="same"), (2, 4, 4, 2), 3),
    (lambda lib: lib.layers.Conv1DTranspose(2, 3), (2, 5, 3), 2),
]


def pair(make, shape, iterations):
    k_layer = K.layers.SpectralNormalization(make(K), power_iterations=iterations)
    d_layer = layers.SpectralNormalization(make(dn), power_iterations=iterations)
    x = data(*shape)
    k_layer(x)
    d_layer(x)
    d_layer.set_weights(k_layer.get_weights())
    return k_layer, d_layer, x


@pytest.mark.parametrize("make, shape, iterations", WRAPPED)
def test_training_steps_follow_keras(make, shape, iterations):
    k_layer, d_layer, x = pair(make, shape, iterations)
    r = data(*k_layer.compute_output_shape(shape), seed=1)
    for _ in range(3):
        tx = torch.tensor(x, requires_grad=True)
        y_k = k_layer(tx, training=True)
        weights = [v.value for v in k_layer.trainable_weights]
        grads_k = torch.autograd.grad((y_k * torch.tensor(r)).sum(), [tx, *weights])
        dx = dn.tensor(x, requires_grad=True)
        y_d = d_layer(dx, training=True)
        (y_d * r).sum().backward()
        np.testing.assert_allclose(y_d.numpy(), y_k.detach().numpy(), rtol=1e-5, atol=1e-5)
        grads_d = [dx.grad] + [w.grad for w in d_layer.trainable_weights]
        for g_d, g_k in zip(grads_d, grads_k, strict=True):
            np.testing.assert_allclose(g_d.numpy(), g_k.numpy(), rtol=1e-4, atol=1e-5)
        for w in d_layer.trainable_weights:
            w.grad = None
        for got, want in zip(d_layer.get_weights(), k_layer.get_weights(), strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    kernel = d_layer.kernel.numpy()
    assert np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]))[1][0] < 1.1  # σ ≈ 1 after steps


def test_inference_matches_keras_and_keeps_the_kernel():
    shape = (2, 4)  # the wrapped layers named alike: automatic names depend on earlier tests
    k_layer = K.layers.SpectralNormalization(K.layers.Dense(3, name="wrapped"))
    d_layer = layers.SpectralNormalization(dn.layers.Dense(3, name="wrapped"))
    compare_with_keras(k_layer, d_layer, data(*shape))
    check_config_matches(k_layer, d_layer, from_keras=True)
    kernel = d_layer.kernel.numpy().copy()
    d_layer(data(*shape))
    np.testing.assert_array_equal(d_layer.kernel.numpy(), kernel)


def test_embedding_table_is_normalized_like_keras():
    k_layer = K.layers.SpectralNormalization(K.layers.Embedding(10, 4), power_iterations=2)
    d_layer = layers.SpectralNormalization(layers.Embedding(10, 4), power_iterations=2)
    ids = np.array([[1, 5, 9], [0, 2, 2]])
    k_layer(ids)
    d_layer(ids)
    d_layer.set_weights(k_layer.get_weights())
    y = d_layer(ids, training=True)
    k_layer(ids, training=True)
    for got, want in zip(d_layer.get_weights(), k_layer.get_weights(), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # Keras casts the output to the ids' integer dtype; deepnum keeps the embedding vectors.
    np.testing.assert_allclose(y.numpy(), d_layer.kernel.numpy()[ids], rtol=1e-6)


def test_weights_order_counts_and_zero_kernel():
    layer = layers.SpectralNormalization(layers.Dense(3))
    layer(data(2, 4))
    assert [w.name for w in layer.weights] == ["kernel", "vector_u", "bias"]
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert layer.count_params() == 4 * 3 + 3 + 3
    layer.layer.kernel.assign(np.zeros((4, 3), "float32"))
    u = layer.vector_u.numpy().copy()
    layer(data(2, 4), training=True)
    assert not layer.kernel.numpy().any() and np.array_equal(layer.vector_u.numpy(), u)


def test_wrapper_base_class_matches_keras():
    assert [p for p in inspect.signature(layers.Wrapper.__init__).parameters] == [
        p for p in inspect.signature(K.layers.Wrapper.__init__).parameters
    ]
    assert [p for p in inspect.signature(layers.SpectralNormalization.__init__).parameters] == [
        p for p in inspect.signature(K.layers.SpectralNormalization.__init__).parameters
    ]

    class Twice(layers.Wrapper):
        def call(self, x):
            return 2.0 * self.layer(x)

    layer = Twice(layers.Dense(2, name="inner"), name="twice")
    x = data(3, 4)
    y = layer(x)
    np.testing.assert_allclose(y.numpy(), 2 * layer.layer(x).numpy(), rtol=1e-6)
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense" and config["layer"]["config"]["name"] == "inner"
    clone = Twice.from_config(config)
    assert clone.layer.units == 2 and clone.name == "twice"


def test_errors():
    with pytest.raises(ValueError, match=r"Wrapper: argument `layer` must be a deepnum"):
        layers.Wrapper("dense")
    with pytest.raises(
        ValueError, match=r"`power_iterations` must be an integer greater than zero"
    ):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match=r'"sn": the wrapped layer ReLU has neither a `kernel`'):
        layers.SpectralNormalization(layers.ReLU(), name="sn")(data(2, 3))


def discriminator(k):
    inputs = k.Input((6, 6, 2))
    h = k.layers.SpectralNormalization(k.layers.Conv2D(3, 3, strides=2))(inputs)
    h = k.layers.Flatten()(h)
    return k.Model(inputs, k.layers.SpectralNormalization(k.layers.Dense(1), 2)(h))


def test_spectral_model_moves_both_ways(tmp_path):
    assert_moves_both_ways(tmp_path, discriminator, data(2, 6, 6, 2))
