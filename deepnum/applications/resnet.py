"""ResNet50/101/152 (He et al., "Deep Residual Learning for Image Recognition", CVPR 2016)
and the residual stacks ResNetV2 shares, with Keras's layers, names and weight files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.models import Model

BASE_WEIGHTS_PATH = f"{_base.KERAS_APPLICATIONS}resnet/"
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}
EPSILON = 1.001e-5


def _bn(name: str) -> Any:
    return layers.BatchNormalization(axis=_base.channel_axis(), epsilon=EPSILON, name=name)


def ResNet(  # noqa: N802 - Keras's name
    stack_fn: Callable[[Any], Any],
    preact: bool,
    use_bias: bool,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "resnet",
    weights_name: str | None = None,
) -> Model:
    """A ResNet: a 7×7/2 stem convolution and 3×3/2 max pooling, the residual stacks of
    ``stack_fn``, then (``preact``, V2) a final BatchNormalization + ReLU, and the top.

    Args:
        stack_fn: builds the residual stacks on the stem's output.
        preact: pre-activation (ResNetV2) instead of post-activation blocks.
        use_bias: whether the stem convolution has a bias.
        weights_name: the key of the published weights (``"resnet50"``, ...).
        Other arguments as in :func:`ResNet50`.

    Returns:
        A Functional model.
    """
    _base.check_arguments(name, weights, include_top, classes)
    input_shape = _base.obtain_input_shape(input_shape, 224, 32, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = _bn("conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = _bn("post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = _base.classifier(x, classes, classifier_activation, weights)
    else:
        x = _base.pooled(x, pooling, "avg_pool", "max_pool")
    files = None
    if weights_name in WEIGHTS_HASHES:
        suffix = "" if include_top else "_notop"
        file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        files = (file_name, BASE_WEIGHTS_PATH + file_name, file_hash)
    return _base.finish(name, input_tensor, img_input, x, name, weights, files)


def residual_block_v1(
    x: Any,
    filters: int,
    kernel_size: int = 3,
    stride: int = 1,
    conv_shortcut: bool = True,
    name: str | None = None,
) -> Any:
    """The bottleneck block of ResNet: 1×1 (stride), k×k, 1×1 (4·filters) convolutions, each
    followed by BatchNormalization, added to the shortcut (a strided 1×1 projection when
    ``conv_shortcut``), then ReLU."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = _bn(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="SAME", name=f"{name}_2_conv")(x)
    x = _bn(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _bn(f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(
    x: Any, filters: int, blocks: int, stride1: int = 2, name: str | None = None
) -> Any:
    """``blocks`` bottleneck blocks; the first projects the shortcut and strides by
    ``stride1``."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(
    x: Any,
    filters: int,
    kernel_size: int = 3,
    stride: int = 1,
    conv_shortcut: bool = False,
    name: str | None = None,
) -> Any:
    """The pre-activation bottleneck block of ResNetV2: BatchNormalization + ReLU first, then
    1×1, k×k (stride), 1×1 (4·filters) convolutions added to the shortcut (a 1×1 projection
    of the pre-activation, or a strided 1×1 max pooling of the input)."""
    preact = _bn(f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = _bn(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_2_conv")(
        x
    )
    x = _bn(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(
    x: Any, filters: int, blocks: int, stride1: int = 2, name: str | None = None
) -> Any:
    """``blocks`` pre-activation blocks; the first projects the shortcut, the last strides by
    ``stride1``."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _v1_stacks(depths: tuple[int, int, int, int]) -> Callable[[Any], Any]:
    def stack_fn(x: Any) -> Any:
        x = stack_residual_blocks_v1(x, 64, depths[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, depths[3], name="conv5")

    return stack_fn


def ResNet50(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "resnet50",
) -> Model:
    """ResNet50: bottleneck stacks of 3, 4, 6 and 3 blocks (64→256 ... 512→2048 channels);
    25.6 M parameters with the top. Inputs: RGB in [0, 255] through :func:`preprocess_input`
    ("caffe": BGR, ImageNet mean subtracted).

    Args:
        include_top: keep the global average pooling and the Dense classifier (then the
            input must be 224×224 with ImageNet weights).
        weights: None (random initialization), ``"imagenet"`` (Keras's published file,
            downloaded once into ``~/.keras/models``), or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        input_shape: (height, width, 3), each side ≥ 32.
        pooling: without the top: None (the 4-D feature map), ``"avg"`` or ``"max"``.
        classes: the number of classes of the top (1000 with ImageNet weights).
        classifier_activation: the activation of the top (None: logits).
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ResNet50
        >>> ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 2048)
    """
    return ResNet(
        _v1_stacks((3, 4, 6, 3)), False, True, include_top, weights, input_tensor,
        input_shape, pooling, classes, classifier_activation, name, "resnet50",
    )  # fmt: skip


def ResNet101(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "resnet101",
) -> Model:
    """ResNet101: bottleneck stacks of 3, 4, 23 and 3 blocks; 44.7 M parameters with the top.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`ResNet50`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ResNet101
        >>> ResNet101(weights=None).count_params()  # doctest: +SKIP
        44707176
    """
    return ResNet(
        _v1_stacks((3, 4, 23, 3)), False, True, include_top, weights, input_tensor,
        input_shape, pooling, classes, classifier_activation, name, "resnet101",
    )  # fmt: skip


def ResNet152(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "resnet152",
) -> Model:
    """ResNet152: bottleneck stacks of 3, 8, 36 and 3 blocks; 60.4 M parameters with the top.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`ResNet50`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ResNet152
        >>> ResNet152(weights=None).count_params()  # doctest: +SKIP
        60419944
    """
    return ResNet(
        _v1_stacks((3, 8, 36, 3)), False, True, include_top, weights, input_tensor,
        input_shape, pooling, classes, classifier_activation, name, "resnet152",
    )  # fmt: skip


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """ResNet's preprocessing, ``imagenet_utils.preprocess_input(mode="caffe")``: RGB → BGR
    and the ImageNet mean of each channel subtracted.

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.full((1, 3), 255.0))[0].round(3).tolist()
        [151.061, 138.221, 131.32]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction; see
    :func:`deepnum.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
