"""InceptionResNetV2 (Szegedy et al., "Inception-v4, Inception-ResNet and the Impact of
Residual Connections on Learning", AAAI 2017) with Keras's layers, names and weight files."""

from __future__ import annotations

from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.layers import CustomScaleLayer
from deepnum.models import Model

BASE_WEIGHT_URL = f"{_base.KERAS_APPLICATIONS}inception_resnet_v2/"
WEIGHTS_HASHES = ("e693bd0210a403b3192acc6073ad2e96", "d19885ff4a710c122648d3b5c3b684e4")

__all__ = ["CustomScaleLayer", "InceptionResNetV2", "decode_predictions", "preprocess_input"]


def conv2d_bn(
    x: Any,
    filters: int,
    kernel_size: Any,
    strides: int = 1,
    padding: str = "same",
    activation: str | None = "relu",
    use_bias: bool = False,
    name: str | None = None,
) -> Any:
    """A convolution, then (without bias) BatchNormalization without scale, then the
    activation."""
    x = layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name
    )(x)
    if not use_bias:
        bn_name = None if name is None else f"{name}_bn"
        x = layers.BatchNormalization(axis=_base.channel_axis(), scale=False, name=bn_name)(x)
    if activation is not None:
        ac_name = None if name is None else f"{name}_ac"
        x = layers.Activation(activation, name=ac_name)(x)
    return x


def _branches(x: Any, block_type: str) -> list[Any]:
    if block_type == "block35":
        return [
            conv2d_bn(x, 32, 1),
            conv2d_bn(conv2d_bn(x, 32, 1), 32, 3),
            conv2d_bn(conv2d_bn(conv2d_bn(x, 32, 1), 48, 3), 64, 3),
        ]
    if block_type == "block17":
        return [
            conv2d_bn(x, 192, 1),
            conv2d_bn(conv2d_bn(conv2d_bn(x, 128, 1), 160, [1, 7]), 192, [7, 1]),
        ]
    if block_type == "block8":
        return [
            conv2d_bn(x, 192, 1),
            conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1), 224, [1, 3]), 256, [3, 1]),
        ]
    raise ValueError(
        "Unknown Inception-ResNet block type. Expects 'block35', 'block17' or 'block8', but "
        f"got: {block_type!r}"
    )


def inception_resnet_block(
    x: Any, scale: float, block_type: str, block_idx: int, activation: str | None = "relu"
) -> Any:
    """An Inception-ResNet block: parallel branches, concatenated, projected back by a 1×1
    convolution with bias, added to the input scaled by ``scale`` (``CustomScaleLayer``)."""
    block_name = f"{block_type}_{block_idx}"
    axis = _base.channel_axis()
    mixed = layers.Concatenate(axis=axis, name=f"{block_name}_mixed")(_branches(x, block_type))
    up = conv2d_bn(
        mixed, x.shape[axis], 1, activation=None, use_bias=True, name=f"{block_name}_conv"
    )
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def _reduction(x: Any, name: str, branches: list[Any]) -> Any:
    pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    return layers.Concatenate(axis=_base.channel_axis(), name=name)(branches + [pool])


def InceptionResNetV2(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "inception_resnet_v2",
) -> Model:
    """InceptionResNetV2: the Inception stem, 10 block35, a reduction, 20 block17, a reduction
    and 10 block8 residual Inception blocks, a 1×1 convolution to 1536 channels; 55.9 M
    parameters with the top. Inputs: RGB in [0, 255] through :func:`preprocess_input` ("tf":
    [−1, 1]).

    Args:
        include_top: keep the global average pooling and the Dense classifier (then the input
            must be 299×299 with ImageNet weights).
        weights: None, ``"imagenet"`` or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        input_shape: (height, width, 3), each side ≥ 75.
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        classes: the number of classes of the top.
        classifier_activation: the activation of the top (None: logits).
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import InceptionResNetV2
        >>> InceptionResNetV2(weights=None).count_params()  # doctest: +SKIP
        55873736
    """
    _base.check_arguments("InceptionResNetV2", weights, include_top, classes)
    input_shape = _base.obtain_input_shape(input_shape, 299, 75, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    branches = [
        conv2d_bn(x, 96, 1),
        conv2d_bn(conv2d_bn(x, 48, 1), 64, 5),
        conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1), 96, 3), 96, 3),
        conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1),
    ]
    x = layers.Concatenate(axis=_base.channel_axis(), name="mixed_5b")(branches)
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    x = _reduction(x, "mixed_6a", [
        conv2d_bn(x, 384, 3, strides=2, padding="valid"),
        conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 256, 3), 384, 3, strides=2, padding="valid"),
    ])  # fmt: skip
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    x = _reduction(x, "mixed_7a", [
        conv2d_bn(conv2d_bn(x, 256, 1), 384, 3, strides=2, padding="valid"),
        conv2d_bn(conv2d_bn(x, 256, 1), 288, 3, strides=2, padding="valid"),
        conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 288, 3), 320, 3, strides=2, padding="valid"),
    ])  # fmt: skip
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = _base.classifier(x, classes, classifier_activation, weights)
    else:
        x = _base.pooled(x, pooling, None, None)
    fname = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels"
    fname += ".h5" if include_top else "_notop.h5"
    files = (fname, BASE_WEIGHT_URL + fname, WEIGHTS_HASHES[0 if include_top else 1])
    return _base.finish("InceptionResNetV2", input_tensor, img_input, x, name, weights, files)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """InceptionResNetV2's preprocessing, ``imagenet_utils.preprocess_input(mode="tf")``:
    x / 127.5 − 1.

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.array([127.5])).tolist()
        [0.0]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction; see
    :func:`deepnum.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
