"""MobileNetV3Small and MobileNetV3Large (Howard et al., "Searching for MobileNetV3", ICCV
2019) with Keras's layers, names and weight files."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.backend import image_data_format
from deepnum.models import Model

BASE_WEIGHT_PATH = f"{_base.KERAS_APPLICATIONS}mobilenet_v3/"
WEIGHTS_HASHES = {
    "large_224_0.75_float": (
        "765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e",
    ),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": (
        "675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973",
    ),
    "small_224_0.75_float": (
        "cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819",
    ),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": (
        "99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4",
    ),
}  # fmt: skip
# (expansion, filters, kernel ("k": 5, or 3 when minimalistic), stride, squeeze-excite,
#  activation ("hs": hard swish, or ReLU when minimalistic)) of each inverted residual block
SMALL = (
    (1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"),
    (88 / 24, 24, 3, 1, False, "relu"), (4, 40, "k", 2, True, "hs"), (6, 40, "k", 1, True, "hs"),
    (6, 40, "k", 1, True, "hs"), (3, 48, "k", 1, True, "hs"), (3, 48, "k", 1, True, "hs"),
    (6, 96, "k", 2, True, "hs"), (6, 96, "k", 1, True, "hs"), (6, 96, "k", 1, True, "hs"),
)  # fmt: skip
LARGE = (
    (1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"), (3, 24, 3, 1, False, "relu"),
    (3, 40, "k", 2, True, "relu"), (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
    (6, 80, 3, 2, False, "hs"), (2.5, 80, 3, 1, False, "hs"), (2.3, 80, 3, 1, False, "hs"),
    (2.3, 80, 3, 1, False, "hs"), (6, 112, 3, 1, True, "hs"), (6, 112, 3, 1, True, "hs"),
    (6, 160, "k", 2, True, "hs"), (6, 160, "k", 1, True, "hs"), (6, 160, "k", 1, True, "hs"),
)  # fmt: skip


def relu(x: Any) -> Any:
    """ReLU as a layer."""
    return layers.ReLU()(x)


def hard_sigmoid(x: Any) -> Any:
    """relu6(x + 3) / 6, as Keras writes it: two operations around a ReLU(6) layer."""
    x = layers.ReLU(6.0)(_base.keras_operation("Add", x, 3.0))
    return _base.keras_operation("Multiply", x, 1.0 / 6.0)


def hard_swish(x: Any) -> Any:
    """x · relu6(x + 3) / 6 as an Activation layer."""
    return layers.Activation("hard_swish")(x)


def _depth(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """``v`` rounded to the nearest multiple of ``divisor``, never 10 % below ``v``."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def MobileNetV3(  # noqa: N802 - Keras's name
    blocks: tuple,
    last_point_ch: int,
    input_shape: Any = None,
    alpha: float = 1.0,
    model_type: str = "large",
    minimalistic: bool = False,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    classes: int = 1000,
    pooling: str | None = None,
    dropout_rate: float = 0.2,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str | None = None,
) -> Model:
    """A MobileNetV3 from its table of blocks (``SMALL`` or ``LARGE``); see
    :func:`MobileNetV3Small` for the arguments."""
    _base.check_arguments(name or "MobileNetV3", weights, include_top, classes)
    input_shape = _input_shape(input_shape, input_tensor)
    rows, cols = _rows_cols(input_shape)
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if weights == "imagenet":
        _check_imagenet(alpha, minimalistic, rows, cols)
    img_input = _base.image_input(input_tensor, input_shape)
    axis = _base.channel_axis(-1)
    kernel, activation = (3, relu) if minimalistic else (5, hard_swish)
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(
        16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv"
    )(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="conv_bn")(x)
    x = activation(x)
    for block_id, (expansion, filters, k, stride, se, act) in enumerate(blocks):
        x = _inverted_res_block(
            x, expansion, _depth(filters * alpha), kernel if k == "k" else k, stride,
            0.25 if se and not minimalistic else None, activation if act == "hs" else relu,
            block_id,
        )  # fmt: skip
    last_conv_ch = _depth(x.shape[axis] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="conv_1_bn")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(
            last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2"
        )(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _base.pooled(x, pooling, "avg_pool", "max_pool")
    key = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    files = None
    if key in WEIGHTS_HASHES:
        file_name = f"weights_mobilenet_v3_{key}{'' if include_top else '_no_top_v2'}.h5"
        file_hash = WEIGHTS_HASHES[key][0 if include_top else 1]
        files = (file_name, BASE_WEIGHT_PATH + file_name, file_hash)
    return _base.finish(name, input_tensor, img_input, x, name, weights, files)


def _rows_cols(shape: Any) -> tuple:
    if image_data_format() == "channels_first":
        return shape[1], shape[2]
    return shape[0], shape[1]


def _input_shape(input_shape: Any, input_tensor: Any) -> tuple:
    """The given shape (checked against ``input_tensor``), that of ``input_tensor``, or
    (None, None, 3)."""
    first = image_data_format() == "channels_first"
    if input_tensor is not None and hasattr(input_tensor, "shape"):
        rows, cols = input_tensor.shape[2:4] if first else input_tensor.shape[1:3]
        if input_shape is not None and _rows_cols(input_shape)[1] != cols:
            raise ValueError(
                "MobileNetV3: input_shape and input_tensor disagree: Received "
                f"input_shape={input_shape}, input_tensor.shape={input_tensor.shape}"
            )
        if input_shape is None:
            return (3, cols, rows) if first else (cols, rows, 3)
    if input_shape is None:
        return (3, None, None) if first else (None, None, 3)
    return tuple(input_shape)


def _check_imagenet(alpha: float, minimalistic: bool, rows: Any, cols: Any) -> None:
    if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
        raise ValueError(
            "MobileNetV3: if imagenet weights are being loaded, alpha can be one of `0.75`, "
            "`1.0` for non minimalistic or `1.0` for minimalistic only."
        )
    if rows != cols or rows != 224:
        warnings.warn(
            "`input_shape` is undefined or non-square, or `rows` is not 224. Weights for "
            "input shape (224, 224) will be loaded as the default.",
            stacklevel=3,
        )


def _se_block(inputs: Any, filters: int, se_ratio: float, prefix: str) -> Any:
    """Squeeze-and-excitation: global average pooling, 1×1 reduce (ReLU), 1×1 expand (hard
    sigmoid), multiplied into the input."""
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(
        inputs
    )
    x = layers.Conv2D(
        _depth(filters * se_ratio), kernel_size=1, padding="same",
        name=f"{prefix}squeeze_excite_conv",
    )(x)  # fmt: skip
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(
        filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1"
    )(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(
    x: Any,
    expansion: float,
    filters: int,
    kernel_size: int,
    stride: int,
    se_ratio: float | None,
    activation: Callable[[Any], Any],
    block_id: int,
) -> Any:
    """1×1 expansion (not in block 0), k×k depthwise (stride), optional squeeze-excite, linear
    1×1 projection, residual sum when the shapes match."""
    axis = _base.channel_axis(-1)
    shortcut, infilters, prefix = x, x.shape[axis], "expanded_conv_"

    def bn(suffix: str) -> Any:
        return layers.BatchNormalization(
            axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}{suffix}"
        )

    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(
            _depth(infilters * expansion), kernel_size=1, padding="same", use_bias=False,
            name=f"{prefix}expand",
        )(x)  # fmt: skip
        x = activation(bn("expand_bn")(x))
    if stride == 2:
        pad = imagenet_utils.correct_pad(x, kernel_size)
        x = layers.ZeroPadding2D(padding=pad, name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(
        kernel_size, strides=stride, padding="same" if stride == 1 else "valid", use_bias=False,
        name=f"{prefix}depthwise",
    )(x)  # fmt: skip
    x = activation(bn("depthwise_bn")(x))
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(
        filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project"
    )(x)
    x = bn("project_bn")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def MobileNetV3Small(  # noqa: N802 - Keras's name
    input_shape: Any = None,
    alpha: float = 1.0,
    minimalistic: bool = False,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    classes: int = 1000,
    pooling: str | None = None,
    dropout_rate: float = 0.2,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str = "MobileNetV3Small",
) -> Model:
    """MobileNetV3Small: 11 inverted residual blocks with squeeze-excite and hard swish; 2.6 M
    parameters at ``alpha=1``. The model rescales its [0, 255] RGB input itself
    (``include_preprocessing``), so :func:`preprocess_input` is the identity.

    Args:
        input_shape: (height, width, 3), each side ≥ 32 (default: any size).
        alpha: the width multiplier (weights for 0.75 and 1.0).
        minimalistic: 3×3 kernels, ReLU and no squeeze-excite (weights for alpha=1).
        include_top: keep the pooling, the 1×1 convolutions and the classifier.
        weights: None, ``"imagenet"`` or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        classes: the number of classes of the top.
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        dropout_rate: the dropout rate before the last 1×1 convolution.
        classifier_activation: the activation of the top (None: logits).
        include_preprocessing: start with ``Rescaling(1/127.5, offset=-1)``.
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import MobileNetV3Small
        >>> MobileNetV3Small(weights=None, input_shape=(32, 32, 3)).count_params()
        2554968
    """
    return MobileNetV3(
        SMALL, 1024, input_shape, alpha, "small", minimalistic, include_top, weights,
        input_tensor, classes, pooling, dropout_rate, classifier_activation,
        include_preprocessing, name,
    )  # fmt: skip


def MobileNetV3Large(  # noqa: N802 - Keras's name
    input_shape: Any = None,
    alpha: float = 1.0,
    minimalistic: bool = False,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    classes: int = 1000,
    pooling: str | None = None,
    dropout_rate: float = 0.2,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str = "MobileNetV3Large",
) -> Model:
    """MobileNetV3Large: 15 inverted residual blocks; 5.5 M parameters at ``alpha=1``.

    Args:
        input_shape, alpha, minimalistic, include_top, weights, input_tensor, classes,
            pooling, dropout_rate, classifier_activation, include_preprocessing, name: as in
            :func:`MobileNetV3Small`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import MobileNetV3Large
        >>> MobileNetV3Large(weights=None, input_shape=(32, 32, 3)).count_params()
        5507432
    """
    return MobileNetV3(
        LARGE, 1280, input_shape, alpha, "large", minimalistic, include_top, weights,
        input_tensor, classes, pooling, dropout_rate, classifier_activation,
        include_preprocessing, name,
    )  # fmt: skip


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """The identity: MobileNetV3 models rescale their input themselves
    (``include_preprocessing=True``); kept for API consistency, as in Keras.

    Example:
        >>> preprocess_input(255.0)
        255.0
    """
    return x


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction; see
    :func:`deepnum.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
