"""DenseNet121/169/201 (Huang et al., "Densely Connected Convolutional Networks", CVPR 2017)
with Keras's layers, names and weight files."""

from __future__ import annotations

from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.models import Model

BASE_WEIGHTS_PATH = f"{_base.KERAS_APPLICATIONS}densenet/"
# blocks per dense block → (name, hash with top, hash without)
WEIGHTS = {
    (6, 12, 24, 16): (
        "densenet121", "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738",
    ),
    (6, 12, 32, 32): (
        "densenet169", "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b",
    ),
    (6, 12, 48, 32): (
        "densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1",
    ),
}  # fmt: skip
EPSILON = 1.001e-5


def _bn(name: str) -> Any:
    return layers.BatchNormalization(axis=_base.channel_axis(), epsilon=EPSILON, name=name)


def dense_block(x: Any, blocks: int, name: str) -> Any:
    """``blocks`` convolution blocks, each concatenating 32 new channels to its input."""
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x: Any, reduction: float, name: str) -> Any:
    """BatchNormalization, ReLU, a 1×1 convolution to ``reduction ·`` channels and 2×2
    average pooling."""
    axis = _base.channel_axis()
    x = _bn(f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[axis] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def conv_block(x: Any, growth_rate: int, name: str) -> Any:
    """BN-ReLU-1×1 conv (4·growth_rate) and BN-ReLU-3×3 conv (growth_rate), concatenated to
    the input."""
    x1 = _bn(f"{name}_0_bn")(x)
    x1 = layers.Activation("relu", name=f"{name}_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = _bn(f"{name}_1_bn")(x1)
    x1 = layers.Activation("relu", name=f"{name}_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=_base.channel_axis(), name=f"{name}_concat")([x, x1])


def DenseNet(  # noqa: N802 - Keras's name
    blocks: list[int],
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "densenet",
) -> Model:
    """A DenseNet: a 7×7/2 convolution and 3×3/2 max pooling, four dense blocks of
    ``blocks[i]`` convolution blocks with transitions (halving channels and size) between
    them, BatchNormalization + ReLU, and the top. Arguments as :func:`DenseNet121`.

    Returns:
        A Functional model.
    """
    _base.check_arguments(name, weights, include_top, classes, channels_last_only=True)
    input_shape = _base.obtain_input_shape(input_shape, 224, 32, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn("conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{i + 2}")
        if i < len(blocks) - 1:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = _bn("bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = _base.classifier(x, classes, classifier_activation, weights)
    else:
        x = _base.pooled(x, pooling, "avg_pool", "max_pool")
    files = None
    if tuple(blocks) in WEIGHTS:
        key, with_top, without = WEIGHTS[tuple(blocks)]
        file_name = f"{key}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
        files = (file_name, BASE_WEIGHTS_PATH + file_name, with_top if include_top else without)
    return _base.finish(name, input_tensor, img_input, x, name, weights, files)


def DenseNet121(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "densenet121",
) -> Model:
    """DenseNet121: dense blocks of 6, 12, 24 and 16 convolution blocks (growth rate 32);
    8.1 M parameters with the top. Inputs: RGB in [0, 255] through :func:`preprocess_input`
    ("torch": scaled to [0, 1], normalized by the ImageNet mean and std). channels_last only.

    Args:
        include_top: keep the global average pooling and the Dense classifier.
        weights: None, ``"imagenet"`` or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        input_shape: (height, width, 3), each side ≥ 32 (224×224 with the top and weights).
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        classes: the number of classes of the top.
        classifier_activation: the activation of the top (None: logits).
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import DenseNet121
        >>> DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1024)
    """
    return DenseNet(
        [6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name=name,
    )  # fmt: skip


def DenseNet169(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "densenet169",
) -> Model:
    """DenseNet169: dense blocks of 6, 12, 32 and 32 convolution blocks; 14.3 M parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`DenseNet121`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import DenseNet169
        >>> DenseNet169(weights=None).count_params()  # doctest: +SKIP
        14307880
    """
    return DenseNet(
        [6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name=name,
    )  # fmt: skip


def DenseNet201(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "densenet201",
) -> Model:
    """DenseNet201: dense blocks of 6, 12, 48 and 32 convolution blocks; 20.2 M parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`DenseNet121`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import DenseNet201
        >>> DenseNet201(weights=None).count_params()  # doctest: +SKIP
        20242984
    """
    return DenseNet(
        [6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name=name,
    )  # fmt: skip


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """DenseNet's preprocessing, ``imagenet_utils.preprocess_input(mode="torch")``:
    (x / 255 − mean) / std per channel.

    Example:
        >>> import numpy as np
        >>> [round(float(v), 4) for v in preprocess_input(np.zeros((1, 3), "float32"))[0]]
        [-2.1179, -2.0357, -1.8044]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction; see
    :func:`deepnum.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
