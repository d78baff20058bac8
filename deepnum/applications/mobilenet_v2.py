"""MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR
2018) with Keras's layers, names and weight files."""

from __future__ import annotations

import warnings
from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.backend import image_data_format, is_keras_tensor
from deepnum.models import Model

BASE_WEIGHT_PATH = f"{_base.KERAS_APPLICATIONS}mobilenet_v2/"
SIZES = (96, 128, 160, 192, 224)
ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
# (filters, stride, expansion) of the 17 inverted residual blocks
BLOCKS = (
    (16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
    (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6),
    (160, 1, 6), (160, 1, 6), (320, 1, 6),
)  # fmt: skip


def MobileNetV2(  # noqa: N802 - Keras's name
    input_shape: Any = None,
    alpha: float = 1.0,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str | None = None,
) -> Model:
    """MobileNetV2: a 3×3/2 convolution, 17 inverted residual blocks (1×1 expansion, 3×3
    depthwise, linear 1×1 projection, a residual sum when shapes allow), a 1×1 convolution to
    1280 channels and the classifier; 3.5 M parameters at ``alpha=1``. Inputs: RGB in [0, 255]
    through :func:`preprocess_input` ("tf": [−1, 1]).

    Args:
        input_shape: (height, width, 3), each side ≥ 32; ImageNet weights exist for square
            inputs of 96, 128, 160, 192 or 224.
        alpha: the width multiplier (filters rounded to multiples of 8; weights for 0.35, 0.5,
            0.75, 1.0, 1.3, 1.4).
        include_top: keep the global average pooling and the Dense classifier.
        weights: None, ``"imagenet"`` or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        classes: the number of classes of the top.
        classifier_activation: the activation of the top (None: logits).
        name: the model's name (default ``mobilenetv2_{alpha:.2f}_{rows}``).

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import MobileNetV2
        >>> MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=10).count_params()
        2270794
    """
    _base.check_arguments("MobileNetV2", weights, include_top, classes)
    default_size = _default_size(input_shape, input_tensor)
    input_shape = _base.obtain_input_shape(input_shape, default_size, 32, include_top, weights)
    rows, cols = _rows_cols(input_shape)
    if weights == "imagenet":
        rows = _check_imagenet(alpha, rows, cols)
    img_input = _base.image_input(input_tensor, input_shape)
    axis = _base.channel_axis(-1)
    x = layers.Conv2D(
        _make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same",
        use_bias=False, name="Conv1",
    )(img_input)  # fmt: skip
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last_block_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = _base.classifier(x, classes, classifier_activation, weights)
    else:
        x = _base.pooled(x, pooling, None, None)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    suffix = "" if include_top else "_no_top"
    file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{suffix}.h5"
    files = (file_name, BASE_WEIGHT_PATH + file_name, None)  # Keras publishes no hash
    return _base.finish("MobileNetV2", input_tensor, img_input, x, name, weights, files)


def _rows_cols(shape: Any) -> tuple:
    if image_data_format() == "channels_first":
        return shape[1], shape[2]
    return shape[0], shape[1]


def _default_size(input_shape: Any, input_tensor: Any) -> int:
    """224, or the size of a square input that has published weights (Keras's rule)."""
    if input_shape is None and input_tensor is not None and is_keras_tensor(input_tensor):
        first = image_data_format() == "channels_first"
        rows, cols = input_tensor.shape[2:4] if first else input_tensor.shape[1:3]
    elif input_shape is not None:
        rows, cols = _rows_cols(input_shape)
    else:
        return 224
    return rows if rows == cols and rows in SIZES else 224


def _check_imagenet(alpha: float, rows: Any, cols: Any) -> int:
    if alpha not in ALPHAS:
        raise ValueError(
            "MobileNetV2: if imagenet weights are being loaded, alpha must be one of `0.35`, "
            f"`0.50`, `0.75`, `1.0`, `1.3` or `1.4` only. Received alpha={alpha}"
        )
    if rows != cols or rows not in SIZES:
        warnings.warn(
            "`input_shape` is undefined or non-square, or `rows` is not in [96, 128, 160, "
            "192, 224]. Weights for input shape (224, 224) will be loaded as the default.",
            stacklevel=3,
        )
        return 224
    return rows


def _inverted_res_block(
    inputs: Any, expansion: int, stride: int, alpha: float, filters: int, block_id: int
) -> Any:
    """1×1 expansion to ``expansion ·`` channels (not in block 0), 3×3 depthwise (stride),
    linear 1×1 projection; each with BatchNormalization (ReLU6 after the first two), and the
    input added when the shapes match."""
    axis = _base.channel_axis(-1)
    in_channels = inputs.shape[axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"

    def bn(suffix: str) -> Any:
        return layers.BatchNormalization(
            axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}{suffix}"
        )

    if block_id:
        x = layers.Conv2D(
            expansion * in_channels, kernel_size=1, padding="same", use_bias=False,
            activation=None, name=f"{prefix}expand",
        )(x)  # fmt: skip
        x = bn("expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        pad = imagenet_utils.correct_pad(x, 3)
        x = layers.ZeroPadding2D(padding=pad, name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(
        kernel_size=3, strides=stride, activation=None, use_bias=False,
        padding="same" if stride == 1 else "valid", name=f"{prefix}depthwise",
    )(x)  # fmt: skip
    x = bn("depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(
        pointwise_filters, kernel_size=1, padding="same", use_bias=False, activation=None,
        name=f"{prefix}project",
    )(x)  # fmt: skip
    x = bn("project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``), never
    more than 10 % below ``v``."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """MobileNetV2's preprocessing, ``imagenet_utils.preprocess_input(mode="tf")``:
    x / 127.5 − 1.

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.array([255.0])).tolist()
        [1.0]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction; see
    :func:`deepnum.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
