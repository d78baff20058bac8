"""Conv3D and Conv3DTranspose against Keras 3 (torch backend) — outputs, gradients with respect
to inputs and weights, output shapes, parameter counts, configs — plus the 2-D signatures'
tuple defaults, files moving both ways and the error messages."""

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


CONV3D = [
    ({"filters": 3, "kernel_size": 3}, (2, 4, 5, 6, 2)),
    ({"filters": 2, "kernel_size": (2, 3, 2), "strides": 2, "padding": "same"}, (2, 5, 4, 5, 3)),
    ({"filters": 2, "kernel_size": 3, "dilation_rate": (2, 1, 1), "padding": "same"},
     (1, 5, 4, 4, 2)),
    ({"filters": 4, "kernel_size": 2, "groups": 2, "activation": "relu"}, (2, 3, 4, 3, 4)),
    ({"filters": 2, "kernel_size": 2, "strides": (1, 2, 1), "data_format": "channels_first"},
     (1, 3, 4, 5, 4)),
    ({"filters": 2, "kernel_size": 2, "use_bias": False, "padding": "same"}, (1, 3, 3, 3, 1)),
]  # fmt: skip


@pytest.mark.parametrize("kwargs, shape", CONV3D, ids=str)
def test_conv3d_matches_keras(kwargs, shape):
    check("Conv3D", kwargs, shape)


CONV3D_TRANSPOSE = [
    ({"filters": 2, "kernel_size": 3}, (2, 3, 4, 3, 2)),
    ({"filters": 3, "kernel_size": 2, "strides": 2, "padding": "same"}, (1, 2, 3, 2, 2)),
    ({"filters": 2, "kernel_size": 3, "strides": (2, 1, 3), "padding": "same"}, (1, 2, 3, 2, 3)),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": (1, 0, 1)}, (1, 2, 2, 3, 2)),
    ({"filters": 2, "kernel_size": 2, "dilation_rate": 2, "activation": "tanh"}, (1, 3, 2, 3, 2)),
    ({"filters": 2, "kernel_size": 2, "strides": 2, "data_format": "channels_first"},
     (1, 3, 2, 3, 2)),
]  # fmt: skip


@pytest.mark.parametrize("kwargs, shape", CONV3D_TRANSPOSE, ids=str)
def test_conv3d_transpose_matches_keras(kwargs, shape):
    check("Conv3DTranspose", kwargs, shape)


def test_aliases_weights_and_shapes():
    assert layers.Convolution3D is layers.Conv3D
    assert layers.Convolution3DTranspose is layers.Conv3DTranspose
    conv = layers.Conv3D(8, 3, padding="same")
    assert conv(data(1, 4, 4, 4, 2)).shape == (1, 4, 4, 4, 8)
    assert [(w.name, w.shape) for w in conv.weights] == [
        ("kernel", (3, 3, 3, 2, 8)),
        ("bias", (8,)),
    ]
    assert conv.compute_output_shape((None, None, 6, 7, 2)) == (None, None, 6, 7, 8)
    up = layers.Conv3DTranspose(4, 2, strides=2)
    assert up(data(1, 2, 3, 4, 5)).shape == (1, 4, 6, 8, 4)
    assert up.kernel.shape == (2, 2, 2, 4, 5) and up.count_params() == 2 * 2 * 2 * 4 * 5 + 4
    assert conv.name.startswith("conv3d") and up.name.startswith("conv3d_transpose")


@pytest.mark.parametrize(
    "name", ["Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "Conv3D",
             "Conv3DTranspose"],
)  # fmt: skip
def test_signatures_are_keras(name):
    ours = inspect.signature(getattr(layers, name).__init__)
    theirs = inspect.signature(getattr(K.layers, name).__init__)
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()
    ]


def test_rank_and_argument_errors():
    with pytest.raises(ValueError, match=r"conv3d.*expected ndim=5, found ndim=4") as e:
        layers.Conv3D(2, 3, name="conv3d_probe")(data(2, 6, 6, 1))
    assert "(None, 6, 6, 1)" in str(e.value)
    with pytest.raises(ValueError, match=r"Conv3D: .*`kernel_size`.*tuple of 3 ints"):
        layers.Conv3D(2, (3, 3))
    with pytest.raises(ValueError, match=r"Conv3DTranspose: strides must be greater than output"):
        layers.Conv3DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"Conv3D: computed output size would be -1"):
        layers.Conv3D(2, 5).compute_output_shape((None, 3, 8, 8, 1))
    conv = layers.Conv3D(2, 2)
    conv(data(1, 3, 3, 3, 2))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 2"):
        conv(data(1, 3, 3, 3, 4))


def volumes(k):
    inputs = k.Input((4, 6, 6, 2))
    h = k.layers.Conv3D(3, 3, padding="same", activation="relu")(inputs)
    h = k.layers.Conv3DTranspose(2, 2, strides=(1, 2, 2), padding="same")(h)
    return k.Model(inputs, k.layers.Conv3D(2, 2, strides=2)(h))


def test_conv3d_model_moves_both_ways(tmp_path):
    assert_moves_both_ways(tmp_path, volumes, data(2, 4, 6, 6, 2))
