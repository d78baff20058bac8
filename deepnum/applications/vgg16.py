"""VGG16 (Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", ICLR 2015) with Keras's layers, names and weight files."""

from __future__ import annotations

from typing import Any

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.models import Model

WEIGHTS_PATH = f"{_base.KERAS_APPLICATIONS}vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = (
    f"{_base.KERAS_APPLICATIONS}vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
)
WEIGHTS_HASHES = ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc")


def vgg(
    model: str,
    convs_per_block: tuple[int, ...],
    include_top: bool,
    weights: Any,
    input_tensor: Any,
    input_shape: Any,
    pooling: str | None,
    classes: int,
    classifier_activation: Any,
    name: str,
    imagenet: tuple[tuple[str, str, str], tuple[str, str, str]],
) -> Model:
    """A VGG network: five blocks of 3×3 'same' convolutions (64, 128, 256, 512, 512 filters,
    ``convs_per_block[i]`` of them) each followed by 2×2 max pooling, then two Dense(4096)
    layers and the classifier. ``imagenet`` holds (file, URL, hash) with and without the top."""
    _base.check_arguments(model, weights, include_top, classes)
    input_shape = _base.obtain_input_shape(input_shape, 224, 32, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), 1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(
                filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}"
            )(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = _base.classifier(x, classes, classifier_activation, weights)
    else:
        x = _base.pooled(x, pooling, None, None)
    files = imagenet[0] if include_top else imagenet[1]
    return _base.finish(model, input_tensor, img_input, x, name, weights, files)


def VGG16(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "vgg16",
) -> Model:
    """VGG16: 13 convolutions in five blocks (2, 2, 3, 3, 3) and three Dense layers; 138.4 M
    parameters with the top. Inputs: RGB in [0, 255] through :func:`preprocess_input`
    ("caffe": BGR, ImageNet mean subtracted).

    Args:
        include_top: keep the three Dense layers (then the input must be 224×224).
        weights: None (random initialization), ``"imagenet"`` (Keras's published file,
            downloaded once into ``~/.keras/models``), or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        input_shape: (height, width, channels) without the top, each side ≥ 32.
        pooling: without the top: None (the 4-D feature map), ``"avg"`` or ``"max"``
            (global pooling to (batch, 512)).
        classes: the number of classes of the top (1000 with ImageNet weights).
        classifier_activation: the activation of the top (None: logits).
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import VGG16
        >>> VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 512)
    """
    return vgg(
        "VGG16", (2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape, pooling,
        classes, classifier_activation, name,
        (
            ("vgg16_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH, WEIGHTS_HASHES[0]),
            ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
             WEIGHTS_HASHES[1]),
        ),
    )  # fmt: skip


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """VGG's preprocessing, ``imagenet_utils.preprocess_input(mode="caffe")``: RGB → BGR and
    the ImageNet mean of each channel subtracted, no scaling.

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.zeros((1, 1, 1, 3), "float32")).ravel().tolist()
        [-103.93900299072266, -116.77899932861328, -123.68000030517578]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction; see
    :func:`deepnum.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
