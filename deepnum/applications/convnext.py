"""ConvNeXt Tiny/Small/Base/Large/XLarge (Liu et al., "A ConvNet for the 2020s", CVPR 2022)
with Keras's layers, names and weight files."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum import layers
from deepnum.applications import _base, imagenet_utils
from deepnum.layers import LayerScale, StochasticDepth
from deepnum.models import Model, Sequential

BASE_WEIGHTS_PATH = f"{_base.KERAS_APPLICATIONS}convnext/"
WEIGHTS_HASHES = {
    "convnext_tiny": (
        "8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
        "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1",
    ),
    "convnext_small": (
        "ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
        "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab",
    ),
    "convnext_base": (
        "52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
        "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45",
    ),
    "convnext_large": (
        "070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
        "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd",
    ),
    "convnext_xlarge": (
        "c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05",
    ),
}
MODEL_CONFIGS = {
    key: {"depths": depths, "projection_dims": dims, "default_size": 224}
    for key, depths, dims in (
        ("tiny", [3, 3, 9, 3], [96, 192, 384, 768]),
        ("small", [3, 3, 27, 3], [96, 192, 384, 768]),
        ("base", [3, 3, 27, 3], [128, 256, 512, 1024]),
        ("large", [3, 3, 27, 3], [192, 384, 768, 1536]),
        ("xlarge", [3, 3, 27, 3], [256, 512, 1024, 2048]),
    )
}

__all__ = [
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtSmall",
    "ConvNeXtTiny",
    "ConvNeXtXLarge",
    "LayerScale",
    "StochasticDepth",
    "decode_predictions",
    "preprocess_input",
]


def ConvNeXtBlock(  # noqa: N802 - Keras's name
    projection_dim: int,
    drop_path_rate: float = 0.0,
    layer_scale_init_value: float | None = 1e-6,
    name: str | None = None,
) -> Any:
    """The ConvNeXt block as a function of its input: 7×7 depthwise convolution,
    LayerNormalization, Dense(4·dim), GELU, Dense(dim), LayerScale, stochastic depth (or an
    identity Activation), added to the input."""

    def apply(inputs: Any) -> Any:
        x = layers.Conv2D(
            filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
            name=f"{name}_depthwise_conv",
        )(inputs)  # fmt: skip
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            layer = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            layer = layers.Activation("linear", name=f"{name}_identity")
        return _base.keras_operation("Add", inputs, layer(x))

    return apply


def ConvNeXt(  # noqa: N802 - Keras's name
    depths: list[int],
    projection_dims: list[int],
    drop_path_rate: float = 0.0,
    layer_scale_init_value: float = 1e-6,
    default_size: int = 224,
    name: str = "convnext",
    include_preprocessing: bool = True,
    include_top: bool = True,
    weights: Any = None,
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    weights_name: str | None = None,
) -> Model:
    """A ConvNeXt: optional normalization of the [0, 255] input, a 4×4/4 patchify stem, four
    stages of ``depths[i]`` ConvNeXt blocks of width ``projection_dims[i]`` with 2×2/2
    downsampling between them, and the top (pooling, LayerNormalization, Dense).

    Returns:
        A Functional model.
    """
    _base.check_arguments(name, weights, include_top, classes, channels_last_only=True)
    input_shape = _base.obtain_input_shape(input_shape, default_size, 32, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    if input_tensor is not None:
        inputs, x = _base.model_inputs(input_tensor, img_input)[0], input_tensor
    else:
        inputs = x = img_input
    if include_preprocessing and input_shape[2] == 3:
        x = layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization",
        )(x)  # fmt: skip
    downsample = [_stem(projection_dims[0], name)] + [
        _downsampling(projection_dims[i + 1], i, name) for i in range(3)
    ]
    rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsample[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(
                projection_dim=projection_dims[i], drop_path_rate=rates[cur + j],
                layer_scale_init_value=layer_scale_init_value, name=f"{name}_stage_{i}_block_{j}",
            )(x)  # fmt: skip
        cur += depths[i]
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation, name=f"{name}_head_dense")(x)
    else:
        x = _base.pooled(x, pooling, None, None)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = Model(inputs=inputs, outputs=x, name=name)
    if weights == "imagenet":
        _check_imagenet(depths, projection_dims, name, weights_name)
        file_name = name + (".h5" if include_top else "_notop.h5")
        file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        model.load_weights(
            _base.imagenet_file(name, file_name, BASE_WEIGHTS_PATH + file_name, file_hash)
        )
    elif weights is not None:
        model.load_weights(weights)
    return model


def _stem(filters: int, name: str) -> Sequential:
    return Sequential(
        [
            layers.Conv2D(filters, kernel_size=4, strides=4, name=f"{name}_stem_conv"),
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
        ],
        name=f"{name}_stem",
    )


def _downsampling(filters: int, i: int, name: str) -> Sequential:
    return Sequential(
        [
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(filters, kernel_size=2, strides=2, name=f"{name}_downsampling_conv_{i}"),
        ],
        name=f"{name}_downsampling_block_{i}",
    )


def _check_imagenet(depths: list, dims: list, name: str, weights_name: Any) -> None:
    expected = MODEL_CONFIGS.get(str(weights_name).split("convnext_")[-1])
    if expected is None or depths != expected["depths"] or dims != expected["projection_dims"]:
        raise ValueError(
            f"Architecture configuration does not match {weights_name} variant. When using "
            "pre-trained weights, the model architecture must match the pre-trained "
            "configuration exactly."
        )
    if weights_name not in name:
        raise ValueError(
            f'Model name "{name}" does not match weights variant "{weights_name}". When '
            "using imagenet weights, model name must contain the weights variant (e.g., "
            f'"{weights_name}").'
        )


def ConvNeXtTiny(  # noqa: N802 - Keras's name
    include_top: bool = True,
    include_preprocessing: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "convnext_tiny",
) -> Model:
    """ConvNeXtTiny: stages of 3, 3, 9, 3 blocks of widths 96, 192, 384, 768; 28.6 M
    parameters with the top. The model normalizes its [0, 255] RGB input itself
    (``include_preprocessing``), so :func:`preprocess_input` is the identity. channels_last
    only.

    Args:
        include_top: keep the global average pooling, LayerNormalization and Dense head.
        include_preprocessing: start with the ImageNet mean/variance Normalization.
        weights: None, ``"imagenet"`` or the path of a weights file.
        input_tensor: a symbolic tensor to use as the image input.
        input_shape: (height, width, 3), each side ≥ 32.
        pooling: without the top: None, ``"avg"`` or ``"max"`` (then a LayerNormalization).
        classes: the number of classes of the top.
        classifier_activation: the activation of the top (None: logits).
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ConvNeXtTiny
        >>> ConvNeXtTiny(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 768)
    """
    return _variant(
        "tiny", include_top, include_preprocessing, weights, input_tensor, input_shape,
        pooling, classes, classifier_activation, name,
    )  # fmt: skip


def ConvNeXtSmall(  # noqa: N802 - Keras's name
    include_top: bool = True,
    include_preprocessing: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "convnext_small",
) -> Model:
    """ConvNeXtSmall: stages of 3, 3, 27, 3 blocks of widths 96, 192, 384, 768;
    50.2 M parameters with the top.

    Args:
        include_top, include_preprocessing, weights, input_tensor, input_shape, pooling,
            classes, classifier_activation, name: as in :func:`ConvNeXtTiny`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ConvNeXtSmall
        >>> ConvNeXtSmall(weights=None).count_params()  # doctest: +SKIP
        50223688
    """
    return _variant(
        "small", include_top, include_preprocessing, weights, input_tensor, input_shape,
        pooling, classes, classifier_activation, name,
    )  # fmt: skip


def ConvNeXtBase(  # noqa: N802 - Keras's name
    include_top: bool = True,
    include_preprocessing: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "convnext_base",
) -> Model:
    """ConvNeXtBase: stages of 3, 3, 27, 3 blocks of widths 128, 256, 512, 1024;
    88.6 M parameters with the top.

    Args:
        include_top, include_preprocessing, weights, input_tensor, input_shape, pooling,
            classes, classifier_activation, name: as in :func:`ConvNeXtTiny`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ConvNeXtBase
        >>> ConvNeXtBase(weights=None).count_params()  # doctest: +SKIP
        88591464
    """
    return _variant(
        "base", include_top, include_preprocessing, weights, input_tensor, input_shape,
        pooling, classes, classifier_activation, name,
    )  # fmt: skip


def ConvNeXtLarge(  # noqa: N802 - Keras's name
    include_top: bool = True,
    include_preprocessing: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "convnext_large",
) -> Model:
    """ConvNeXtLarge: stages of 3, 3, 27, 3 blocks of widths 192, 384, 768, 1536;
    197.8 M parameters with the top.

    Args:
        include_top, include_preprocessing, weights, input_tensor, input_shape, pooling,
            classes, classifier_activation, name: as in :func:`ConvNeXtTiny`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ConvNeXtLarge
        >>> ConvNeXtLarge(weights=None).count_params()  # doctest: +SKIP
        197767336
    """
    return _variant(
        "large", include_top, include_preprocessing, weights, input_tensor, input_shape,
        pooling, classes, classifier_activation, name,
    )  # fmt: skip


def ConvNeXtXLarge(  # noqa: N802 - Keras's name
    include_top: bool = True,
    include_preprocessing: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "convnext_xlarge",
) -> Model:
    """ConvNeXtXLarge: stages of 3, 3, 27, 3 blocks of widths 256, 512, 1024, 2048;
    350.2 M parameters with the top.

    Args:
        include_top, include_preprocessing, weights, input_tensor, input_shape, pooling,
            classes, classifier_activation, name: as in :func:`ConvNeXtTiny`.

    Returns:
        A Functional model.

    Example:
        >>> from deepnum.applications import ConvNeXtXLarge
        >>> ConvNeXtXLarge(weights=None).count_params()  # doctest: +SKIP
        350196968
    """
    return _variant(
        "xlarge", include_top, include_preprocessing, weights, input_tensor, input_shape,
        pooling, classes, classifier_activation, name,
    )  # fmt: skip


def _variant(key: str, *args: Any) -> Model:
    top, preprocessing, weights, tensor, shape, pooling, classes, activation, name = args
    config = MODEL_CONFIGS[key]
    return ConvNeXt(
        weights_name=f"convnext_{key}", depths=config["depths"],
        projection_dims=config["projection_dims"], drop_path_rate=0.0,
        layer_scale_init_value=1e-6, default_size=config["default_size"], name=name,
        include_top=top, include_preprocessing=preprocessing, weights=weights,
        input_tensor=tensor, input_shape=shape, pooling=pooling, classes=classes,
        classifier_activation=activation,
    )  # fmt: skip


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """The identity: ConvNeXt models normalize their input themselves
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
