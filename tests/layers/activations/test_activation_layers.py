"""Activation layers against Keras 3 (ReLU, LeakyReLU, PReLU, ELU, Softmax with masks) and
Maxout against a NumPy reference of TensorFlow-Addons' layer."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras, to_np

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    """Values in ±3, none within 0.05 of the kinks used below (0, 0.5, 1, 2, 6)."""
    x = np.random.default_rng(seed).uniform(-3, 3, shape).astype(np.float32)
    kinks = np.array([0.0, 0.5, 1.0, 2.0, 6.0, -0.5])
    near = np.abs(x[..., None] - kinks).min(-1) < 0.05
    return np.where(near, x + 0.1, x).astype(np.float32)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_value": 6.0},
        {"max_value": 1.0},
        {"negative_slope": 0.1},
        {"threshold": 0.5},
        {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.5},
    ],
)
def test_relu_matches_keras(kwargs):
    compare_with_keras(K.layers.ReLU(**kwargs), layers.ReLU(**kwargs), data(4, 6))


@pytest.mark.parametrize("kwargs", [{}, {"negative_slope": 0.1}, {"negative_slope": 0.0}])
def test_leaky_relu_matches_keras(kwargs):
    compare_with_keras(K.layers.LeakyReLU(**kwargs), layers.LeakyReLU(**kwargs), data(4, 6))


def test_leaky_relu_keras3_default_and_keras2_alpha():
    assert layers.LeakyReLU().negative_slope == K.layers.LeakyReLU().negative_slope == 0.3
    assert layers.LeakyReLU(alpha=0.05).negative_slope == 0.05


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu_matches_keras(alpha):
    compare_with_keras(K.layers.ELU(alpha=alpha), layers.ELU(alpha=alpha), data(4, 6))


@pytest.mark.parametrize(
    "shared_axes, shape",
    [(None, (2, 5)), (None, (2, 3, 4)), ([1], (2, 3, 4)), ([1, 2], (2, 3, 4, 5))],
)
def test_prelu_learned_slope_matches_keras(shared_axes, shape):
    k = K.layers.PReLU(shared_axes=shared_axes)
    k.build(shape)
    alpha = np.random.default_rng(4).uniform(0.05, 0.5, k.get_weights()[0].shape)
    k.set_weights([alpha.astype(np.float32)])
    d = layers.PReLU(shared_axes=shared_axes)
    compare_with_keras(k, d, data(*shape))
    assert d.alpha.shape == k.weights[0].shape


def test_prelu_default_alpha_is_zero_and_errors():
    d = layers.PReLU()
    np.testing.assert_array_equal(d(data(2, 3)).numpy(), np.maximum(data(2, 3), 0))
    with pytest.raises(ValueError, match=r"`shared_axes` must be None or positive axis"):
        layers.PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match=r"shared axis 3 is out of range"):
        layers.PReLU(shared_axes=3)(data(2, 3))


@pytest.mark.parametrize("axis, shape", [(-1, (3, 5)), (1, (2, 4, 3)), ([1, 2], (2, 3, 4))])
def test_softmax_matches_keras(axis, shape):
    compare_with_keras(K.layers.Softmax(axis=axis), layers.Softmax(axis=axis), data(*shape))


@pytest.mark.parametrize("mask_shape", [(3, 5), (5,), (3, 1)])
def test_softmax_with_mask_matches_keras(mask_shape):
    torch = reference("torch")
    x = data(3, 5)
    mask = np.random.default_rng(1).random(mask_shape) > 0.4
    mask.flat[0] = True
    if mask.shape == (3, 5):
        mask[2] = False  # a fully masked row gives zeros, not a uniform distribution
    y_k = K.layers.Softmax()(torch.tensor(x), mask=torch.tensor(mask))
    x_t = dn.tensor(x, requires_grad=True)
    y_d = layers.Softmax()(x_t, mask=mask)
    np.testing.assert_allclose(y_d.numpy(), to_np(y_k), rtol=1e-5, atol=1e-6)
    assert np.all(y_d.numpy()[np.broadcast_to(~mask, x.shape)] == 0)
    x_k = torch.tensor(x, requires_grad=True)
    r = np.random.default_rng(2).standard_normal(x.shape).astype(np.float32)
    (K.layers.Softmax()(x_k, mask=torch.tensor(mask)) * torch.tensor(r)).sum().backward()
    (y_d * r).sum().backward()
    np.testing.assert_allclose(x_t.grad.numpy(), to_np(x_k.grad), rtol=1e-4, atol=1e-6)


def test_softmax_uses_the_mask_carried_by_its_input_and_rejects_bad_masks():
    ids = np.array([[3, 1, 0, 0]])
    scores = layers.Dense(1)(layers.Embedding(5, 4, mask_zero=True)(ids))  # mask passes Dense
    scores = layers.Reshape((4,))(scores)
    scores._keras_mask = layers.Embedding(5, 4, mask_zero=True).compute_mask(dn.tensor(ids))
    y = layers.Softmax()(scores)
    assert y.numpy()[0, 2:].tolist() == [0.0, 0.0]
    assert abs(y.numpy().sum() - 1) < 1e-6
    with pytest.raises(ValueError, match=r"mask of shape \(4,\) must broadcast to the inputs"):
        layers.Softmax()(data(2, 3), mask=np.ones(4, bool))


# ---------------------------------------------------------------------- Maxout
def tfa_maxout(x: np.ndarray, num_units: int, axis: int) -> np.ndarray:
    """tfa.layers.Maxout: reshape the axis to (d // num_units, num_units), reduce_max over the
    first (TensorFlow-Addons' code: ``expand_shape.insert(axis, k)`` then ``reduce_max``)."""
    axis = axis % x.ndim
    k = x.shape[axis] // num_units
    shape = x.shape[:axis] + (k, num_units) + x.shape[axis + 1 :]
    return x.reshape(shape).max(axis=axis)


@pytest.mark.parametrize(
    "num_units, axis, shape",
    [(3, -1, (4, 12)), (2, -1, (2, 3, 8)), (4, 1, (2, 8, 5)), (5, -1, (3, 5))],
)
def test_maxout_strided_matches_tensorflow_addons_code(num_units, axis, shape):
    x = data(*shape)
    layer = layers.Maxout(num_units, axis=axis, grouping="strided")
    y = layer(x)
    np.testing.assert_array_equal(y.numpy(), tfa_maxout(x, num_units, axis))
    want_shape = list((None,) + shape[1:])
    want_shape[axis] = num_units
    assert layer.compute_output_shape((None,) + shape[1:]) == tuple(want_shape)
    assert layer.count_params() == 0


def contiguous_maxout(x: np.ndarray, num_units: int, axis: int) -> np.ndarray:
    """The issue's definition: the axis viewed as (num_units, d // num_units), max per group."""
    axis = axis % x.ndim
    shape = x.shape[:axis] + (num_units, x.shape[axis] // num_units) + x.shape[axis + 1 :]
    return x.reshape(shape).max(axis=axis + 1)


@pytest.mark.parametrize(
    "num_units, axis, shape",
    [(3, -1, (4, 12)), (2, -1, (2, 3, 8)), (4, 1, (2, 8, 5)), (5, -1, (3, 5))],
)
def test_maxout_contiguous_groups_by_default(num_units, axis, shape):
    x = data(*shape)
    np.testing.assert_array_equal(
        layers.Maxout(num_units, axis=axis)(x).numpy(), contiguous_maxout(x, num_units, axis)
    )


def test_maxout_groups_by_hand():
    # d = 6, num_units = 3: contiguous groups (x0, x1), (x2, x3), (x4, x5); strided groups
    # (x0, x3), (x1, x4), (x2, x5).
    x = np.array([[1.0, 9.0, 2.0, 4.0, 3.0, 8.0]], np.float32)
    assert layers.Maxout(3)(x).numpy().tolist() == [[9.0, 4.0, 8.0]]
    assert layers.Maxout(3, grouping="strided")(x).numpy().tolist() == [[4.0, 9.0, 8.0]]
    with pytest.raises(ValueError, match="grouping"):
        layers.Maxout(3, grouping="diagonal")


def test_maxout_gradient_float64_and_symbolic_shape():
    x = np.random.default_rng(0).standard_normal((3, 8))
    layer = layers.Maxout(4, dtype="float64")
    assert dn.check_grad(lambda t: layer(t) ** 2, x) < 1e-6
    out = layers.Maxout(4)(dn.Input((6, 8)))
    assert out.shape == (None, 6, 4)


def test_maxout_errors():
    with pytest.raises(ValueError, match=r"`num_units` must be a positive integer"):
        layers.Maxout(0)
    with pytest.raises(
        ValueError,
        match=r"axis -1 has size 10, which is not a multiple of "
        r"num_units=3",
    ):
        layers.Maxout(3)(data(2, 10))
    with pytest.raises(ValueError, match=r"axis=4 is out of range"):
        layers.Maxout(2, axis=4)(data(2, 4))


# ---------------------------------------------------------------------- errors, configs
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: layers.ReLU(max_value=-1.0), r"`max_value` must be a number ≥ 0.0"),
        (lambda: layers.ReLU(negative_slope=-0.1), r"received negative_slope=-0.1"),
        (lambda: layers.ReLU(threshold=-1), r"`threshold` must be a number ≥ 0.0"),
        (lambda: layers.LeakyReLU(negative_slope=-0.3), r"`negative_slope` must be a number"),
        (lambda: layers.ELU(alpha="one"), r"`alpha` must be a number, received alpha='one'"),
        (lambda: layers.Softmax(axis="last"), r"`axis` must be an integer or a non-empty list"),
    ],
)
def test_activation_layers_reject_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.layers.ReLU(max_value=6.0, negative_slope=0.1),
        lambda m: m.layers.LeakyReLU(0.2),
        lambda m: m.layers.PReLU(alpha_initializer="ones", shared_axes=[1, 2]),
        lambda m: m.layers.ELU(0.7),
        lambda m: m.layers.Softmax(axis=[1, 2]),
    ],
)
def test_activation_configs_match_keras_and_round_trip(make):
    check_config_matches(make(K), make(dn), from_keras=True)


def test_activation_layer_default_names_are_keras_names():
    dn.layers.clear_session()
    assert [layers.ReLU().name, layers.LeakyReLU().name, layers.PReLU().name] == [
        "re_lu",
        "leaky_re_lu",
        "p_re_lu",
    ]
    assert layers.Maxout(2).get_config()["num_units"] == 2
