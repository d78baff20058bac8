"""EfficientNetV2 B0–B3, S, M, L (Tan & Le, "EfficientNetV2: Smaller Models and Faster
Training", ICML 2021) with Keras's layers, names and weight files."""

from __future__ import annotations

import copy
import math
from typing import Any

from deepnum import initializers, layers
from deepnum.applications import _base, imagenet_utils
from deepnum.applications.efficientnet import (
    CONV_KERNEL_INITIALIZER,
    DENSE_KERNEL_INITIALIZER,
    squeeze_excite,
)
from deepnum.models import Model

BASE_WEIGHTS_PATH = f"{_base.KERAS_APPLICATIONS}efficientnet_v2/"
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
         "se_ratio", "strides", "conv_type")  # fmt: skip
# One row per stage: kernel, repeats, filters in, filters out, expansion, squeeze-excite ratio,
# stride, block type (1: FusedMBConv, 0: MBConv).
_B = (
    (3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
    (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0),
    (3, 8, 112, 192, 6, 0.25, 2, 0),
)  # fmt: skip
_STAGES = {
    "efficientnetv2-s": (
        (3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
        (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0),
        (3, 15, 160, 256, 6, 0.25, 2, 0),
    ),
    "efficientnetv2-m": (
        (3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
        (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
        (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0),
    ),
    "efficientnetv2-l": (
        (3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
        (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
        (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0),
    ),
    **{f"efficientnetv2-b{i}": _B for i in range(4)},
}  # fmt: skip
DEFAULT_BLOCKS_ARGS = {
    name: [dict(zip(_KEYS, row)) for row in rows] for name, rows in _STAGES.items()
}


def round_filters(
    filters: float, width_coefficient: float, min_depth: int | None, depth_divisor: int
) -> int:
    """``filters · width_coefficient`` rounded to a multiple of ``depth_divisor``."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(
        max(minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor)
    )


def round_repeats(repeats: int, depth_coefficient: float) -> int:
    """``repeats · depth_coefficient`` rounded up."""
    return int(math.ceil(depth_coefficient * repeats))


def _conv(filters: int, kernel_size: int, strides: int, name: str, **kwargs: Any) -> Any:
    return layers.Conv2D(
        filters, kernel_size, strides=strides, kernel_initializer=CONV_KERNEL_INITIALIZER,
        padding="same", use_bias=False, name=name, **kwargs,
    )  # fmt: skip


def _bn(momentum: float, name: str) -> Any:
    return layers.BatchNormalization(axis=_base.channel_axis(), momentum=momentum, name=name)


def _se(x: Any, filters: int, input_filters: int, se_ratio: float, act: Any, name: str) -> Any:
    return squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)), act, name)


def _residual(x: Any, inputs: Any, survival_probability: float, name: str) -> Any:
    # Keras passes the survival probability as the dropout rate; kept for its weights' sake.
    if survival_probability:
        x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.add([x, inputs], name=f"{name}add")


def MBConvBlock(  # noqa: N802 - Keras's name
    input_filters: int,
    output_filters: int,
    expand_ratio: int = 1,
    kernel_size: int = 3,
    strides: int = 1,
    se_ratio: float = 0.0,
    bn_momentum: float = 0.9,
    activation: Any = "swish",
    survival_probability: float = 0.8,
    name: str | None = None,
) -> Any:
    """The MBConv block (1×1 expansion, k×k depthwise, squeeze-excite, 1×1 projection) as a
    function of its input."""

    def apply(inputs: Any) -> Any:
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(filters, 1, 1, f"{name}expand_conv")(x)
            x = _bn(bn_momentum, f"{name}expand_bn")(x)
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        x = layers.DepthwiseConv2D(
            kernel_size=kernel_size, strides=strides, depthwise_initializer=CONV_KERNEL_INITIALIZER,
            padding="same", use_bias=False, name=f"{name}dwconv2",
        )(x)  # fmt: skip
        x = _bn(bn_momentum, f"{name}bn")(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _se(x, filters, input_filters, se_ratio, activation, name)
        x = _conv(output_filters, 1, 1, f"{name}project_conv")(x)
        x = _bn(bn_momentum, f"{name}project_bn")(x)
        if strides == 1 and input_filters == output_filters:
            x = _residual(x, inputs, survival_probability, name)
        return x

    return apply


def FusedMBConvBlock(  # noqa: N802 - Keras's name
    input_filters: int,
    output_filters: int,
    expand_ratio: int = 1,
    kernel_size: int = 3,
    strides: int = 1,
    se_ratio: float = 0.0,
    bn_momentum: float = 0.9,
    activation: Any = "swish",
    survival_probability: float = 0.8,
    name: str | None = None,
) -> Any:
    """The fused MBConv block (one k×k expansion convolution in place of 1×1 + depthwise) as
    a function of its input."""

    def apply(inputs: Any) -> Any:
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(filters, kernel_size, strides, f"{name}expand_conv")(x)
            x = _bn(bn_momentum, f"{name}expand_bn")(x)
            x = layers.Activation(activation=activation, name=f"{name}expand_activation")(x)
        if 0 < se_ratio <= 1:
            x = _se(x, filters, input_filters, se_ratio, activation, name)
        fused = expand_ratio == 1
        x = _conv(
            output_filters, kernel_size if fused else 1, strides if fused else 1,
            f"{name}project_conv",
        )(x)  # fmt: skip
        x = _bn(bn_momentum, f"{name}project_bn")(x)
        if fused:
            x = layers.Activation(activation=activation, name=f"{name}project_activation")(x)
        if strides == 1 and input_filters == output_filters:
            x = _residual(x, inputs, survival_probability, name)
        return x

    return apply


def _preprocessing(x: Any, name: str, num_channels: int) -> Any:
    """B0–B3 normalize with the ImageNet mean and variance, S/M/L map [0, 255] to [−1, 1]."""
    if name.split("-")[-1].startswith("b") and num_channels == 3:
        x = layers.Rescaling(scale=1.0 / 255)(x)
        return layers.Normalization(
            mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2],
            axis=_base.channel_axis(),
        )(x)  # fmt: skip
    return layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)


def EfficientNetV2(  # noqa: N802 - Keras's name
    width_coefficient: float,
    depth_coefficient: float,
    default_size: int,
    dropout_rate: float = 0.2,
    drop_connect_rate: float = 0.2,
    depth_divisor: int = 8,
    min_depth: int = 8,
    bn_momentum: float = 0.9,
    activation: Any = "swish",
    blocks_args: Any = "default",
    name: str = "efficientnetv2",
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    weights_name: str | None = None,
) -> Model:
    """An EfficientNetV2: optional input preprocessing, a 3×3/2 stem, the (Fused)MBConv
    stages of ``blocks_args`` (default: the table of ``name``), a 1×1 convolution to
    1280·width channels, and the top.

    Returns:
        A Functional model.
    """
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    _base.check_arguments(name, weights, include_top, classes)
    input_shape = _base.obtain_input_shape(input_shape, default_size, 32, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    bn_axis = _base.channel_axis()

    def filters(n: float) -> int:
        return round_filters(n, width_coefficient, min_depth, depth_divisor)

    x = img_input
    if include_preprocessing:
        x = _preprocessing(x, name, input_shape[bn_axis - 1])
    x = _conv(filters(blocks_args[0]["input_filters"]), 3, 2, "stem_conv")(x)
    x = _bn(bn_momentum, "stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    blocks_args = copy.deepcopy(blocks_args)
    b, blocks = 0, float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(
                "The number of repeats in `EfficientNetV2` must be > 0. "
                f"Received: num_repeat={args['num_repeat']}"
            )
        args["input_filters"] = filters(args["input_filters"])
        args["output_filters"] = filters(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(
                activation=activation, bn_momentum=bn_momentum,
                survival_probability=drop_connect_rate * b / blocks,
                name=f"block{i + 1}{chr(j + 97)}_", **args,
            )(x)  # fmt: skip
            b += 1
    x = _conv(filters(1280), 1, 1, "top_conv")(x)
    x = _bn(bn_momentum, "top_bn")(x)
    x = layers.Activation(activation=activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        x = _base.classifier(
            x, classes, classifier_activation, weights,
            kernel_initializer=DENSE_KERNEL_INITIALIZER,
            bias_initializer=initializers.Constant(0.0),
        )  # fmt: skip
    else:
        x = _base.pooled(x, pooling, "avg_pool", "max_pool")
    files = None
    if weights_name in WEIGHTS_HASHES:
        file_name = name + (".h5" if include_top else "_notop.h5")
        file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        files = (file_name, BASE_WEIGHTS_PATH + file_name, file_hash)
    return _base.finish(name, input_tensor, img_input, x, name, weights, files)


def _variant(width: float, depth: float, size: int, key: str, args: tuple) -> Model:
    """One published variant; ``args`` are the eight arguments of the public functions."""
    top, weights, tensor, shape, pooling, classes, activation, preprocessing, name = args
    return EfficientNetV2(
        width, depth, size, name=name, include_top=top, weights=weights, input_tensor=tensor,
        input_shape=shape, pooling=pooling, classes=classes, classifier_activation=activation,
        include_preprocessing=preprocessing, weights_name=key,
    )  # fmt: skip


def EfficientNetV2B0(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str = "efficientnetv2-b0",
) -> Model:
    """EfficientNetV2B0: Fused-MBConv then MBConv stages, default input 224×224; 7.2 M
    parameters with the top. The model rescales and normalizes its [0, 255] RGB input itself
    (``include_preprocessing``), so :func:`preprocess_input` is the identity.

    Args:
        include_top: keep the global average pooling, dropout and Dense classifier.
        weights: None, ``"imagenet"`` or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        input_shape: (height, width, 3), each side ≥ 32.
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        classes: the number of classes of the top.
        classifier_activation: the activation of the top (None: logits).
        include_preprocessing: start with Rescaling and Normalization (B0–B3: ImageNet mean
            and variance; S, M, L: to [−1, 1]).
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetV2B0
        >>> EfficientNetV2B0(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1280)
    """
    args = (include_top, weights, input_tensor, input_shape, pooling, classes)
    return _variant(
        1.0, 1.0, 224, "b0", args + (classifier_activation, include_preprocessing, name)
    )


def EfficientNetV2B1(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str = "efficientnetv2-b1",
) -> Model:
    """EfficientNetV2B1: width 1.0, depth 1.1, default input 240×240; 8.2 M parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, include_preprocessing, name: as in :func:`EfficientNetV2B0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetV2B1
        >>> EfficientNetV2B1(weights=None).count_params()  # doctest: +SKIP
        8212124
    """
    args = (include_top, weights, input_tensor, input_shape, pooling, classes)
    return _variant(
        1.0, 1.1, 240, "b1", args + (classifier_activation, include_preprocessing, name)
    )


def EfficientNetV2B2(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str = "efficientnetv2-b2",
) -> Model:
    """EfficientNetV2B2: width 1.1, depth 1.2, default input 260×260; 10.2 M parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, include_preprocessing, name: as in :func:`EfficientNetV2B0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetV2B2
        >>> EfficientNetV2B2(weights=None).count_params()  # doctest: +SKIP
        10178374
    """
    args = (include_top, weights, input_tensor, input_shape, pooling, classes)
    return _variant(
        1.1, 1.2, 260, "b2", args + (classifier_activation, include_preprocessing, name)
    )


def EfficientNetV2B3(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str = "efficientnetv2-b3",
) -> Model:
    """EfficientNetV2B3: width 1.2, depth 1.4, default input 300×300; 14.5 M parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, include_preprocessing, name: as in :func:`EfficientNetV2B0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetV2B3
        >>> EfficientNetV2B3(weights=None).count_params()  # doctest: +SKIP
        14467622
    """
    args = (include_top, weights, input_tensor, input_shape, pooling, classes)
    return _variant(
        1.2, 1.4, 300, "b3", args + (classifier_activation, include_preprocessing, name)
    )


def EfficientNetV2S(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str = "efficientnetv2-s",
) -> Model:
    """EfficientNetV2S: width 1.0, depth 1.0, default input 384×384; 21.6 M parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, include_preprocessing, name: as in :func:`EfficientNetV2B0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetV2S
        >>> EfficientNetV2S(weights=None).count_params()  # doctest: +SKIP
        21612360
    """
    args = (include_top, weights, input_tensor, input_shape, pooling, classes)
    return _variant(
        1.0, 1.0, 384, "-s", args + (classifier_activation, include_preprocessing, name)
    )


def EfficientNetV2M(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str = "efficientnetv2-m",
) -> Model:
    """EfficientNetV2M: width 1.0, depth 1.0, default input 480×480; 54.4 M parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, include_preprocessing, name: as in :func:`EfficientNetV2B0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetV2M
        >>> EfficientNetV2M(weights=None).count_params()  # doctest: +SKIP
        54431388
    """
    args = (include_top, weights, input_tensor, input_shape, pooling, classes)
    return _variant(
        1.0, 1.0, 480, "-m", args + (classifier_activation, include_preprocessing, name)
    )


def EfficientNetV2L(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str = "efficientnetv2-l",
) -> Model:
    """EfficientNetV2L: width 1.0, depth 1.0, default input 480×480; 119.0 M parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, include_preprocessing, name: as in :func:`EfficientNetV2B0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetV2L
        >>> EfficientNetV2L(weights=None).count_params()  # doctest: +SKIP
        119027848
    """
    args = (include_top, weights, input_tensor, input_shape, pooling, classes)
    return _variant(
        1.0, 1.0, 480, "-l", args + (classifier_activation, include_preprocessing, name)
    )


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """The identity: EfficientNetV2 models preprocess their input themselves
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
