"""NASNetMobile and NASNetLarge (Zoph et al., "Learning Transferable Architectures for
Scalable Image Recognition", CVPR 2018) with Keras's layers, names and weight files."""

from __future__ import annotations

from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.models import Model

BASE_WEIGHTS_PATH = f"{_base.KERAS_APPLICATIONS}nasnet/"
WEIGHTS = {  # default size → ((file, URL, hash) with top, without)
    224: (
        ("nasnet_mobile.h5", f"{BASE_WEIGHTS_PATH}NASNet-mobile.h5",
         "020fb642bf7360b370c678b08e0adf61"),
        ("nasnet_mobile_no_top.h5", f"{BASE_WEIGHTS_PATH}NASNet-mobile-no-top.h5",
         "1ed92395b5b598bdda52abe5c0dbfd63"),
    ),
    331: (
        ("nasnet_large.h5", f"{BASE_WEIGHTS_PATH}NASNet-large.h5",
         "11577c9a518f0070763c2b964a382f17"),
        ("nasnet_large_no_top.h5", f"{BASE_WEIGHTS_PATH}NASNet-large-no-top.h5",
         "d81d89dc07e6e56530c4e77faddd61b5"),
    ),
}  # fmt: skip


def _bn(name: str | None) -> Any:
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)


def _conv1x1(filters: int, name: str | None, **kwargs: Any) -> Any:
    return layers.Conv2D(
        filters, (1, 1), padding="same", use_bias=False, name=name,
        kernel_initializer="he_normal", **kwargs,
    )  # fmt: skip


def NASNet(  # noqa: N802 - Keras's name
    input_shape: Any = None,
    penultimate_filters: int = 4032,
    num_blocks: int = 6,
    stem_block_filters: int = 96,
    skip_reduction: bool = True,
    filter_multiplier: int = 2,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    default_size: int | None = None,
    classifier_activation: Any = "softmax",
    name: str = "NASNet",
) -> Model:
    """A NASNet-A: a 3×3/2 stem, two reduction cells, then three stacks of ``num_blocks``
    normal cells separated by reduction cells (filters ×``filter_multiplier`` each time), ReLU
    and the top. ``penultimate_filters`` (= 24 · filters of the last stack) sets the width.

    Returns:
        A Functional model.
    """
    _base.check_arguments(name, weights, include_top, classes, channels_last_only=True)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError(
            "When specifying the input shape of a NASNet and loading `ImageNet` weights, the "
            f"input_shape argument must be static (no None entries). Got: input_shape={input_shape}"
        )
    default_size = 331 if default_size is None else default_size
    input_shape = _base.obtain_input_shape(input_shape, default_size, 32, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    if penultimate_filters % (24 * (filter_multiplier**2)) != 0:
        raise ValueError(
            "For NASNet-A models, the `penultimate_filters` must be a multiple of 24 * "
            f"(`filter_multiplier` ** 2). Current value: {penultimate_filters}"
        )
    filters = penultimate_filters // 24
    x = layers.Conv2D(
        stem_block_filters, (3, 3), strides=(2, 2), padding="valid", use_bias=False,
        name="stem_conv1", kernel_initializer="he_normal",
    )(img_input)  # fmt: skip
    x = _bn("stem_bn1")(x)
    p = None
    x, p = _reduction_a_cell(x, p, filters // (filter_multiplier**2), block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for stack in range(3):
        width = filters * filter_multiplier**stack
        if stack:
            x, p0 = _reduction_a_cell(x, p, width, block_id=f"reduce_{stack * num_blocks}")
            p = p if skip_reduction else p0
        first = stack * num_blocks + (1 if stack else 0)
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, width, block_id=f"{first + i}")
    x = layers.Activation("relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = _base.classifier(x, classes, classifier_activation, weights)
    else:
        x = _base.pooled(x, pooling, None, None)
    files = None
    if default_size in WEIGHTS:
        files = WEIGHTS[default_size][0 if include_top else 1]
    elif weights == "imagenet":
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile")
    return _base.finish(name, input_tensor, img_input, x, name, weights, files)


def _separable_conv_block(
    ip: Any, filters: int, kernel_size: Any = (3, 3), strides: Any = (1, 1), block_id: str = ""
) -> Any:
    """ReLU, separable convolution (zero-padded first when strided), BatchNormalization, ReLU,
    separable convolution, BatchNormalization."""
    x = layers.Activation("relu")(ip)
    conv_pad = "same"
    if strides == (2, 2):
        pad = imagenet_utils.correct_pad(x, kernel_size)
        x = layers.ZeroPadding2D(padding=pad, name=f"separable_conv_1_pad_{block_id}")(x)
        conv_pad = "valid"
    x = layers.SeparableConv2D(
        filters, kernel_size, strides=strides, name=f"separable_conv_1_{block_id}",
        padding=conv_pad, use_bias=False,
    )(x)  # fmt: skip
    x = _bn(f"separable_conv_1_bn_{block_id}")(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(
        filters, kernel_size, name=f"separable_conv_2_{block_id}", padding="same", use_bias=False
    )(x)
    return _bn(f"separable_conv_2_bn_{block_id}")(x)


def _adjust_block(p: Any, ip: Any, filters: int, block_id: str = "") -> Any:
    """Bring the previous cell's output ``p`` to the size and width of ``ip``: a factorized
    reduction (two strided 1×1 paths, one shifted by a pixel) or a 1×1 projection."""
    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D(
            (1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_1_{block_id}"
        )(p)
        p1 = _conv1x1(filters // 2, f"adjust_conv_1_{block_id}")(p1)
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D(
            (1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_2_{block_id}"
        )(p2)
        p2 = _conv1x1(filters // 2, f"adjust_conv_2_{block_id}")(p2)
        p = layers.concatenate([p1, p2], axis=-1)
        return _bn(f"adjust_bn_{block_id}")(p)
    if p.shape[-1] != filters:
        p = layers.Activation("relu")(p)
        p = _conv1x1(filters, f"adjust_conv_projection_{block_id}", strides=(1, 1))(p)
        return _bn(f"adjust_bn_{block_id}")(p)
    return p


def _cell_input(ip: Any, filters: int, kind: str, block_id: str) -> Any:
    h = layers.Activation("relu")(ip)
    h = _conv1x1(filters, f"{kind}_conv_1_{block_id}", strides=(1, 1))(h)
    return _bn(f"{kind}_bn_1_{block_id}")(h)


def _pool3(kind: str, strides: int, padding: str, name: str) -> Any:
    cls = layers.AveragePooling2D if kind == "avg" else layers.MaxPooling2D
    return cls((3, 3), strides=(strides, strides), padding=padding, name=name)


def _normal_a_cell(ip: Any, p: Any, filters: int, block_id: str = "") -> tuple[Any, Any]:
    """The normal cell: five pairs of operations on the cell's inputs, summed, concatenated."""
    p = _adjust_block(p, ip, filters, block_id)
    h = _cell_input(ip, filters, "normal", block_id)
    sep = _separable_conv_block
    x1 = layers.add([
        sep(h, filters, kernel_size=(5, 5), block_id=f"normal_left1_{block_id}"),
        sep(p, filters, block_id=f"normal_right1_{block_id}"),
    ], name=f"normal_add_1_{block_id}")  # fmt: skip
    x2 = layers.add([
        sep(p, filters, (5, 5), block_id=f"normal_left2_{block_id}"),
        sep(p, filters, (3, 3), block_id=f"normal_right2_{block_id}"),
    ], name=f"normal_add_2_{block_id}")  # fmt: skip
    x3 = _pool3("avg", 1, "same", f"normal_left3_{block_id}")(h)
    x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
    x4 = layers.add([
        _pool3("avg", 1, "same", f"normal_left4_{block_id}")(p),
        _pool3("avg", 1, "same", f"normal_right4_{block_id}")(p),
    ], name=f"normal_add_4_{block_id}")  # fmt: skip
    x5 = sep(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1, name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip: Any, p: Any, filters: int, block_id: str = "") -> tuple[Any, Any]:
    """The reduction cell: strided separable convolutions and poolings, halving the size."""
    p = _adjust_block(p, ip, filters, block_id)
    h = _cell_input(ip, filters, "reduction", block_id)
    h3 = layers.ZeroPadding2D(
        padding=imagenet_utils.correct_pad(h, 3), name=f"reduction_pad_1_{block_id}"
    )(h)
    sep, s2 = _separable_conv_block, (2, 2)
    x1 = layers.add([
        sep(h, filters, (5, 5), strides=s2, block_id=f"reduction_left1_{block_id}"),
        sep(p, filters, (7, 7), strides=s2, block_id=f"reduction_right1_{block_id}"),
    ], name=f"reduction_add_1_{block_id}")  # fmt: skip
    x2 = layers.add([
        _pool3("max", 2, "valid", f"reduction_left2_{block_id}")(h3),
        sep(p, filters, (7, 7), strides=s2, block_id=f"reduction_right2_{block_id}"),
    ], name=f"reduction_add_2_{block_id}")  # fmt: skip
    x3 = layers.add([
        _pool3("avg", 2, "valid", f"reduction_left3_{block_id}")(h3),
        sep(p, filters, (5, 5), strides=s2, block_id=f"reduction_right3_{block_id}"),
    ], name=f"reduction_add3_{block_id}")  # fmt: skip
    x4 = _pool3("avg", 1, "same", f"reduction_left4_{block_id}")(x1)
    x4 = layers.add([x2, x4])
    x5 = layers.add([
        sep(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}"),
        _pool3("max", 2, "valid", f"reduction_right5_{block_id}")(h3),
    ], name=f"reduction_add4_{block_id}")  # fmt: skip
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip


def NASNetMobile(  # noqa: N802 - Keras's name
    input_shape: Any = None,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "nasnet_mobile",
) -> Model:
    """NASNetMobile (NASNet-A 4 @ 1056): 4 normal cells per stack, 32 stem filters, default
    input 224×224; 5.3 M parameters with the top. Inputs: RGB in [0, 255] through
    :func:`preprocess_input` ("tf": [−1, 1]). channels_last only. (Keras refuses it on its
    PyTorch backend; deepnum builds and runs it.)

    Args:
        input_shape: (height, width, 3), each side ≥ 32 (default 224×224).
        include_top: keep the global average pooling and the Dense classifier.
        weights: None, ``"imagenet"`` or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        classes: the number of classes of the top.
        classifier_activation: the activation of the top (None: logits).
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import NASNetMobile
        >>> NASNetMobile(weights=None).count_params()  # doctest: +SKIP
        5326716
    """
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(
        input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
        skip_reduction=False, filter_multiplier=2, include_top=include_top, weights=weights,
        input_tensor=input_tensor, pooling=pooling, classes=classes, default_size=224,
        classifier_activation=classifier_activation, name=name,
    )  # fmt: skip


def NASNetLarge(  # noqa: N802 - Keras's name
    input_shape: Any = None,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "nasnet_large",
) -> Model:
    """NASNetLarge (NASNet-A 6 @ 4032): 6 normal cells per stack, 96 stem filters, default
    input 331×331; 88.9 M parameters with the top.

    Args:
        input_shape, include_top, weights, input_tensor, pooling, classes,
            classifier_activation, name: as in :func:`NASNetMobile` (default input 331×331).

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import NASNetLarge
        >>> NASNetLarge(weights=None).count_params()  # doctest: +SKIP
        88949818
    """
    return NASNet(
        input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
        skip_reduction=True, filter_multiplier=2, include_top=include_top, weights=weights,
        input_tensor=input_tensor, pooling=pooling, classes=classes, default_size=331,
        classifier_activation=classifier_activation, name=name,
    )  # fmt: skip


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """NASNet's preprocessing, ``imagenet_utils.preprocess_input(mode="tf")``: x / 127.5 − 1.

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
