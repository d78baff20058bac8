"""VGG19 (Simonyan & Zisserman, ICLR 2015) with Keras's layers, names and weight files."""

from __future__ import annotations

from typing import Any

from deepnum.applications import _base, imagenet_utils
from deepnum.applications.vgg16 import vgg
from deepnum.models import Model

WEIGHTS_PATH = f"{_base.KERAS_APPLICATIONS}vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = (
    f"{_base.KERAS_APPLICATIONS}vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
)
WEIGHTS_HASHES = ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")


def VGG19(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "vgg19",
) -> Model:
    """VGG19: 16 convolutions in five blocks (2, 2, 4, 4, 4) and three Dense layers; 143.7 M
    parameters with the top. Arguments as :func:`deepnum.applications.VGG16`.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in VGG16 (input ≥ 32×32; 224×224 with the top).

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import VGG19
        >>> VGG19(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
        20024384
    """
    return vgg(
        "VGG19", (2, 2, 4, 4, 4), include_top, weights, input_tensor, input_shape, pooling,
        classes, classifier_activation, name,
        (
            ("vgg19_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH, WEIGHTS_HASHES[0]),
            ("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
             WEIGHTS_HASHES[1]),
        ),
    )  # fmt: skip


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """VGG's preprocessing, ``imagenet_utils.preprocess_input(mode="caffe")``; see
    :func:`deepnum.applications.vgg16.preprocess_input`."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction; see
    :func:`deepnum.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
