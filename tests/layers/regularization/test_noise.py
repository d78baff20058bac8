"""GaussianNoise, GaussianDropout, AlphaDropout and ActivityRegularization against Keras 3
(torch backend): identity at inference, the noise's statistics and structure in training,
seeded reproducibility, gradients, masks, penalties, configs, signatures (with the
SpatialDropout layers'), files moving both ways and errors."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference
from tests.layers.interop import assert_moves_both_ways
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras

K = keras()
torch = reference("torch")
SELU = 1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


NOISE = [
    ("GaussianNoise", {"stddev": 0.3, "seed": 1}),
    ("GaussianDropout", {"rate": 0.4, "seed": 2}),
    ("AlphaDropout", {"rate": 0.2, "seed": 3}),
    ("AlphaDropout", {"rate": 0.5, "noise_shape": (None, 1, 3), "seed": 4}),
]


@pytest.mark.parametrize("name, kwargs", NOISE, ids=str)
def test_inference_is_the_identity_like_keras(name, kwargs):
    k_layer, d_layer = getattr(K.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    compare_with_keras(k_layer, d_layer, data(2, 4, 3))
    check_config_matches(k_layer, d_layer, from_keras=True)
    x = data(2, 4, 3)
    np.testing.assert_array_equal(d_layer(x, training=False).numpy(), x)


def keras_training_call(layer, x):
    return layer(torch.tensor(x), training=True).detach().numpy()


def test_gaussian_noise_statistics_match_keras():
    x = data(400, 500)
    for y in (
        keras_training_call(K.layers.GaussianNoise(0.3), x),
        layers.GaussianNoise(0.3)(x, training=True).numpy(),
    ):
        noise = (y - x).ravel()
        assert abs(noise.mean()) < 3e-3 and abs(noise.std() - 0.3) < 3e-3


def test_gaussian_dropout_statistics_match_keras():
    x = np.abs(data(400, 500)) + 0.5
    ratio_k = keras_training_call(K.layers.GaussianDropout(0.4), x) / x
    ratio_d = layers.GaussianDropout(0.4)(x, training=True).numpy() / x
    want = math.sqrt(0.4 / 0.6)
    for ratio in (ratio_k, ratio_d):
        assert abs(ratio.mean() - 1.0) < 5e-3 and abs(ratio.std() - want) < 5e-3


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_alpha_dropout_has_keras_structure_and_preserves_moments(rate):
    x = data(300, 400)
    a = ((1 - rate) * (1 + rate * SELU**2)) ** -0.5
    b = a * SELU * rate
    dropped_value = -a * SELU + b
    for y in (
        keras_training_call(K.layers.AlphaDropout(rate), x),
        layers.AlphaDropout(rate)(x, training=True).numpy(),
    ):
        dropped = np.isclose(y, dropped_value, atol=1e-6)
        np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-6)
        assert abs(dropped.mean() - rate) < 5e-3
        assert abs(y.mean()) < 1e-2 and abs(y.std() - 1.0) < 1e-2  # SELU's fixed point kept


def test_alpha_dropout_noise_shape_shares_the_mask():
    y = layers.AlphaDropout(0.5, noise_shape=(None, 1, 4))(np.zeros((3, 5, 4), "f"), training=True)
    assert (y.numpy() == y.numpy()[:, :1]).all()


@pytest.mark.parametrize("name, kwargs", NOISE, ids=str)
def test_seeded_layers_are_reproducible(name, kwargs):
    x = data(3, 4, 3)
    first = getattr(layers, name)(**kwargs)(x, training=True).numpy()
    again = getattr(layers, name)(**kwargs)(x, training=True).numpy()
    np.testing.assert_array_equal(first, again)
    other = getattr(layers, name)(**{**kwargs, "seed": 99})(x, training=True).numpy()
    assert not np.array_equal(first, other)
    unseeded = {k: v for k, v in kwargs.items() if k != "seed"}
    dn.utils.set_random_seed(7)
    a = getattr(layers, name)(**unseeded)(x, training=True).numpy()
    dn.utils.set_random_seed(7)
    b = getattr(layers, name)(**unseeded)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)


def test_gradients_are_the_noise_constants():
    x = np.abs(data(4, 5)).astype(np.float64) + 0.5
    for name, kwargs in NOISE[:3]:
        layer = getattr(layers, name)(dtype="float64", **kwargs)
        t = dn.tensor(x, requires_grad=True)
        y = layer(t, training=True)
        y.sum().backward()
        if name == "GaussianNoise":
            want = np.ones_like(x)
        elif name == "GaussianDropout":
            want = y.numpy() / x
        else:
            rate = kwargs["rate"]
            a = ((1 - rate) * (1 + rate * SELU**2)) ** -0.5
            kept = ~np.isclose(y.numpy(), -a * SELU + a * SELU * rate)
            want = a * kept
        np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-12, err_msg=name)


def test_masks_pass_through():
    mask = np.array([[True, False, True], [False, True, True]])
    for name, kwargs in NOISE[:3] + [("ActivityRegularization", {"l1": 0.1})]:
        y = getattr(layers, name)(**kwargs)(dn.tensor(data(2, 3, 4)), mask=dn.tensor(mask))
        assert np.array_equal(y._keras_mask.numpy(), mask), name
        assert getattr(K.layers, name)(**kwargs).supports_masking, name


@pytest.mark.parametrize("kwargs", [{"l1": 0.01}, {"l2": 0.2}, {"l1": 0.3, "l2": 0.05}], ids=str)
def test_activity_regularization_penalty_and_its_gradient_match_keras(kwargs):
    x = data(4, 3, 2)
    k_layer = K.layers.ActivityRegularization(**kwargs)
    d_layer = layers.ActivityRegularization(**kwargs)
    compare_with_keras(k_layer, d_layer, x)
    check_config_matches(k_layer, d_layer, from_keras=True)
    tx = torch.tensor(x, requires_grad=True)
    k_layer(tx)
    (grad_k,) = torch.autograd.grad(k_layer.losses[-1], [tx])
    dx = dn.tensor(x, requires_grad=True)
    d_layer(dx)
    assert len(d_layer.losses) == 1  # the latest call's penalty only
    d_layer.losses[0].backward()
    np.testing.assert_allclose(
        float(d_layer.losses[0].numpy()), float(k_layer.losses[-1].detach()), rtol=1e-5
    )
    np.testing.assert_allclose(dx.grad.numpy(), grad_k.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "name",
    ["GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
     "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"],
)  # fmt: skip
def test_signatures_are_keras(name):
    ours = inspect.signature(getattr(layers, name).__init__)
    theirs = inspect.signature(getattr(K.layers, name).__init__)
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()
    ]


@pytest.mark.parametrize("name", ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"])
def test_spatial_dropout_configs_are_keras_s(name):
    k_layer, d_layer = getattr(K.layers, name)(0.3, seed=2), getattr(layers, name)(0.3, seed=2)
    assert set(d_layer.get_config()) == set(k_layer.get_config())
    clone = getattr(layers, name).from_config({**d_layer.get_config(), "trainable": False})
    assert clone.rate == 0.3 and clone.seed == 2 and not clone.trainable


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("GaussianNoise", {"stddev": 1.5}, r"GaussianNoise: argument `stddev` must be .*1.5"),
        ("GaussianDropout", {"rate": 1.0}, r"`rate` must be a number ≥ 0 and < 1"),
        ("AlphaDropout", {"rate": -0.1}, r"AlphaDropout: argument `rate`"),
        ("AlphaDropout", {"rate": 0.1, "noise_shape": (2, 0)}, r"`noise_shape` must be"),
        ("GaussianNoise", {"stddev": 0.1, "seed": -1}, r"`seed` must be None or a non-negative"),
        ("ActivityRegularization", {"l1": -1.0}, r"`l1` must be a number ≥ 0"),
    ],
    ids=str,
)
def test_bad_arguments(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(layers, name)(**kwargs)


def noisy(k):
    inputs = k.Input((5,))
    h = k.layers.GaussianNoise(0.2)(inputs)
    h = k.layers.Dense(4, activation="selu")(h)
    h = k.layers.AlphaDropout(0.1)(h)
    h = k.layers.GaussianDropout(0.3)(h)
    return k.Model(inputs, k.layers.ActivityRegularization(l1=0.01, l2=0.02)(h))


def test_noise_model_moves_both_ways(tmp_path):
    assert_moves_both_ways(tmp_path, noisy, data(3, 5))
