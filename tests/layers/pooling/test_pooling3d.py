"""3-D, global 3-D and adaptive pooling layers against Keras 3 (torch backend) — outputs,
input gradients, output shapes, configs — with TensorFlow's SAME averaging checked against
NumPy, files moving both ways and the error messages."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from deepnum import layers
from tests.layers.interop import assert_moves_both_ways
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def check(name: str, kwargs: dict, shape: tuple) -> None:
    k_layer, d_layer = getattr(K.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    compare_with_keras(k_layer, d_layer, data(*shape))
    check_config_matches(k_layer, d_layer, from_keras=True)


WINDOWS_3D = [
    ({"pool_size": 2}, (2, 4, 5, 6, 3)),
    ({"pool_size": (2, 3, 2), "strides": (1, 2, 3), "padding": "same"}, (1, 5, 4, 6, 2)),
    ({"pool_size": 2, "strides": 1, "padding": "same"}, (1, 3, 4, 3, 2)),
    ({"pool_size": 2, "data_format": "channels_first"}, (2, 3, 4, 4, 5)),
]


@pytest.mark.parametrize("kwargs, shape", WINDOWS_3D, ids=str)
def test_max_pooling3d_matches_keras(kwargs, shape):
    check("MaxPooling3D", kwargs, shape)


# Keras-on-torch replicates edge voxels where SAME padding is asymmetric, which changes the
# averages; TensorFlow (and deepnum) average the real voxels only (NumPy check below). Only
# symmetric paddings are compared with Keras.
AVERAGE_3D = [WINDOWS_3D[0], ({"pool_size": 3, "strides": 1, "padding": "same"}, (1, 4, 3, 5, 2))]
AVERAGE_3D += WINDOWS_3D[2:]


@pytest.mark.parametrize("kwargs, shape", AVERAGE_3D, ids=str)
def test_average_pooling3d_matches_keras(kwargs, shape):
    check("AveragePooling3D", kwargs, shape)


def reference_average_pool3d(x: np.ndarray, k: int, s: int) -> np.ndarray:
    """TensorFlow's SAME average pooling: the mean of the real voxels of each window."""
    out = [-(-n // s) for n in x.shape[1:4]]
    pads = [max((o - 1) * s + k - n, 0) // 2 for o, n in zip(out, x.shape[1:4])]
    y = np.zeros((x.shape[0], *out, x.shape[4]), np.float64)
    for i, j, m in np.ndindex(*out):
        lo = [max(o * s - p, 0) for o, p in zip((i, j, m), pads)]
        hi = [min(o * s - p + k, n) for o, p, n in zip((i, j, m), pads, x.shape[1:4])]
        y[:, i, j, m] = x[:, lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]].mean(axis=(1, 2, 3))
    return y


def test_average_pooling3d_same_averages_real_voxels_like_tensorflow():
    x = data(2, 5, 6, 4, 2)
    y = layers.AveragePooling3D(3, strides=2, padding="same")(x).numpy()
    np.testing.assert_allclose(y, reference_average_pool3d(x, 3, 2), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["GlobalMaxPooling3D", "GlobalAveragePooling3D"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"keepdims": True}, {"data_format": "channels_first"}], ids=str
)
def test_global_pooling3d_matches_keras(name, kwargs):
    check(name, kwargs, (2, 3, 4, 2, 3))


ADAPTIVE = [
    ({"output_size": 2}, (2, 5, 3)),
    ({"output_size": (4,), "data_format": "channels_first"}, (2, 3, 7)),
    ({"output_size": (3, 2)}, (2, 7, 5, 3)),
    ({"output_size": 4, "data_format": "channels_first"}, (1, 2, 6, 9)),
    ({"output_size": (2, 3, 1)}, (2, 5, 7, 3, 2)),
    ({"output_size": 2, "data_format": "channels_first"}, (1, 2, 3, 4, 5)),
]


@pytest.mark.parametrize("kind", ["Average", "Max"])
@pytest.mark.parametrize("kwargs, shape", ADAPTIVE, ids=str)
def test_adaptive_pooling_matches_keras(kind, kwargs, shape):
    check(f"Adaptive{kind}Pooling{len(shape) - 2}D", kwargs, shape)


def test_aliases_defaults_and_shapes():
    assert layers.MaxPool3D is layers.MaxPooling3D and layers.AvgPool3D is layers.AveragePooling3D
    assert layers.GlobalMaxPool3D is layers.GlobalMaxPooling3D
    assert layers.GlobalAvgPool3D is layers.GlobalAveragePooling3D
    pool = layers.MaxPooling3D()
    assert pool.pool_size == (2, 2, 2) and pool.strides == (2, 2, 2)
    assert pool.compute_output_shape((None, 8, None, 5, 3)) == (None, 4, None, 2, 3)
    adaptive = layers.AdaptiveAveragePooling2D(3)
    assert adaptive.output_size == (3, 3)
    assert adaptive.compute_output_shape((None, None, None, 4)) == (None, 3, 3, 4)
    assert adaptive(data(2, 11, 6, 4)).shape == (2, 3, 3, 4) and adaptive.count_params() == 0


@pytest.mark.parametrize(
    "name",
    ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
     "AveragePooling3D", "AdaptiveMaxPooling2D", "GlobalAveragePooling3D"],
)  # fmt: skip
def test_signatures_are_keras(name):
    ours = inspect.signature(getattr(layers, name).__init__)
    theirs = inspect.signature(getattr(K.layers, name).__init__)
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()
    ]


def test_errors_name_the_argument_and_the_layer():
    with pytest.raises(TypeError, match=r"AdaptiveMaxPooling2D: .*`output_size`.*2 positive"):
        layers.AdaptiveMaxPooling2D((2, 2, 2))
    with pytest.raises(TypeError, match=r"output_size=0"):
        layers.AdaptiveAveragePooling1D(0)
    with pytest.raises(ValueError, match=r"`data_format`.*'NDHWC'"):
        layers.AdaptiveAveragePooling3D(2, data_format="NDHWC")
    with pytest.raises(ValueError, match=r"expected ndim=5, found ndim=4"):
        layers.MaxPooling3D(name="pool3d_probe")(data(2, 4, 4, 3))
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3.*expand_dims"):
        layers.AdaptiveAveragePooling2D(2)(data(2, 8, 8))
    with pytest.raises(ValueError, match=r"`pool_size`.*tuple of 3 ints"):
        layers.AveragePooling3D((2, 2))


def volumes(k):
    inputs = k.Input((6, 6, 4, 2))
    a = k.layers.MaxPooling3D(2, padding="same")(inputs)
    a = k.layers.AveragePooling3D(2, strides=1)(a)
    b = k.layers.AdaptiveMaxPooling3D((2, 3, 2))(inputs)
    b = k.layers.AdaptiveAveragePooling3D(1)(b)
    return k.Model(
        inputs,
        [k.layers.GlobalMaxPooling3D()(a), k.layers.GlobalAveragePooling3D(keepdims=True)(b)],
    )


def test_pooling3d_model_moves_both_ways(tmp_path):
    assert_moves_both_ways(tmp_path, volumes, data(2, 6, 6, 4, 2))
