"""MobileNet (Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile
Vision Applications", 2017): depthwise separable convolutions, with Keras's layers, names
and weight files."""

from __future__ import annotations

import warnings
from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.backend import image_data_format
from deepnum.models import Model

BASE_WEIGHT_PATH = f"{_base.KERAS_APPLICATIONS}mobilenet/"
SIZES = (128, 160, 192, 224)  # the input sizes with published weights
# (pointwise filters, stride) of the 13 depthwise separable blocks
BLOCKS = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1),
    (512, 1), (512, 1), (1024, 2), (1024, 1),
)  # fmt: skip


def MobileNet(  # noqa: N802 - Keras's name
    input_shape: Any = None,
    alpha: float = 1.0,
    depth_multiplier: int = 1,
    dropout: float = 1e-3,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str | None = None,
) -> Model:
    """MobileNet: a 3×3/2 convolution and 13 depthwise separable blocks (3×3 depthwise + 1×1
    pointwise convolutions, each with BatchNormalization and ReLU6); 4.3 M parameters at
    ``alpha=1``. Inputs: RGB in [0, 255] through :func:`preprocess_input` ("tf": [−1, 1]).

    Args:
        input_shape: (height, width, 3), each side ≥ 32; ImageNet weights exist for square
            inputs of 128, 160, 192 or 224 (224's are used otherwise).
        alpha: the width multiplier: every layer has ``int(filters · alpha)`` filters (weights
            for 0.25, 0.5, 0.75, 1.0).
        depth_multiplier: the depthwise convolutions' channel multiplier (1 with weights).
        dropout: the dropout rate before the classifier.
        include_top: keep the pooling, dropout and 1×1 convolution classifier.
        weights: None, ``"imagenet"`` or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        classes: the number of classes of the top.
        classifier_activation: the activation of the top (None: logits).
        name: the model's name (default ``mobilenet_{alpha:.2f}_{rows}``).

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import MobileNet
        >>> MobileNet(weights=None, alpha=0.25, include_top=False, input_shape=(32, 32, 3)).name
        'mobilenet_0.25_32'
    """
    _base.check_arguments("MobileNet", weights, include_top, classes)
    default_size = 224
    if input_shape is not None:
        rows, cols = _rows_cols(input_shape)
        if rows == cols and rows in SIZES:
            default_size = rows
    input_shape = _base.obtain_input_shape(input_shape, default_size, 32, include_top, weights)
    rows, cols = _rows_cols(input_shape)
    if weights == "imagenet":
        rows = _check_imagenet(alpha, depth_multiplier, rows, cols)
    img_input = _base.image_input(input_tensor, input_shape)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(BLOCKS, 1):
        x = _depthwise_conv_block(
            x, filters, alpha, depth_multiplier, strides=(stride, stride), block_id=block_id
        )
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _base.pooled(x, pooling, None, None)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0"}.get(alpha, "2_5")
    file_name = f"mobilenet_{alpha_text}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    files = (file_name, BASE_WEIGHT_PATH + file_name, None)  # Keras publishes no hash
    return _base.finish("MobileNet", input_tensor, img_input, x, name, weights, files)


def _rows_cols(input_shape: Any) -> tuple:
    if image_data_format() == "channels_first":
        return input_shape[1], input_shape[2]
    return input_shape[0], input_shape[1]


def _check_imagenet(alpha: float, depth_multiplier: int, rows: Any, cols: Any) -> int:
    if depth_multiplier != 1:
        raise ValueError(
            "MobileNet: if imagenet weights are being loaded, depth multiplier must be 1. "
            f"Received depth_multiplier={depth_multiplier}"
        )
    if alpha not in (0.25, 0.50, 0.75, 1.0):
        raise ValueError(
            "MobileNet: if imagenet weights are being loaded, alpha can be one of `0.25`, "
            f"`0.50`, `0.75` or `1.0` only. Received alpha={alpha}"
        )
    if rows != cols or rows not in SIZES:
        warnings.warn(
            "`input_shape` is undefined or non-square, or `rows` is not in [128, 160, 192, "
            "224]. Weights for input shape (224, 224) will be loaded as the default.",
            stacklevel=3,
        )
        return 224
    return rows


def _conv_block(
    inputs: Any, filters: int, alpha: float, kernel: Any = (3, 3), strides: Any = (1, 1)
) -> Any:
    """The stem: convolution (``int(filters · alpha)`` filters), BatchNormalization, ReLU6."""
    x = layers.Conv2D(
        int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides,
        name="conv1",
    )(inputs)  # fmt: skip
    x = layers.BatchNormalization(axis=_base.channel_axis(-1), name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(
    inputs: Any,
    pointwise_conv_filters: int,
    alpha: float,
    depth_multiplier: int = 1,
    strides: Any = (1, 1),
    block_id: int = 1,
) -> Any:
    """3×3 depthwise (zero-padded bottom/right when strided) and 1×1 pointwise convolutions,
    each followed by BatchNormalization and ReLU6."""
    axis = _base.channel_axis(-1)
    if strides == (1, 1):
        x = inputs
    else:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(inputs)
    x = layers.DepthwiseConv2D(
        (3, 3), padding="same" if strides == (1, 1) else "valid",
        depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
        name=f"conv_dw_{block_id}",
    )(x)  # fmt: skip
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(
        int(pointwise_conv_filters * alpha), (1, 1), padding="same", use_bias=False,
        strides=(1, 1), name=f"conv_pw_{block_id}",
    )(x)  # fmt: skip
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """MobileNet's preprocessing, ``imagenet_utils.preprocess_input(mode="tf")``:
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
