"""EfficientNetB0–B7 (Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional
Neural Networks", ICML 2019) with Keras's layers, names and weight files."""

from __future__ import annotations

import copy
import math
from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.models import Model

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}


def _stage(kernel: int, repeats: int, f_in: int, f_out: int, expand: int, strides: int) -> dict:
    return {
        "kernel_size": kernel, "repeats": repeats, "filters_in": f_in, "filters_out": f_out,
        "expand_ratio": expand, "id_skip": True, "strides": strides, "se_ratio": 0.25,
    }  # fmt: skip


DEFAULT_BLOCKS_ARGS = [
    _stage(3, 1, 32, 16, 1, 1),
    _stage(3, 2, 16, 24, 6, 2),
    _stage(5, 2, 24, 40, 6, 2),
    _stage(3, 3, 40, 80, 6, 2),
    _stage(5, 3, 80, 112, 6, 1),
    _stage(5, 4, 112, 192, 6, 2),
    _stage(3, 1, 192, 320, 6, 1),
]
CONV_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"},
}
DENSE_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"},
}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def EfficientNet(  # noqa: N802 - Keras's name
    width_coefficient: float,
    depth_coefficient: float,
    default_size: int,
    dropout_rate: float = 0.2,
    drop_connect_rate: float = 0.2,
    depth_divisor: int = 8,
    activation: Any = "swish",
    blocks_args: Any = "default",
    name: str = "efficientnet",
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    weights_name: str | None = None,
) -> Model:
    """An EfficientNet: rescaling and normalization of the [0, 255] input, a 3×3/2 stem, the
    MBConv stages of ``blocks_args`` (filters scaled by ``width_coefficient``, repeats by
    ``depth_coefficient``), a 1×1 convolution to 1280·width channels, and the top.

    Returns:
        A Functional model.
    """
    blocks_args = DEFAULT_BLOCKS_ARGS if blocks_args == "default" else blocks_args
    _base.check_arguments(name, weights, include_top, classes)
    input_shape = _base.obtain_input_shape(input_shape, default_size, 32, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    bn_axis = _base.channel_axis()

    def round_filters(filters: float, divisor: int = depth_divisor) -> int:
        filters *= width_coefficient
        new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
        if new_filters < 0.9 * filters:
            new_filters += divisor
        return int(new_filters)

    def round_repeats(repeats: int) -> int:
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=bn_axis)(x)
    if weights == "imagenet":
        # The published weights hold a variance where a std is meant: undo it (as Keras).
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(
        round_filters(32), 3, strides=2, padding="valid", use_bias=False,
        kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv",
    )(x)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["repeats"] <= 0:
            raise ValueError(
                "The number of repeats in `EfficientNet` must be > 0. "
                f"Received: repeats={args['repeats']}"
            )
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(args.pop("repeats"))):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            rate = drop_connect_rate * b / blocks
            x = block(x, activation, rate, name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1
    x = layers.Conv2D(
        round_filters(1280), 1, padding="same", use_bias=False,
        kernel_initializer=CONV_KERNEL_INITIALIZER, name="top_conv",
    )(x)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        x = _base.classifier(
            x, classes, classifier_activation, weights, kernel_initializer=DENSE_KERNEL_INITIALIZER
        )
    else:
        x = _base.pooled(x, pooling, "avg_pool", "max_pool")
    files = None
    if weights_name in WEIGHTS_HASHES:
        file_name = name + (".h5" if include_top else "_notop.h5")
        file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        files = (file_name, BASE_WEIGHTS_PATH + file_name, file_hash)
    return _base.finish(name, input_tensor, img_input, x, name, weights, files)


def block(
    inputs: Any,
    activation: Any = "swish",
    drop_rate: float = 0.0,
    name: str = "",
    filters_in: int = 32,
    filters_out: int = 16,
    kernel_size: int = 3,
    strides: int = 1,
    expand_ratio: int = 1,
    se_ratio: float = 0.0,
    id_skip: bool = True,
) -> Any:
    """The MBConv block: 1×1 expansion, k×k depthwise (stride), squeeze-and-excitation, linear
    1×1 projection, and (same shape) dropout of whole samples and the residual sum."""
    bn_axis = _base.channel_axis()
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = layers.Conv2D(
            filters, 1, padding="same", use_bias=False,
            kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}expand_conv",
        )(inputs)  # fmt: skip
        x = layers.BatchNormalization(axis=bn_axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    else:
        x = inputs
    conv_pad = "same"
    if strides == 2:
        pad = imagenet_utils.correct_pad(x, kernel_size)
        x = layers.ZeroPadding2D(padding=pad, name=f"{name}dwconv_pad")(x)
        conv_pad = "valid"
    x = layers.DepthwiseConv2D(
        kernel_size, strides=strides, padding=conv_pad, use_bias=False,
        depthwise_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}dwconv",
    )(x)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, max(1, int(filters_in * se_ratio)), activation, name)
    x = layers.Conv2D(
        filters_out, 1, padding="same", use_bias=False,
        kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}project_conv",
    )(x)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def squeeze_excite(x: Any, filters: int, filters_se: int, activation: Any, name: str) -> Any:
    """Squeeze-and-excitation: global average pooling, 1×1 reduce (``activation``), 1×1
    expand (sigmoid), multiplied into ``x``."""
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    shape = (filters, 1, 1) if _base.channel_axis() == 1 else (1, 1, filters)
    se = layers.Reshape(shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(
        filters_se, 1, padding="same", activation=activation,
        kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce",
    )(se)  # fmt: skip
    se = layers.Conv2D(
        filters, 1, padding="same", activation="sigmoid",
        kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand",
    )(se)  # fmt: skip
    return layers.multiply([x, se], name=f"{name}se_excite")


def _variant(width: float, depth: float, size: int, dropout: float, key: str) -> Any:
    def build(
        include_top: bool, weights: Any, input_tensor: Any, input_shape: Any, pooling: Any,
        classes: int, classifier_activation: Any, name: str,
    ) -> Model:  # fmt: skip
        return EfficientNet(
            width, depth, size, dropout, name=name, include_top=include_top, weights=weights,
            input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
            classes=classes, classifier_activation=classifier_activation, weights_name=key,
        )  # fmt: skip

    return build


def EfficientNetB0(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "efficientnetb0",
) -> Model:
    """EfficientNetB0: MBConv stages scaled by width 1.0, depth 1.0, default input 224×224;
    5.3 M parameters with the top. The model rescales and normalizes its [0, 255] RGB input
    itself, so :func:`preprocess_input` is the identity.

    Args:
        include_top: keep the global average pooling, dropout and Dense classifier.
        weights: None, ``"imagenet"`` or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        input_shape: (height, width, 3), each side ≥ 32 (the default size with the top and
            weights).
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        classes: the number of classes of the top.
        classifier_activation: the activation of the top (None: logits).
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetB0
        >>> EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1280)
    """
    return _variant(1.0, 1.0, 224, 0.2, "b0")(
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )


def EfficientNetB1(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "efficientnetb1",
) -> Model:
    """EfficientNetB1: width 1.0, depth 1.1, default input 240×240, dropout 0.2; 7.9 M
    parameters with the top.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`EfficientNetB0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetB1
        >>> EfficientNetB1(weights=None).count_params()  # doctest: +SKIP
        7856239
    """
    return _variant(1.0, 1.1, 240, 0.2, "b1")(
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )


def EfficientNetB2(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "efficientnetb2",
) -> Model:
    """EfficientNetB2: width 1.1, depth 1.2, default input 260×260, dropout 0.3; 9.2 M
    parameters with the top.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`EfficientNetB0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetB2
        >>> EfficientNetB2(weights=None).count_params()  # doctest: +SKIP
        9177569
    """
    return _variant(1.1, 1.2, 260, 0.3, "b2")(
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )


def EfficientNetB3(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "efficientnetb3",
) -> Model:
    """EfficientNetB3: width 1.2, depth 1.4, default input 300×300, dropout 0.3; 12.3 M
    parameters with the top.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`EfficientNetB0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetB3
        >>> EfficientNetB3(weights=None).count_params()  # doctest: +SKIP
        12320535
    """
    return _variant(1.2, 1.4, 300, 0.3, "b3")(
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )


def EfficientNetB4(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "efficientnetb4",
) -> Model:
    """EfficientNetB4: width 1.4, depth 1.8, default input 380×380, dropout 0.4; 19.5 M
    parameters with the top.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`EfficientNetB0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetB4
        >>> EfficientNetB4(weights=None).count_params()  # doctest: +SKIP
        19466823
    """
    return _variant(1.4, 1.8, 380, 0.4, "b4")(
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )


def EfficientNetB5(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "efficientnetb5",
) -> Model:
    """EfficientNetB5: width 1.6, depth 2.2, default input 456×456, dropout 0.4; 30.6 M
    parameters with the top.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`EfficientNetB0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetB5
        >>> EfficientNetB5(weights=None).count_params()  # doctest: +SKIP
        30562527
    """
    return _variant(1.6, 2.2, 456, 0.4, "b5")(
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )


def EfficientNetB6(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "efficientnetb6",
) -> Model:
    """EfficientNetB6: width 1.8, depth 2.6, default input 528×528, dropout 0.5; 43.3 M
    parameters with the top.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`EfficientNetB0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetB6
        >>> EfficientNetB6(weights=None).count_params()  # doctest: +SKIP
        43265143
    """
    return _variant(1.8, 2.6, 528, 0.5, "b6")(
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )


def EfficientNetB7(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "efficientnetb7",
) -> Model:
    """EfficientNetB7: width 2.0, depth 3.1, default input 600×600, dropout 0.5; 66.7 M
    parameters with the top.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`EfficientNetB0`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import EfficientNetB7
        >>> EfficientNetB7(weights=None).count_params()  # doctest: +SKIP
        66658687
    """
    return _variant(2.0, 3.1, 600, 0.5, "b7")(
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """The identity: EfficientNet models rescale and normalize their input themselves; kept
    for API consistency, as in Keras.

    Example:
        >>> preprocess_input(255.0)
        255.0
    """
    return x


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction; see
    :func:`deepnum.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
