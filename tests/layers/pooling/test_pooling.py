"""Pooling layers against Keras 3 (torch backend): MaxPooling1D/2D, AveragePooling1D/2D,
GlobalMax/GlobalAveragePooling1D/2D — outputs, input gradients, output shapes, configs — and
their error messages."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.layers.keras_parity import compare_with_keras, keras

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def check(name: str, kwargs: dict, shape: tuple, **options) -> None:
    compare_with_keras(
        getattr(K.layers, name)(**kwargs), getattr(layers, name)(**kwargs), data(*shape), **options
    )


WINDOWS_2D = [
    ({}, (2, 6, 6, 3)),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 5, 2)),
    ({"pool_size": (2, 3), "strides": 1, "padding": "same"}, (1, 5, 6, 2)),
    ({"pool_size": 3, "strides": (1, 2)}, (1, 6, 7, 2)),
    ({"pool_size": 2, "padding": "same", "data_format": "channels_first"}, (2, 3, 5, 5)),
]


@pytest.mark.parametrize("kwargs, shape", WINDOWS_2D, ids=str)
def test_max_pooling2d_matches_keras(kwargs, shape):
    check("MaxPooling2D", kwargs, shape)


# Keras-on-torch replicates edge pixels where SAME padding is asymmetric and the window is
# wider than 2, which changes averages; TensorFlow (and deepnum) average the real pixels only
# (test below). Those configurations are left out of the parity run.
AVERAGE_2D = WINDOWS_2D[:2] + [({"pool_size": 3, "strides": 1, "padding": "same"}, (1, 5, 6, 2))]
AVERAGE_2D += WINDOWS_2D[3:]


@pytest.mark.parametrize("kwargs, shape", AVERAGE_2D, ids=str)
def test_average_pooling2d_matches_keras(kwargs, shape):
    kwargs = {"pool_size": 2, **kwargs}  # Keras 3 requires pool_size here
    check("AveragePooling2D", kwargs, shape)


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({}, (2, 7, 3)),
        ({"pool_size": 3, "strides": 1, "padding": "same"}, (2, 6, 2)),
        ({"pool_size": 2, "data_format": "channels_first"}, (2, 3, 6)),
    ],
    ids=str,
)
def test_pooling1d_matches_keras(kwargs, shape):
    check("MaxPooling1D", kwargs, shape)
    check("AveragePooling1D", {"pool_size": 2, **kwargs}, shape)


def test_average_pooling_same_excludes_the_padding_like_tensorflow():
    """pool 3, stride 2 on 6 pixels pads one pixel after: TensorFlow averages the last window
    over its 2 real pixels (Keras-on-torch replicates the edge pixel here instead)."""
    x = np.arange(6, dtype=np.float32).reshape(1, 6, 1)
    y = layers.AveragePooling1D(3, strides=2, padding="same")(x)
    np.testing.assert_allclose(y.numpy()[0, :, 0], [1.0, 3.0, 4.5])


@pytest.mark.parametrize("name", ["GlobalMaxPooling2D", "GlobalAveragePooling2D"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"keepdims": True}, {"data_format": "channels_first"}], ids=str
)
def test_global_pooling2d_matches_keras(name, kwargs):
    check(name, kwargs, (2, 4, 5, 3))


@pytest.mark.parametrize("name", ["GlobalMaxPooling1D", "GlobalAveragePooling1D"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"keepdims": True, "data_format": "channels_first"}], ids=str
)
def test_global_pooling1d_matches_keras(name, kwargs):
    check(name, kwargs, (2, 5, 3))


def test_global_average_pooling1d_averages_unmasked_steps_like_keras():
    x = data(2, 4, 3)
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    got = layers.GlobalAveragePooling1D()(x, mask=dn.tensor(mask)).numpy()
    want = K.layers.GlobalAveragePooling1D()(x, mask=mask).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(got[0], x[0, :2].mean(axis=0), rtol=1e-6)


def test_pooling_defaults_and_shapes():
    pool = layers.MaxPooling2D()
    assert pool.pool_size == (2, 2) and pool.strides == (2, 2) and pool.padding == "valid"
    assert pool(np.zeros((2, 28, 28, 32), "float32")).shape == (2, 14, 14, 32)
    assert pool.compute_output_shape((None, 7, None, 8)) == (None, 3, None, 8)
    assert pool.weights == [] and pool.count_params() == 0
    assert layers.MaxPooling2D(3, padding="same").compute_output_shape((None, 7, 7, 1)) == (
        None,
        3,
        3,
        1,
    )
    assert pool.name.startswith("max_pooling2d")


@pytest.mark.parametrize(
    "cls, kwargs, message",
    [
        ("MaxPooling2D", {"pool_size": 0}, r"`pool_size`.*value > 0"),
        ("MaxPooling2D", {"padding": "full"}, r"`padding` argument must be one of.*'full'"),
        ("AveragePooling2D", {"pool_size": 2, "strides": (1, 2, 3)}, r"`strides`.*2 ints"),
        ("MaxPooling1D", {"padding": "causal"}, r"`padding`.*'causal'"),
        ("GlobalMaxPooling2D", {"data_format": "NHWC"}, r"`data_format`.*'NHWC'"),
    ],
    ids=str,
)
def test_pooling_rejects_bad_arguments(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(layers, cls)(**kwargs)


def test_pooling_rank_error():
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3.*expand_dims"):
        layers.MaxPooling2D()(np.zeros((2, 28, 28), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=5.*Flatten"):
        layers.GlobalAveragePooling2D()(np.zeros((2, 3, 3, 3, 3), "float32"))
