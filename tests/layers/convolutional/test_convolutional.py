"""Convolution layers against Keras 3 (torch backend): Conv1D, Conv2D, Conv1DTranspose,
Conv2DTranspose, DepthwiseConv1D/2D, SeparableConv1D/2D — outputs, gradients with respect to
inputs and weights, output shapes, parameter counts, configs — and their error messages."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.layers.keras_parity import compare_with_keras, keras

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def check(name: str, kwargs: dict, shape: tuple) -> None:
    """Build the Keras and deepnum layers of the same name and config, compare everything."""
    compare_with_keras(
        getattr(K.layers, name)(**kwargs), getattr(layers, name)(**kwargs), data(*shape)
    )


# ----------------------------------------------------------------------------- Conv2D
@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"filters": 4, "kernel_size": 3}, (2, 7, 6, 3)),
        ({"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 7, 6, 3)),
        (
            {"filters": 3, "kernel_size": (2, 3), "strides": (1, 2), "activation": "relu"},
            (2, 6, 7, 2),
        ),
        ({"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (1, 7, 7, 3)),
        ({"filters": 6, "kernel_size": 3, "groups": 2, "padding": "same"}, (2, 5, 5, 4)),
        (
            {"filters": 4, "kernel_size": 3, "use_bias": False, "bias_initializer": "ones"},
            (2, 5, 5, 1),
        ),
        (
            {
                "filters": 4,
                "kernel_size": 2,
                "strides": 2,
                "data_format": "channels_first",
                "padding": "same",
            },
            (2, 3, 5, 5),
        ),
        (
            {
                "filters": 3,
                "kernel_size": 3,
                "padding": "SAME",
                "activation": "tanh",
                "bias_initializer": "ones",
            },
            (1, 4, 4, 6),
        ),
    ],
    ids=str,
)
def test_conv2d_matches_keras(kwargs, shape):
    check("Conv2D", kwargs, shape)


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"filters": 4, "kernel_size": 3}, (2, 9, 3)),
        ({"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (2, 9, 3)),
        ({"filters": 4, "kernel_size": 2, "strides": 3, "padding": "same", "groups": 2}, (2, 8, 4)),
        ({"filters": 2, "kernel_size": 3, "data_format": "channels_first"}, (2, 3, 7)),
    ],
    ids=str,
)
def test_conv1d_matches_keras(kwargs, shape):
    check("Conv1D", kwargs, shape)


def test_conv2d_regularization_losses_match_keras():
    kwargs = {
        "filters": 3,
        "kernel_size": 3,
        "kernel_regularizer": "l2",
        "bias_regularizer": "l1",
        "activity_regularizer": "l2",
        "bias_initializer": "ones",
    }
    k, d = K.layers.Conv2D(**kwargs), layers.Conv2D(**kwargs)
    compare_with_keras(k, d, data(2, 5, 5, 2))
    want = sorted(float(v.detach()) for v in k.losses)
    np.testing.assert_allclose(sorted(float(v.numpy()) for v in d.losses), want, rtol=1e-5)


def test_conv2d_layout_defaults_and_mnist_shapes():
    layer = layers.Conv2D(32, 3, padding="same", activation="relu")
    y = layer(np.zeros((2, 28, 28, 1), "float32"))
    assert y.shape == (2, 28, 28, 32) and y.dtype == np.float32
    assert layer.kernel.shape == (3, 3, 1, 32) and layer.count_params() == 320
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert np.abs(layer.kernel.numpy()).max() <= np.sqrt(6 / (9 * 1 + 9 * 32))  # glorot_uniform
    assert layer.compute_output_shape((None, 28, 28, 1)) == (None, 28, 28, 32)
    assert layers.Conv2D(64, 3).compute_output_shape((None, 14, None, 32)) == (None, 12, None, 64)
    assert layers.Conv2D(8, 3).name.startswith("conv2d")


# ----------------------------------------------------------------------------- transposed
@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"filters": 3, "kernel_size": 3}, (2, 4, 5, 2)),
        ({"filters": 3, "kernel_size": 3, "strides": 2}, (2, 4, 3, 2)),
        ({"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"}, (1, 3, 4, 3)),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (1, 3, 4, 2)),
        (
            {"filters": 2, "kernel_size": 5, "strides": 3, "padding": "same", "output_padding": 1},
            (1, 3, 2, 2),
        ),
        ({"filters": 2, "kernel_size": 3, "padding": "same", "dilation_rate": 2}, (1, 4, 4, 2)),
        ({"filters": 2, "kernel_size": 2, "strides": 3, "activation": "relu"}, (2, 3, 3, 2)),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1}, (1, 3, 3, 2)),
        (
            {"filters": 2, "kernel_size": 2, "strides": 2, "data_format": "channels_first"},
            (1, 3, 3, 4),
        ),
    ],
    ids=str,
)
def test_conv2d_transpose_matches_keras(kwargs, shape):
    check("Conv2DTranspose", kwargs, shape)


def test_conv1d_transpose_matches_keras():
    check("Conv1DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2}, (2, 5, 2))


# ----------------------------------------------------------------------------- depthwise
@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"kernel_size": 3}, (2, 5, 6, 3)),
        ({"kernel_size": 3, "depth_multiplier": 2, "strides": 2, "padding": "same"}, (2, 6, 5, 3)),
        ({"kernel_size": 2, "dilation_rate": 2, "activation": "relu"}, (1, 6, 6, 2)),
        ({"kernel_size": 3, "depth_multiplier": 2, "data_format": "channels_first"}, (1, 2, 5, 5)),
    ],
    ids=str,
)
def test_depthwise_conv2d_matches_keras(kwargs, shape):
    check("DepthwiseConv2D", kwargs, shape)


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"filters": 4, "kernel_size": 3}, (2, 5, 6, 3)),
        (
            {
                "filters": 3,
                "kernel_size": 3,
                "depth_multiplier": 2,
                "strides": 2,
                "padding": "same",
                "activation": "relu",
            },
            (1, 7, 6, 2),
        ),
    ],
    ids=str,
)
def test_separable_conv2d_matches_keras(kwargs, shape):
    check("SeparableConv2D", kwargs, shape)


def test_1d_depthwise_and_separable_match_keras():
    check("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2}, (2, 7, 3))
    check("SeparableConv1D", {"filters": 4, "kernel_size": 3, "padding": "same"}, (2, 7, 3))


def test_separable_weights_are_named_and_ordered_like_keras():
    layer = layers.SeparableConv2D(16, 3)
    layer(np.zeros((1, 8, 8, 4), "float32"))
    assert [(w.name, w.shape) for w in layer.weights] == [
        ("depthwise_kernel", (3, 3, 4, 1)),
        ("pointwise_kernel", (1, 1, 4, 16)),
        ("bias", (16,)),
    ]


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"filters": 0, "kernel_size": 3}, r"`filters` must be a positive integer.*filters=0"),
        (
            {"filters": 4, "kernel_size": 3, "padding": "diagonal"},
            r"`padding` argument must be one of \('valid', 'same'\).*'diagonal'",
        ),
        ({"filters": 4, "kernel_size": 3, "strides": -1}, r"`strides`.*value > 0.*strides=-1"),
        ({"filters": 4, "kernel_size": (3, 3, 3)}, r"`kernel_size`.*tuple of 2 ints"),
        ({"filters": 5, "kernel_size": 3, "groups": 2}, r"divisible.*groups=2, filters=5"),
        (
            {"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
            r"`strides > 1` not supported.*`dilation_rate > 1`",
        ),
        ({"filters": 4, "kernel_size": 3, "data_format": "nhwc"}, r"`data_format`.*'nhwc'"),
        ({"filters": 4, "kernel_size": 3, "padding": "causal"}, r"padding.*'causal'"),
    ],
    ids=str,
)
def test_conv2d_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.Conv2D(**kwargs)


def test_bad_transpose_and_depthwise_arguments():
    with pytest.raises(ValueError, match=r"strides must be greater than output padding"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"`depth_multiplier` must be a positive integer"):
        layers.DepthwiseConv2D(3, depth_multiplier=0)


def test_conv2d_on_gray_images_without_channel_axis_says_add_it():
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3") as e:
        layers.Conv2D(8, 3)(np.zeros((2, 28, 28), "float32"))
    assert "(None, 28, 28)" in str(e.value)
    assert "expand_dims" in str(e.value) and "Reshape" in str(e.value)


def test_conv2d_channel_mismatch_and_group_errors():
    layer = layers.Conv2D(4, 3)
    layer(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        layer(np.zeros((1, 5, 5, 2), "float32"))
    with pytest.raises(ValueError, match=r"input channels must be evenly divisible.*groups=2"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"output size would be -1"):
        layers.Conv2D(4, 7).compute_output_shape((None, 5, 5, 3))


def test_conv_in_a_sequential_model_matches_keras_counts():
    def model(lib):
        return lib.Sequential(
            [
                lib.Input((28, 28, 1)),
                lib.layers.Conv2D(32, 3, padding="same", activation="relu"),
                lib.layers.MaxPooling2D(),
                lib.layers.SeparableConv2D(16, 3, activation="relu"),
                lib.layers.GlobalAveragePooling2D(),
                lib.layers.Dense(10),
            ]
        )

    k, d = model(K), model(dn)
    assert d.count_params() == k.count_params()
    assert tuple(d.output_shape) == tuple(k.output_shape) == (None, 10)
    d.set_weights(k.get_weights())
    x = data(2, 28, 28, 1)
    np.testing.assert_allclose(d(x).numpy(), k(x).detach().numpy(), atol=1e-5, rtol=1e-5)


def test_keras_alternative_names():
    for alias, name in [
        ("Convolution2D", "Conv2D"),
        ("Convolution1DTranspose", "Conv1DTranspose"),
        ("SeparableConvolution2D", "SeparableConv2D"),
        ("MaxPool2D", "MaxPooling2D"),
        ("AvgPool1D", "AveragePooling1D"),
        ("GlobalAvgPool2D", "GlobalAveragePooling2D"),
        ("GlobalMaxPool1D", "GlobalMaxPooling1D"),
    ]:
        assert getattr(layers, alias) is getattr(layers, name)
        assert getattr(K.layers, alias) is getattr(K.layers, name)
