"""InceptionV3 (Szegedy et al., "Rethinking the Inception Architecture for Computer Vision",
CVPR 2016) with Keras's layers, names and weight files."""

from __future__ import annotations

from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.models import Model

WEIGHTS_PATH = (
    f"{_base.KERAS_APPLICATIONS}inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
)
WEIGHTS_PATH_NO_TOP = (
    f"{_base.KERAS_APPLICATIONS}inception_v3/"
    "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
)
WEIGHTS_HASHES = ("9a0d58056eeedaa3f26cb7ebd46da564", "bcbd6486424b2319ff4ef7d526e38f63")


def conv2d_bn(
    x: Any,
    filters: int,
    num_row: int,
    num_col: int,
    padding: str = "same",
    strides: Any = (1, 1),
    name: str | None = None,
) -> Any:
    """A bias-free convolution, BatchNormalization without scale, and ReLU."""
    bn_name = None if name is None else f"{name}_bn"
    conv_name = None if name is None else f"{name}_conv"
    x = layers.Conv2D(
        filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
        name=conv_name,
    )(x)  # fmt: skip
    x = layers.BatchNormalization(axis=_base.channel_axis(), scale=False, name=bn_name)(x)
    return layers.Activation("relu", name=name)(x)


def _pool_branch(x: Any, filters: int) -> Any:
    branch = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(branch, filters, 1, 1)


def _block_a(x: Any, pool_filters: int, name: str) -> Any:
    """35×35 grid: 1×1, 5×5, double 3×3 and pooled branches."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    branch3x3dbl = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    branch_pool = _pool_branch(x, pool_filters)
    return layers.concatenate(
        [branch1x1, branch5x5, branch3x3dbl, branch_pool], axis=_base.channel_axis(), name=name
    )


def _block_c(x: Any, filters: int, name: str) -> Any:
    """17×17 grid: 1×1, factorized 7×7, double factorized 7×7 and pooled branches."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, filters, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, filters, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, filters, 1, 1)
    for i, (rows, cols) in enumerate(((7, 1), (1, 7), (7, 1), (1, 7))):
        branch7x7dbl = conv2d_bn(branch7x7dbl, 192 if i == 3 else filters, rows, cols)
    branch_pool = _pool_branch(x, 192)
    return layers.concatenate(
        [branch1x1, branch7x7, branch7x7dbl, branch_pool], axis=_base.channel_axis(), name=name
    )


def _block_e(x: Any, i: int) -> Any:
    """8×8 grid: 1×1, expanded 3×3, expanded double 3×3 and pooled branches."""
    axis = _base.channel_axis()
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate(
        [conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)],
        axis=axis, name=f"mixed9_{i}",
    )  # fmt: skip
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    branch3x3dbl = layers.concatenate(
        [conv2d_bn(branch3x3dbl, 384, 1, 3), conv2d_bn(branch3x3dbl, 384, 3, 1)], axis=axis
    )
    branch_pool = _pool_branch(x, 192)
    return layers.concatenate(
        [branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=axis, name=f"mixed{9 + i}"
    )


def _reductions(x: Any, which: int) -> Any:
    """mixed3 (35→17) or mixed8 (17→8): strided convolution branches and max pooling."""
    if which == 3:
        branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
        branch_dbl = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
        branch_dbl = conv2d_bn(branch_dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    else:
        branch3x3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid")
        branch_dbl = conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1, 1), 192, 1, 7), 192, 7, 1)
        branch_dbl = conv2d_bn(branch_dbl, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    return layers.concatenate(
        [branch3x3, branch_dbl, branch_pool], axis=_base.channel_axis(), name=f"mixed{which}"
    )


def InceptionV3(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "inception_v3",
) -> Model:
    """InceptionV3: a convolutional stem, then Inception blocks on 35×35 (mixed0–2), 17×17
    (mixed4–7) and 8×8 (mixed9–10) grids with reductions between; 23.9 M parameters with the
    top. Inputs: RGB in [0, 255] through :func:`preprocess_input` ("tf": [−1, 1]).

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
        >>> from deepnum.applications import InceptionV3
        >>> InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3)).output_shape
        (None, 1, 1, 2048)
    """
    _base.check_arguments("InceptionV3", weights, include_top, classes)
    input_shape = _base.obtain_input_shape(input_shape, 299, 75, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _block_a(x, 32, "mixed0")
    x = _block_a(x, 64, "mixed1")
    x = _block_a(x, 64, "mixed2")
    x = _reductions(x, 3)
    for i, filters in enumerate((128, 160, 160, 192)):
        x = _block_c(x, filters, f"mixed{4 + i}")
    x = _reductions(x, 8)
    for i in range(2):
        x = _block_e(x, i)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = _base.classifier(x, classes, classifier_activation, weights)
    else:
        x = _base.pooled(x, pooling, None, None)
    files = (
        ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH, WEIGHTS_HASHES[0])
        if include_top
        else (
            "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            WEIGHTS_PATH_NO_TOP,
            WEIGHTS_HASHES[1],
        )  # fmt: skip
    )
    return _base.finish("InceptionV3", input_tensor, img_input, x, name, weights, files)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """InceptionV3's preprocessing, ``imagenet_utils.preprocess_input(mode="tf")``:
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
