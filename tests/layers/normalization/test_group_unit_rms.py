"""GroupNormalization, UnitNormalization and RMSNormalization against Keras 3 (torch backend):
outputs, gradients with respect to inputs and weights (torch autograd, and float64 numerical
gradients to second order), output shapes, configs, masks, files moving both ways, errors."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.layers.interop import assert_moves_both_ways
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 2.0 + 0.5).astype(np.float32)


def check(name: str, kwargs: dict, shape: tuple) -> None:
    """Compare with Keras, with non-trivial weights (γ, β, scale in [0.5, 1.5])."""
    k_layer, d_layer = getattr(K.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    k_layer.build(shape)
    rng = np.random.default_rng(3)
    k_layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("f") for w in k_layer.get_weights()])
    compare_with_keras(k_layer, d_layer, data(*shape))
    check_config_matches(k_layer, d_layer, from_keras=True)


GROUP = [
    ({"groups": 2}, (2, 4, 5, 6)),
    ({"groups": 2, "axis": 1}, (2, 4, 3, 3)),
    ({"groups": -1}, (2, 3, 4)),
    ({"groups": 1, "center": False}, (3, 6)),
    ({"groups": 3, "scale": False, "epsilon": 0.1}, (2, 3, 2, 2, 6)),
    ({"groups": 5, "axis": 2}, (2, 3, 5, 2)),
]


@pytest.mark.parametrize("kwargs, shape", GROUP, ids=str)
def test_group_normalization_matches_keras(kwargs, shape):
    check("GroupNormalization", kwargs, shape)


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": [1, 2]}, {"axis": (-1, -3)}], ids=str)
def test_unit_normalization_matches_keras(kwargs):
    compare_with_keras(
        K.layers.UnitNormalization(**kwargs), layers.UnitNormalization(**kwargs), data(2, 3, 4, 5)
    )


# Keras's torch backend only normalizes over trailing axes; other axes are checked below.
@pytest.mark.parametrize("kwargs", [{}, {"axis": [-2, -1]}, {"epsilon": 0.5}], ids=str)
def test_rms_normalization_matches_keras(kwargs):
    check("RMSNormalization", kwargs, (2, 3, 4, 5))


def test_rms_normalization_over_leading_axes():
    x = data(2, 3, 4, 5)
    layer = layers.RMSNormalization(axis=[1, 3], epsilon=1e-3)
    scale = np.random.default_rng(4).uniform(0.5, 1.5, (3, 5)).astype("f")
    layer.build(x.shape)
    layer.set_weights([scale])
    x64 = x.astype(np.float64)
    want = x64 / np.sqrt((x64**2).mean(axis=(1, 3), keepdims=True) + 1e-3) * scale[:, None]
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-5)
    assert layer.get_config()["axis"] == [1, 3]


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.GroupNormalization(groups=2, dtype="float64"),
        lambda: layers.RMSNormalization(axis=[1, 2], dtype="float64"),
        lambda: layers.UnitNormalization(axis=1, dtype="float64"),
    ],
)
def test_gradients_to_second_order(make):
    layer = make()
    x = data(2, 3, 4).astype(np.float64)
    layer.build(x.shape)
    assert dn.check_grad(lambda t: layer(t), x) < 1e-6

    def grad_norm(t):
        g = dn.grad(lambda u: (layer(u) ** 3).sum())(t)
        return (g * g).sum()

    assert dn.check_grad(grad_norm, x, rtol=1e-4) < 1e-4


def test_masks_pass_through_like_keras():
    x = data(2, 4, 6)
    mask = np.array([[True, True, False, False], [True, True, True, False]])
    for name, kwargs in [("GroupNormalization", {"groups": 3}), ("UnitNormalization", {})]:
        y = getattr(layers, name)(**kwargs)(dn.tensor(x), mask=dn.tensor(mask))
        assert np.array_equal(y._keras_mask.numpy(), mask), name
        assert getattr(K.layers, name)(**kwargs).supports_masking
    assert getattr(layers.RMSNormalization()(x), "_keras_mask", None) is None


@pytest.mark.parametrize(
    "name",
    ["GroupNormalization", "UnitNormalization", "RMSNormalization", "LayerNormalization"],
)
def test_signatures_are_keras(name):
    ours = inspect.signature(getattr(layers, name).__init__)
    theirs = inspect.signature(getattr(K.layers, name).__init__)
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()
    ]
    if name == "LayerNormalization":
        assert layers.LayerNormalization(rms_scaling=True).get_config()["rms_scaling"] is True


def test_errors_name_the_layer_and_the_fix():
    with pytest.raises(ValueError, match=r"`groups` must be a positive integer.*groups=0"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match=r'"gn": groups=4 must divide.*6.*groups=-1'):
        layers.GroupNormalization(groups=4, name="gn")(data(2, 6))
    with pytest.raises(ValueError, match=r"axis=3 is out of range.*rank 3"):
        layers.RMSNormalization(axis=3)(data(2, 3, 4))
    with pytest.raises(TypeError, match=r"UnitNormalization: argument `axis`.*'last'"):
        layers.UnitNormalization(axis="last")
    layer = layers.GroupNormalization(groups=2)
    layer(data(2, 4))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 4"):
        layer(data(2, 6))


def normalizers(k):
    inputs = k.Input((4, 6))
    h = k.layers.GroupNormalization(groups=3, gamma_initializer="random_uniform")(inputs)
    h = k.layers.RMSNormalization()(h)
    return k.Model(inputs, k.layers.UnitNormalization(axis=[1, 2])(h))


def test_normalization_model_moves_both_ways(tmp_path):
    assert_moves_both_ways(tmp_path, normalizers, data(3, 4, 6))
