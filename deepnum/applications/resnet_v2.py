"""ResNet50V2/101V2/152V2 (He et al., "Identity Mappings in Deep Residual Networks", ECCV
2016): pre-activation residual blocks, with Keras's layers, names and weight files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepnum.applications import imagenet_utils
from deepnum.applications.resnet import ResNet, stack_residual_blocks_v2
from deepnum.models import Model


def _v2_stacks(depths: tuple[int, int, int, int]) -> Callable[[Any], Any]:
    def stack_fn(x: Any) -> Any:
        x = stack_residual_blocks_v2(x, 64, depths[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, depths[3], stride1=1, name="conv5")

    return stack_fn


def ResNet50V2(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "resnet50v2",
) -> Model:
    """ResNet50V2: pre-activation bottleneck stacks of 3, 4, 6 and 3 blocks; 25.6 M parameters
    with the top. Inputs: RGB in [0, 255] through :func:`preprocess_input` ("tf": [−1, 1]).

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`deepnum.applications.ResNet50`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ResNet50V2
        >>> ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 2048)
    """
    return ResNet(
        _v2_stacks((3, 4, 6, 3)), True, True, include_top, weights, input_tensor,
        input_shape, pooling, classes, classifier_activation, name, "resnet50v2",
    )  # fmt: skip


def ResNet101V2(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "resnet101v2",
) -> Model:
    """ResNet101V2: pre-activation stacks of 3, 4, 23 and 3 blocks; 44.7 M parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`deepnum.applications.ResNet50`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ResNet101V2
        >>> ResNet101V2(weights=None).count_params()  # doctest: +SKIP
        44675560
    """
    return ResNet(
        _v2_stacks((3, 4, 23, 3)), True, True, include_top, weights, input_tensor,
        input_shape, pooling, classes, classifier_activation, name, "resnet101v2",
    )  # fmt: skip


def ResNet152V2(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "resnet152v2",
) -> Model:
    """ResNet152V2: pre-activation stacks of 3, 8, 36 and 3 blocks; 60.4 M parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in :func:`deepnum.applications.ResNet50`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ResNet152V2
        >>> ResNet152V2(weights=None).count_params()  # doctest: +SKIP
        60380648
    """
    return ResNet(
        _v2_stacks((3, 8, 36, 3)), True, True, include_top, weights, input_tensor,
        input_shape, pooling, classes, classifier_activation, name, "resnet152v2",
    )  # fmt: skip


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """ResNetV2's preprocessing, ``imagenet_utils.preprocess_input(mode="tf")``: x / 127.5 − 1.

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.array([0.0, 255.0])).tolist()
        [-1.0, 1.0]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction; see
    :func:`deepnum.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
