"""BatchNormalization and LayerNormalization against Keras 3: inference and training outputs,
gradients through the batch statistics, moving statistics, masks, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras, to_np

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 2.0 + 0.5).astype(np.float32)


def random_bn_weights(layer, seed: int = 1) -> None:
    """Non-trivial γ, β and moving statistics (the variance kept positive)."""
    rng = np.random.default_rng(seed)
    ws = [rng.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in layer.get_weights()]
    ws[-2] -= 1.0  # moving mean around 0
    layer.set_weights(ws)


# ---------------------------------------------------------------------- BatchNormalization
BN_CASES = [
    ({}, (8, 3)),
    ({"axis": -1}, (2, 4, 4, 3)),
    ({"axis": 1}, (2, 3, 4, 4)),
    ({"center": False}, (6, 5)),
    ({"scale": False, "epsilon": 1e-2}, (6, 5)),
]


@pytest.mark.parametrize("kwargs, shape", BN_CASES)
@pytest.mark.parametrize("training", [False, True])
def test_batchnorm_matches_keras(kwargs, shape, training):
    k = K.layers.BatchNormalization(**kwargs)
    k.build(shape)
    random_bn_weights(k)
    d = layers.BatchNormalization(**kwargs)
    compare_with_keras(k, d, data(*shape), call_kwargs={"training": training})


@pytest.mark.parametrize("kwargs, shape", BN_CASES)
def test_batchnorm_inference_without_a_graph_matches_keras(kwargs, shape):
    """Under no_grad (predict), inference writes into one buffer: Keras's values exactly as
    the recorded path gives them."""
    k = K.layers.BatchNormalization(**kwargs)
    k.build(shape)
    random_bn_weights(k)
    d = layers.BatchNormalization(**kwargs)
    d.build(shape)
    d.set_weights(k.get_weights())
    x = data(*shape)
    with dn.no_grad():
        fast = d(dn.tensor(x), training=False).numpy()
    recorded = d(dn.tensor(x, requires_grad=True), training=False).numpy()
    np.testing.assert_array_equal(fast, recorded)
    expected = to_np(k(x, training=False))
    np.testing.assert_allclose(fast, expected, rtol=1e-6, atol=1e-6)


def test_batchnorm_moving_statistics_follow_keras_after_training_steps():
    kwargs = {"momentum": 0.9}
    k, d = K.layers.BatchNormalization(**kwargs), layers.BatchNormalization(**kwargs)
    k.build((16, 4))
    d.build((16, 4))
    for step in range(4):
        x = data(16, 4, seed=step)
        k(x, training=True)
        d(x, training=True)
    for got, want in zip(d.get_weights(), k.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    x = data(16, 4, seed=9)
    np.testing.assert_allclose(d(x).numpy(), to_np(k(x)), rtol=1e-5, atol=1e-5)
    # The formula itself: moving ← moving · m + batch · (1 − m), biased batch variance.
    before = [w.copy() for w in d.get_weights()]
    d(x, training=True)
    mm = before[2] * 0.9 + x.mean(0) * 0.1
    mv = before[3] * 0.9 + x.var(0) * 0.1
    np.testing.assert_allclose(d.moving_mean.numpy(), mm, rtol=1e-5)
    np.testing.assert_allclose(d.moving_variance.numpy(), mv, rtol=1e-5)


def test_batchnorm_inference_leaves_moving_statistics_and_frozen_layer_is_inference():
    d = layers.BatchNormalization()
    x = data(8, 3)
    d(x)
    np.testing.assert_array_equal(d.moving_mean.numpy(), 0)
    k = K.layers.BatchNormalization()
    k.build((8, 3))
    random_bn_weights(k)
    k.trainable = False
    d = layers.BatchNormalization()
    d.build((8, 3))
    d.set_weights(k.get_weights())
    d.trainable = False
    y = d(x, training=True)
    np.testing.assert_allclose(y.numpy(), to_np(k(x, training=True)), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(d.get_weights()[2], k.get_weights()[2])


def test_batchnorm_with_mask_matches_keras():
    torch = reference("torch")
    x = data(3, 5, 4)
    mask = np.ones((3, 5), bool)
    mask[0, 3:] = False
    mask[2, 1:] = False
    k, d = K.layers.BatchNormalization(), layers.BatchNormalization()
    y_k = k(torch.tensor(x), training=True, mask=torch.tensor(mask))
    y_d = d(x, training=True, mask=mask)
    np.testing.assert_allclose(y_d.numpy(), y_k.detach().numpy(), rtol=1e-4, atol=1e-5)
    for got, want in zip(d.get_weights(), k.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_batchnorm_weights_order_and_trainability():
    d = layers.BatchNormalization()
    d.build((None, 7))
    assert [w.name for w in d.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in d.trainable_weights] == ["gamma", "beta"]
    assert d.count_params() == 28
    assert [w.name for w in d.weights] == [w.name for w in _keras_bn_weights((None, 7))]


def _keras_bn_weights(shape):
    k = K.layers.BatchNormalization()
    k.build(shape)
    return [type("W", (), {"name": w.name})() for w in k.weights]


def test_batchnorm_gradient_through_batch_statistics_float64():
    dn.config.set_floatx("float64")
    bn = layers.BatchNormalization(dtype="float64")
    x = np.random.default_rng(0).standard_normal((5, 3))
    bn(x)
    gamma = np.array([1.5, 0.5, 2.0])
    bn.gamma.assign(gamma)

    def f(t):
        return bn(t, training=True) ** 3

    assert dn.check_grad(f, x) < 1e-6


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"momentum": 1.5}, r"`momentum` must be a number ≥ 0.0 and ≤ 1.0, received momentum=1.5"),
        ({"epsilon": 0.0}, r"`epsilon` must be a number > 0.0, received epsilon=0.0"),
        ({"axis": "channels"}, r"`axis` must be an integer"),
        ({"axis": [1, 2]}, r"`axis` must be one integer"),
        ({"renorm": True}, r"`renorm`=True is not supported"),
    ],
)
def test_batchnorm_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.BatchNormalization(**kwargs)


def test_batchnorm_axis_out_of_range_and_wrong_feature_count():
    with pytest.raises(ValueError, match=r"axis=3 is out of range for inputs of rank 2"):
        layers.BatchNormalization(axis=3)(data(4, 5))
    bn = layers.BatchNormalization()
    bn(data(4, 5))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 5"):
        bn(data(4, 6))


# ---------------------------------------------------------------------- LayerNormalization
# Trailing axes only: Keras 3.15 on torch mis-handles non-trailing axes (it passes them to
# torch's layer_norm, which normalizes the last axes); those are checked against NumPy below.
LN_CASES = [
    ({}, (4, 6)),
    ({"axis": -1, "epsilon": 1e-5}, (2, 3, 6)),
    ({"axis": [2, 3]}, (2, 3, 4, 5)),
    ({"axis": [-2, -1], "center": False}, (2, 3, 4)),
    ({"axis": 2, "scale": False}, (2, 3, 4)),
]


@pytest.mark.parametrize("kwargs, shape", LN_CASES)
def test_layernorm_matches_keras(kwargs, shape):
    k = K.layers.LayerNormalization(**kwargs)
    k.build(shape)
    rng = np.random.default_rng(2)
    k.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in k.get_weights()])
    compare_with_keras(k, layers.LayerNormalization(**kwargs), data(*shape))


@pytest.mark.parametrize("axis", [1, [1, 2], [1, 3]])
def test_layernorm_non_trailing_axes_match_numpy(axis):
    x = data(2, 3, 4, 5)
    ln = layers.LayerNormalization(axis=axis)
    ln(x)
    rng = np.random.default_rng(3)
    gamma, beta = (rng.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in ln.get_weights())
    ln.set_weights([gamma, beta])
    axes = tuple(axis) if isinstance(axis, list) else (axis,)
    shape = [x.shape[a] if a in axes else 1 for a in range(4)]
    mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    want = (x - mean) / np.sqrt(var + 1e-3) * gamma.reshape(shape) + beta.reshape(shape)
    np.testing.assert_allclose(ln(x).numpy(), want, rtol=1e-5, atol=1e-5)


def test_layernorm_is_the_same_in_training_and_float64_gradient():
    x = data(3, 4)
    ln = layers.LayerNormalization()
    np.testing.assert_array_equal(ln(x, training=True).numpy(), ln(x).numpy())
    ln64 = layers.LayerNormalization(axis=[1, 2], dtype="float64")
    x64 = np.random.default_rng(1).standard_normal((2, 3, 4))
    ln64(x64)
    ln64.gamma.assign(np.random.default_rng(2).uniform(0.5, 2, (3, 4)))
    assert dn.check_grad(lambda t: ln64(t) ** 3, x64) < 1e-6


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epsilon": -1.0}, r"`epsilon` must be a number > 0.0, received epsilon=-1.0"),
        ({"axis": "last"}, r"`axis` must be an integer or a non-empty list of integers"),
        ({"axis": []}, r"received axis=\[\]"),
    ],
)
def test_layernorm_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.LayerNormalization(**kwargs)


def test_layernorm_axis_out_of_range():
    with pytest.raises(ValueError, match=r"axis=2 is out of range for inputs of rank 2"):
        layers.LayerNormalization(axis=2)(data(3, 4))


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.layers.BatchNormalization(axis=1, momentum=0.9, center=False),
        lambda m: m.layers.LayerNormalization(axis=[1, 2], epsilon=1e-5),
        lambda m: m.layers.BatchNormalization(gamma_regularizer=m.regularizers.L2(0.1)),
    ],
)
def test_normalization_configs_match_keras_and_round_trip(make):
    check_config_matches(make(K), make(dn), from_keras=True)
