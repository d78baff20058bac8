"""Xception (Chollet, "Xception: Deep Learning with Depthwise Separable Convolutions", CVPR
2017) with Keras's layers, names and weight files."""

from __future__ import annotations

from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.models import Model

WEIGHTS_PATH = f"{_base.KERAS_APPLICATIONS}xception/xception_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = (
    f"{_base.KERAS_APPLICATIONS}xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5"
)
WEIGHTS_HASHES = ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")


def _sepconv_bn(x: Any, filters: int, name: str) -> Any:
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=_base.channel_axis(-1), name=f"{name}_bn")(x)


def _entry_block(x: Any, filters: tuple[int, int], block: int, first: bool = False) -> Any:
    """Two separable convolutions and a strided max pooling, added to a strided 1×1
    projection of the input."""
    axis = _base.channel_axis(-1)
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=axis)(residual)
    if not first:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1")
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "xception",
) -> Model:
    """Xception: an entry flow of strided separable-convolution blocks, eight middle-flow
    residual blocks of three 728-channel separable convolutions, an exit flow; 22.9 M
    parameters with the top. Inputs: RGB in [0, 255] through :func:`preprocess_input` ("tf":
    [−1, 1]).

    Args:
        include_top: keep the global average pooling and the Dense classifier (then the input
            must be 299×299 with ImageNet weights).
        weights: None, ``"imagenet"`` or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        input_shape: (height, width, 3), each side ≥ 71.
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        classes: the number of classes of the top.
        classifier_activation: the activation of the top (None: logits).
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import Xception
        >>> Xception(weights=None, include_top=False, input_shape=(71, 71, 3)).output_shape
        (None, 3, 3, 2048)
    """
    _base.check_arguments("Xception", weights, include_top, classes)
    input_shape = _base.obtain_input_shape(input_shape, 299, 71, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    axis = _base.channel_axis(-1)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _entry_block(x, (128, 128), 2, first=True)
    x = _entry_block(x, (256, 256), 3)
    x = _entry_block(x, (728, 728), 4)
    for i in range(8):
        residual, prefix = x, f"block{i + 5}"
        for j in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{j}_act")(x)
            x = _sepconv_bn(x, 728, f"{prefix}_sepconv{j}")
        x = layers.add([x, residual])
    x = _entry_block(x, (728, 1024), 13)
    x = _sepconv_bn(x, 1536, "block14_sepconv1")
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sepconv_bn(x, 2048, "block14_sepconv2")
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = _base.classifier(x, classes, classifier_activation, weights)
    else:
        x = _base.pooled(x, pooling, None, None)
    files = (
        ("xception_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH, WEIGHTS_HASHES[0])
        if include_top
        else (
            "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
            WEIGHTS_PATH_NO_TOP,
            WEIGHTS_HASHES[1],
        )  # fmt: skip
    )
    return _base.finish("Xception", input_tensor, img_input, x, name, weights, files)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Xception's preprocessing, ``imagenet_utils.preprocess_input(mode="tf")``:
    x / 127.5 − 1.

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.array([0.0])).tolist()
        [-1.0]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction; see
    :func:`deepnum.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
