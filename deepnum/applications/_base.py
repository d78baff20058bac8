"""What every application shares: the checks of Keras's common arguments, the image input, the
pooled or classifying top, the model, and its weights (Keras's published files, fetched with
``utils.get_file`` into Keras's cache, or a local file).

Each family module builds its layers in Keras's order and with Keras's names, so that the
layer list, the weight order and the HDF5 layouts are those of the Keras model: a file that
Keras saved from the same architecture loads with ``load_weights``.
"""

from __future__ import annotations

import os
from typing import Any

from deepnum import layers
from deepnum.applications import imagenet_utils
from deepnum.backend import image_data_format, is_keras_tensor
from deepnum.models import Model
from deepnum.utils.symbolic import get_source_inputs

KERAS_APPLICATIONS = "https://storage.googleapis.com/tensorflow/keras-applications/"


def channel_axis(last: int = 3) -> int:
    """The channel axis of an image batch in the configured data format: 1 for channels_first,
    else ``last`` (Keras's family modules write 3 or -1; it is kept in the layers' configs)."""
    return 1 if image_data_format() == "channels_first" else last


def check_arguments(
    model: str, weights: Any, include_top: bool, classes: int, channels_last_only: bool = False
) -> None:
    """Keras's checks of ``weights`` and ``classes`` (and of the data format for the families
    that only run channels_last)."""
    if channels_last_only and image_data_format() == "channels_first":
        raise ValueError(
            f"{model} does not support the `channels_first` image data format. Switch to "
            "`channels_last` (deepnum.backend.set_image_data_format('channels_last'))."
        )
    if not (weights in {"imagenet", None} or _is_file(weights)):
        raise ValueError(
            f"{model}: the `weights` argument should be either `None` (random initialization), "
            "'imagenet' (pre-training on ImageNet), or the path to the weights file to be "
            f"loaded. Received: weights={weights!r} (no such file)."
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            f"{model}: if using `weights='imagenet'` with `include_top=True`, `classes` "
            f"should be 1000. Received classes={classes}; pass include_top=False and add your "
            "own classifier, or weights=None."
        )


def _is_file(weights: Any) -> bool:
    return isinstance(weights, (str, os.PathLike)) and os.path.exists(weights)


def image_input(input_tensor: Any, input_shape: tuple) -> Any:
    """The model's image input: a new ``Input(shape=input_shape)``, or ``input_tensor``."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not is_keras_tensor(input_tensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def model_inputs(input_tensor: Any, img_input: Any) -> Any:
    """The inputs of the model: those ``input_tensor`` derives from, else the new input."""
    if input_tensor is not None:
        return get_source_inputs(input_tensor)
    return img_input


def pooled(x: Any, pooling: str | None, avg_name: str | None, max_name: str | None) -> Any:
    """The top of a model without its classifier: ``pooling="avg"`` or ``"max"`` adds a global
    pooling (under the family's names; None lets the layer name itself), else x as it is."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def classifier(x: Any, classes: int, activation: Any, weights: Any, **kwargs: Any) -> Any:
    """The ``predictions`` Dense layer, after checking the activation against the weights."""
    imagenet_utils.validate_activation(activation, weights)
    return layers.Dense(classes, activation=activation, name="predictions", **kwargs)(x)


def imagenet_file(model: str, file_name: str, origin: str, file_hash: str | None) -> str:
    """Keras's published weights file from the cache (``~/.keras/models`` or under
    ``$KERAS_HOME``), downloaded and checked against ``file_hash`` when it is not there.

    Raises:
        FileNotFoundError: offline; the message names the URL and the path where the file
            can be placed by hand.
    """
    from deepnum.utils.file_utils import get_file

    try:
        return get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)
    except FileNotFoundError as error:
        raise type(error)(
            f"{model}: the ImageNet weights are not available offline. {error}"
        ) from None


def finish(
    model_name: str,
    input_tensor: Any,
    img_input: Any,
    outputs: Any,
    name: str,
    weights: Any,
    imagenet: tuple[str, str, str | None] | None = None,
) -> Model:
    """The Functional model, with its weights: ``imagenet`` is ``(file name, URL, hash)`` of
    the published file, used when ``weights == "imagenet"``; a path is loaded as it is."""
    model = Model(model_inputs(input_tensor, img_input), outputs, name=name)
    if weights == "imagenet":
        if imagenet is None:
            raise ValueError(f"{model_name}: no ImageNet weights are published for this model.")
        model.load_weights(imagenet_file(model_name, *imagenet))
    elif weights is not None:
        model.load_weights(weights)
    return model


def keras_operation(name: str, *args: Any, **config: Any) -> Any:
    """Apply Keras's operation ``keras.src.ops.numpy.<name>`` (``Add``, ``Multiply``, ...) as
    a node of the graph, where Keras's code writes a Python operator on symbolic tensors
    (``x + 3.0``): the graph, and the ``.keras`` config, are then Keras's."""
    from deepnum.saving.keras_ops import resolve

    return resolve("keras.src.ops.numpy", name)(**config)(*args)


def obtain_input_shape(
    input_shape: Any,
    default_size: int,
    min_size: int,
    include_top: bool,
    weights: Any,
) -> tuple:
    """:func:`imagenet_utils.obtain_input_shape` in the configured data format."""
    return imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=default_size,
        min_size=min_size,
        data_format=image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
