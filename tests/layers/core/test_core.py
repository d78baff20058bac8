"""Core layers against Keras 3: Dense, Activation, Embedding, Lambda, Identity, Masking,
Flatten, Reshape, Permute, RepeatVector, Dropout and SpatialDropout."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from deepnum.layers.core.embedding import EmbeddingLookup
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# --------------------------------------------------------------------------- Dense
@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"units": 3}, (4, 5)),
        ({"units": 2, "activation": "relu", "use_bias": False}, (4, 5)),
        ({"units": 4, "activation": "tanh"}, (2, 3, 5)),
        ({"units": 3, "activation": "softmax", "bias_initializer": "ones"}, (4, 6)),
    ],
)
def test_dense_matches_keras(kwargs, shape):
    compare_with_keras(K.layers.Dense(**kwargs), layers.Dense(**kwargs), data(*shape))


def test_dense_regularization_losses_match_keras():
    kwargs = {
        "units": 3,
        "kernel_regularizer": "l2",
        "bias_regularizer": "l1",
        "activity_regularizer": "l1",
        "bias_initializer": "ones",
    }
    k, d = K.layers.Dense(**kwargs), layers.Dense(**kwargs)
    x = data(4, 5)
    compare_with_keras(k, d, x)
    want = sorted(float(v.detach()) for v in k.losses)
    assert np.allclose(sorted(float(v.numpy()) for v in d.losses), want, rtol=1e-5)
    d(x)  # a second call replaces the activity penalty instead of adding another
    assert len(d.losses) == 3


def test_dense_kernel_layout_and_default_initializers():
    d = layers.Dense(10)
    d(data(2, 784))
    assert d.kernel.shape == (784, 10) and d.bias.shape == (10,)
    assert d.count_params() == 7850
    assert not d.bias.numpy().any()
    limit = np.sqrt(6 / (784 + 10))  # glorot_uniform
    assert np.abs(d.kernel.numpy()).max() <= limit
    config = d.get_config()
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["activation"] == "linear"


@pytest.mark.parametrize("units", [0, -3, 2.5, "8", True])
def test_dense_rejects_bad_units(units):
    with pytest.raises(ValueError, match=r"`units` must be a positive integer, received units="):
        layers.Dense(units)


def test_dense_built_for_784_says_flatten():
    d = layers.Dense(10)
    d(data(2, 784))
    with pytest.raises(
        ValueError,
        match="flatten the input or add a Flatten layer|Flatten the input or add a Flatten layer",
    ) as e:
        d(data(2, 28, 28))
    assert "784" in str(e.value) and "(None, 28, 28)" in str(e.value)


def test_dense_keras2_input_shape_kwarg():
    d = layers.Dense(32, input_shape=(784,))
    assert d.get_config()["batch_input_shape"] == [None, 784]


# --------------------------------------------------------------------------- Activation
@pytest.mark.parametrize(
    "name",
    ["relu", "tanh", "sigmoid", "softmax", "elu", "selu", "softplus", "silu", "gelu", "linear"],
)
def test_activation_layer_matches_keras(name):
    compare_with_keras(K.layers.Activation(name), layers.Activation(name), data(3, 7))


def test_identity_and_masking_match_keras():
    compare_with_keras(K.layers.Identity(), layers.Identity(), data(2, 3))
    x = data(2, 4, 3)
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    y_d, _ = compare_with_keras(K.layers.Masking(0.0), layers.Masking(0.0), x)
    k_out = K.layers.Masking(0.0)(x)
    d_out = layers.Masking(0.0)(x)
    np.testing.assert_array_equal(d_out._keras_mask.numpy(), np.asarray(k_out._keras_mask))
    assert d_out._keras_mask.numpy().tolist() == [
        [True, False, True, True],
        [True, True, True, False],
    ]


# --------------------------------------------------------------------------- reshaping
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_flatten_matches_keras(data_format):
    x = data(2, 3, 4, 5)
    compare_with_keras(K.layers.Flatten(data_format), layers.Flatten(data_format), x)


def test_flatten_of_a_vector_batch():
    assert layers.Flatten()(data(4)).shape == (4, 1)
    with pytest.raises(ValueError, match="data_format"):
        layers.Flatten("nhwc")


@pytest.mark.parametrize(
    "target, shape",
    [((3, 4), (2, 12)), ((-1, 2), (2, 3, 4)), ((-1,), (2, 3, 4)), ((2, 3, 1), (5, 6))],
)
def test_reshape_matches_keras(target, shape):
    compare_with_keras(K.layers.Reshape(target), layers.Reshape(target), data(*shape))


@pytest.mark.parametrize("target", [(0, 3), (-1, -1), (2, -2), "ab", (2.0, 3)])
def test_reshape_rejects_bad_target_shape(target):
    with pytest.raises(ValueError, match=r"`target_shape` must be a tuple of positive integers"):
        layers.Reshape(target)


def test_reshape_incompatible_size_names_both_shapes():
    with pytest.raises(
        ValueError,
        match=r"cannot reshape inputs of shape \(None, 12\) .*"
        r"target_shape=\(5,\)",
    ):
        layers.Reshape((5,))(data(2, 12))
    with pytest.raises(ValueError, match="target_shape"):
        layers.Reshape((-1, 5)).compute_output_shape((None, 12))
    assert layers.Reshape((-1, 4)).compute_output_shape((None, None, 4)) == (None, None, 4)


@pytest.mark.parametrize("dims, shape", [((2, 1), (2, 3, 4)), ((3, 1, 2), (2, 3, 4, 5))])
def test_permute_matches_keras(dims, shape):
    compare_with_keras(K.layers.Permute(dims), layers.Permute(dims), data(*shape))


@pytest.mark.parametrize("dims", [(1, 3), (0, 1), (1, 1), "12", 3])
def test_permute_rejects_non_permutation(dims):
    with pytest.raises(ValueError, match=r"`dims` must be a permutation of 1 … n"):
        layers.Permute(dims)


def test_repeat_vector_matches_keras():
    compare_with_keras(K.layers.RepeatVector(3), layers.RepeatVector(3), data(2, 5))
    with pytest.raises(ValueError, match=r"`n` must be a positive integer, received n=0"):
        layers.RepeatVector(0)
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        layers.RepeatVector(2)(data(2, 3, 4))


# --------------------------------------------------------------------------- Dropout
def test_dropout_inference_is_identity():
    x = data(8, 16)
    layer = layers.Dropout(0.5)
    for training in (None, False):
        y = layer(x, training=training)
        np.testing.assert_array_equal(y.numpy(), x)
    x_t = dn.tensor(x, requires_grad=True)
    layer(x_t, training=False).sum().backward()
    np.testing.assert_array_equal(x_t.grad.numpy(), np.ones_like(x))


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_dropout_training_statistics_and_inverted_scaling(rate):
    x = np.ones((200, 500), np.float32)
    y_d = layers.Dropout(rate)(x, training=True).numpy()
    y_k = np.asarray(K.layers.Dropout(rate, seed=1)(x, training=True))
    for y in (y_d, y_k):  # both: each unit zeroed with probability rate, survivors ×1/(1−rate)
        assert set(np.unique(y).round(5)) == {0.0, round(1 / (1 - rate), 5)}
        assert abs((y == 0).mean() - rate) < 0.01
        assert abs(y.mean() - 1.0) < 0.02


def test_dropout_gradient_is_the_scaled_mask():
    x = dn.tensor(data(50, 40), requires_grad=True)
    y = layers.Dropout(0.25)(x, training=True)
    y.sum().backward()
    mask = (y.numpy() != 0) / 0.75
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-6)


def test_dropout_noise_shape_seed_and_global_seed():
    x = np.ones((4, 6, 8), np.float32)
    y = layers.Dropout(0.5, noise_shape=(None, 1, 8))(x, training=True).numpy()
    assert (y == y[:, :1]).all()
    a = layers.Dropout(0.5, seed=3)(x, training=True).numpy()
    b = layers.Dropout(0.5, seed=3)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    dn.utils.set_random_seed(7)
    c = layers.Dropout(0.5)(x, training=True).numpy()
    dn.utils.set_random_seed(7)
    np.testing.assert_array_equal(c, layers.Dropout(0.5)(x, training=True).numpy())
    assert not np.array_equal(a, layers.Dropout(0.5, seed=4)(x, training=True).numpy())


def test_dropout_training_flag_propagates_from_outer_layer():
    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.drop = layers.Dropout(0.5)

        def call(self, x):
            return self.drop(x)

    x = np.ones((10, 10), np.float32)
    assert (Block()(x, training=True).numpy() == 0).any()
    np.testing.assert_array_equal(Block()(x).numpy(), x)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"rate": 1.5},
            r"`rate` must be a number ≥ 0 and < 1 \(the fraction of units dropped\), "
            r"received rate=1.5",
        ),
        ({"rate": 1.0}, r"received rate=1.0"),
        ({"rate": -0.1}, r"received rate=-0.1"),
        ({"rate": "half"}, r"received rate='half'"),
        ({"rate": 0.5, "noise_shape": "abc"}, r"`noise_shape` must be None or a tuple"),
        ({"rate": 0.5, "noise_shape": (None, 0)}, r"noise_shape=\(None, 0\)"),
        ({"rate": 0.5, "seed": -1}, r"`seed` must be None or a non-negative integer"),
    ],
)
def test_dropout_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Dropout(**kwargs)


def test_dropout_config_and_shapes_match_keras():
    kwargs = {"rate": 0.3, "noise_shape": (None, 1, 4), "seed": 5}
    compare_with_keras(K.layers.Dropout(**kwargs), layers.Dropout(**kwargs), data(2, 3, 4))
    compare_with_keras(K.layers.SpatialDropout1D(0.2), layers.SpatialDropout1D(0.2), data(2, 3, 4))
    compare_with_keras(
        K.layers.SpatialDropout3D(0.2), layers.SpatialDropout3D(0.2), data(2, 3, 4, 5, 2)
    )
    for fmt in ("channels_last", "channels_first"):
        compare_with_keras(
            K.layers.SpatialDropout2D(0.2, data_format=fmt),
            layers.SpatialDropout2D(0.2, data_format=fmt),
            data(2, 3, 4, 5),
        )


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((3, 5, 4, 8), np.float32)
    y = layers.SpatialDropout2D(0.5)(x, training=True).numpy()
    assert (y == y[:, :1, :1, :]).all() and (y == 0).any()
    y = layers.SpatialDropout2D(0.5, data_format="channels_first")(x, training=True).numpy()
    assert (y == y[:, :, :1, :1]).all()
    y = layers.SpatialDropout1D(0.5)(x[:, :, 0], training=True).numpy()
    assert (y == y[:, :1]).all()
    y = layers.SpatialDropout3D(0.5)(x[:, :, :, None, :], training=True).numpy()
    assert (y == y[:, :1, :1, :1, :]).all() and (y == 0).any()
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.SpatialDropout1D(0.5)(x, training=True)


# --------------------------------------------------------------------------- Embedding
def ids(seed: int = 0, shape: tuple = (3, 6), vocab: int = 10) -> np.ndarray:
    out = np.random.default_rng(seed).integers(0, vocab, size=shape)
    out[0, :3] = 4  # repeated ids: their gradients must accumulate
    out[1, -2:] = 0
    return out


@pytest.mark.parametrize("mask_zero", [False, True])
def test_embedding_matches_keras(mask_zero):
    x = ids()
    k = K.layers.Embedding(10, 4, mask_zero=mask_zero)
    d = layers.Embedding(10, 4, mask_zero=mask_zero)
    compare_with_keras(k, d, x)
    k_mask = getattr(k(x), "_keras_mask", None)
    d_mask = getattr(d(x), "_keras_mask", None)
    if mask_zero:
        np.testing.assert_array_equal(d_mask.numpy(), np.asarray(k_mask))
        assert d.compute_mask(dn.tensor(x)).numpy().tolist() == (x != 0).tolist()
    else:
        assert d_mask is None and k_mask is None


def test_embedding_default_initializer_is_keras_uniform():
    d = layers.Embedding(1000, 8)
    d.build(None)
    w = d.embeddings.numpy()
    assert w.shape == (1000, 8) and np.abs(w).max() <= 0.05 and w.std() > 0.02
    k_init = K.layers.Embedding(1000, 8).get_config()["embeddings_initializer"]
    d_init = d.get_config()["embeddings_initializer"]
    assert d_init["class_name"] == k_init["class_name"] == "RandomUniform"
    assert d_init["config"]["minval"] == k_init["config"]["minval"] == -0.05


def test_embedding_weights_argument_and_input_length():
    table = data(5, 3)
    d = layers.Embedding(5, 3, weights=[table], input_length=7, trainable=False)
    np.testing.assert_array_equal(d(np.array([[2, 4]])).numpy(), table[[[2, 4]]])
    assert d.trainable_weights == [] and len(d.non_trainable_weights) == 1


def test_embedding_float_ids_and_out_of_range():
    d = layers.Embedding(10, 2)
    assert d(np.array([[1.0, 2.0]], np.float32)).shape == (1, 2, 2)
    with pytest.raises(ValueError, match=r"id 12 is out of range for input_dim=10"):
        d(np.array([[1, 12]]))
    with pytest.raises(ValueError, match=r"id -1 is out of range"):
        d(np.array([[-1, 2]]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"input_dim": 0, "output_dim": 3}, r"`input_dim` must be a positive integer"),
        ({"input_dim": 10, "output_dim": -1}, r"received output_dim=-1"),
    ],
)
def test_embedding_rejects_bad_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Embedding(**kwargs)


def test_embedding_lookup_gradients_first_and_second_order():
    index = ids(shape=(4, 5), vocab=6)
    w = np.random.default_rng(2).standard_normal((6, 3))

    def f(table):
        y = EmbeddingLookup(index)(table)
        return (y * y * y).sum()

    assert dn.check_grad(f, w) < 1e-6
    grad_f = dn.grad(f)
    v = np.random.default_rng(3).standard_normal(w.shape)
    assert dn.check_grad(lambda t: (grad_f(t) * v).sum(), w) < 1e-6


# --------------------------------------------------------------------------- Lambda
def test_lambda_matches_keras_and_is_in_memory_only():
    def fn(x):
        return x * 2.0 + 1.0

    k, d = K.layers.Lambda(fn), layers.Lambda(fn)
    compare_with_keras(k, d, data(3, 4), check_config=False)
    config = d.get_config()
    assert set(k.get_config()) <= set(config)
    assert config["function"]["config"] == {
        "name": "fn",
        "module": __name__,
        "deserializable": False,
    }
    with pytest.raises(ValueError, match="cannot be rebuilt from a config.*never stores or runs"):
        layers.Lambda.from_config(config)
    clone = layers.Lambda.from_config(config, custom_objects={"fn": fn})
    np.testing.assert_array_equal(clone(data(3, 4)).numpy(), fn(data(3, 4)))


def test_lambda_output_shape_arguments_and_validation():
    d = layers.Lambda(lambda x, k: x[:, :k], output_shape=(2,), arguments={"k": 2})
    assert d(data(3, 5)).shape == (3, 2)
    assert d.compute_output_shape((None, 5)) == (None, 2)
    assert layers.Lambda(lambda x: x[:, :1]).compute_output_shape((None, 5)) == (None, 1)
    with pytest.raises(ValueError, match=r"`function` must be callable, received function=3"):
        layers.Lambda(3)


# --------------------------------------------------------------------------- configs
@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.layers.Dense(
            4,
            activation="relu",
            kernel_initializer="random_normal",
            kernel_regularizer=m.regularizers.L1L2(0.01, 0.02),
        ),
        lambda m: m.layers.Embedding(20, 3, mask_zero=True),
        lambda m: m.layers.Flatten(),
        lambda m: m.layers.Reshape((2, -1)),
        lambda m: m.layers.Permute((2, 1)),
        lambda m: m.layers.RepeatVector(2),
        lambda m: m.layers.Activation("tanh"),
        lambda m: m.layers.Masking(-1.0),
        lambda m: m.layers.Dropout(0.4, seed=2),
    ],
)
def test_configs_match_keras_and_round_trip(make):
    check_config_matches(make(K), make(dn), from_keras=True)


@pytest.mark.parametrize("scale, offset", [(1 / 255, 0.0), (2.0, -1.0), ([1.0, 0.5, 2.0], 0.25)])
def test_rescaling_matches_keras(scale, offset):
    k = keras()
    x = np.random.default_rng(0).uniform(0, 255, (2, 4, 3)).astype("float32")
    compare_with_keras(k.layers.Rescaling(scale, offset), layers.Rescaling(scale, offset), x)
