"""ImageNet helpers with Keras's names: ``preprocess_input`` (the three input conventions of
the published models), ``decode_predictions`` (class names of the 1000 ImageNet classes), and
the shape and padding rules the model functions share (``obtain_input_shape``,
``correct_pad``, ``validate_activation``)."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np

from deepnum import activations, ops
from deepnum.backend import floatx, image_data_format, is_keras_tensor

CLASS_INDEX: dict | None = None
CLASS_INDEX_PATH = (
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
)
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"  # MD5, as Keras checks it

_CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x: Any, data_format: str | None = None, mode: str = "caffe") -> Any:
    """Bring a batch of RGB images with values in [0, 255] to a model's input convention.

    * ``"caffe"`` (VGG, ResNet): RGB → BGR, then subtract the ImageNet mean of each channel
      (103.939, 116.779, 123.68), no scaling;
    * ``"tf"`` (Inception, Xception, MobileNet, ResNetV2, NASNet): x / 127.5 − 1, in [−1, 1];
    * ``"torch"`` (DenseNet): (x / 255 − μ) / σ with μ = (0.485, 0.456, 0.406),
      σ = (0.229, 0.224, 0.225).

    As in Keras, a floating-point NumPy array is modified in place (pass ``np.copy(x)`` to keep
    it); integer arrays are converted to ``floatx()`` first. Tensors and symbolic tensors (a
    model's ``Input``) are transformed with ops.

    Args:
        x: (..., H, W, 3) for channels_last (default), (..., 3, H, W) for channels_first; 3-D
            or 4-D.
        data_format: ``"channels_last"``, ``"channels_first"`` or None (the configured one).
        mode: ``"caffe"``, ``"tf"`` or ``"torch"``.

    Returns:
        The preprocessed batch (float).

    Raises:
        ValueError: an unknown ``mode`` or ``data_format``.

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.array([[0.0, 127.5, 255.0]]), mode="tf").tolist()
        [[-1.0, 0.0, 1.0]]
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(
            f"preprocess_input: expected mode to be one of `caffe`, `tf` or `torch`. "
            f"Received: mode={mode!r}"
        )
    if data_format is None:
        data_format = image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "preprocess_input: expected data_format to be one of `channels_first` or "
            f"`channels_last`. Received: data_format={data_format!r}"
        )
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _preprocess_numpy(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    first = data_format == "channels_first"
    axis = (0 if x.ndim == 3 else 1) if first else x.ndim - 1
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = np.flip(x, axis=axis)  # RGB → BGR, a view: the caller's array is still written
        mean, std = _CAFFE_MEAN, None
    index = [slice(None)] * x.ndim
    for c in range(3):
        index[axis] = c
        x[tuple(index)] -= mean[c]
        if std is not None:
            x[tuple(index)] /= std[c]
    return x


def _preprocess_tensor(x: Any, data_format: str, mode: str) -> Any:
    arith = _SYMBOLIC if is_keras_tensor(x) else _EAGER
    if mode == "tf":
        return arith.subtract(arith.divide(x, 127.5), 1.0)
    ndim = len(x.shape)
    first = data_format == "channels_first"
    axis = (0 if ndim == 3 else 1) if first else ndim - 1
    if first:
        shape = [3, 1, 1] if ndim == 3 else [1, 3] + [1] * (ndim - 2)
    else:
        shape = [1] * (ndim - 1) + [3]
    if mode == "torch":
        x = arith.divide(x, 255.0)
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = arith.reverse_channels(x, axis)
        mean, std = _CAFFE_MEAN, None
    x = arith.add(x, -np.asarray(mean, dtype=x.dtype).reshape(shape))
    if std is not None:
        x = arith.divide(x, np.asarray(std, dtype=x.dtype).reshape(shape))
    return x


class _Eager:
    """Arithmetic on Tensors and arrays (deepnum ops)."""

    @staticmethod
    def divide(x: Any, y: Any) -> Any:
        return ops.divide(x, y)

    @staticmethod
    def subtract(x: Any, y: Any) -> Any:
        return ops.subtract(x, y)

    @staticmethod
    def add(x: Any, y: Any) -> Any:
        return ops.add(x, y)

    @staticmethod
    def reverse_channels(x: Any, axis: int) -> Any:
        return ops.flip(x, axis=axis)


class _Symbolic:
    """The same arithmetic as nodes of a Functional graph (Keras's operations)."""

    @staticmethod
    def _op(name: str, *args: Any, **config: Any) -> Any:
        from deepnum.applications._base import keras_operation

        return keras_operation(name, *args, **config)

    def divide(self, x: Any, y: Any) -> Any:
        return self._op("TrueDivide", x, y)

    def subtract(self, x: Any, y: Any) -> Any:
        return self._op("Subtract", x, y)

    def add(self, x: Any, y: Any) -> Any:
        return self._op("Add", x, y)

    def reverse_channels(self, x: Any, axis: int) -> Any:
        lead = (slice(None),) * axis
        channels = [self._op("GetItem", x, lead + (i,)) for i in (2, 1, 0)]
        return self._op("Stack", channels, axis=axis)


_EAGER, _SYMBOLIC = _Eager(), _Symbolic()


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The ``top`` ImageNet classes of each prediction, best first, as
    ``(class_name, class_description, score)``.

    The class names come from Keras's ``imagenet_class_index.json``, fetched once with
    ``utils.get_file`` into Keras's cache (``~/.keras/models``) and checked against its MD5;
    offline, place the file there (or set the module's ``CLASS_INDEX`` to its parsed content).

    Args:
        preds: (samples, 1000) scores.
        top: how many classes per sample.

    Returns:
        One list of ``top`` tuples per sample.

    Raises:
        ValueError: ``preds`` is not (samples, 1000).

    Example:
        >>> import numpy as np
        >>> from deepnum.applications import imagenet_utils
        >>> imagenet_utils.CLASS_INDEX = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
        >>> [(wnid, label, float(score)) for wnid, label, score in
        ...  decode_predictions(np.eye(1000, dtype="float32")[[7]], top=1)[0]]
        [('n00000007', 'class_7', 1.0)]
        >>> imagenet_utils.CLASS_INDEX = None
    """
    global CLASS_INDEX
    shape = tuple(getattr(preds, "shape", ()))
    if len(shape) != 2 or shape[1] != 1000:
        raise ValueError(
            "decode_predictions expects a batch of predictions (i.e. a 2D array of shape "
            f"(samples, 1000)). Received array with shape: {shape}"
        )
    if CLASS_INDEX is None:
        from deepnum.utils.file_utils import get_file

        path = get_file(
            "imagenet_class_index.json",
            CLASS_INDEX_PATH,
            cache_subdir="models",
            file_hash=CLASS_INDEX_HASH,
        )
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    results = []
    for pred in ops.convert_to_numpy(preds):
        best = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in best]
        result.sort(key=lambda r: r[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(
    input_shape: Any,
    default_size: int,
    min_size: int,
    data_format: str,
    require_flatten: bool,
    weights: Any = None,
) -> tuple:
    """The model's input shape (Keras's rules): the default ``(size, size, 3)`` when none is
    given and the top is kept, ``(None, None, 3)`` without the top; a given shape is checked
    (three axes, at least ``min_size`` pixels, 3 channels with ImageNet weights).

    Args:
        input_shape: None or the user's shape (without the batch axis).
        default_size: the model's default height and width.
        min_size: the smallest height and width the model accepts.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        require_flatten: whether the top (a fixed-size classifier) is kept.
        weights: None, ``"imagenet"`` or a path.

    Returns:
        The shape tuple (sizes may be None).

    Raises:
        ValueError: a shape the model cannot take, with the reason.

    Example:
        >>> obtain_input_shape(None, 224, 32, "channels_last", require_flatten=False)
        (None, None, 3)
    """
    first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn(
                "This model usually expects 1 or 3 input channels. However, it was passed an "
                f"input_shape with {channels} input channels.",
                stacklevel=3,
            )
        size = (default_size, default_size)
        default_shape = (channels,) + size if first else size + (channels,)
    else:
        default_shape = (3, default_size, default_size) if first else (default_size,) * 2 + (3,)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, `input_shape` "
                f"should be {default_shape}. Received: input_shape={input_shape}"
            )
        return default_shape
    if input_shape:
        _check_shape(tuple(input_shape), first, min_size, weights)
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(
            "If `include_top` is True, you should specify a static `input_shape`. "
            f"Received: input_shape={input_shape}"
        )
    return tuple(input_shape)


def _check_shape(shape: tuple, first: bool, min_size: int, weights: Any) -> None:
    if len(shape) != 3:
        raise ValueError(
            f"`input_shape` must be a tuple of three integers (height, width, channels). "
            f"Received: input_shape={shape}"
        )
    channels, (rows, cols) = (shape[0], shape[1:]) if first else (shape[-1], shape[:2])
    if channels != 3 and weights == "imagenet":
        raise ValueError(f"The input must have 3 channels; Received `input_shape={shape}`")
    if (rows is not None and rows < min_size) or (cols is not None and cols < min_size):
        raise ValueError(
            f"Input size must be at least {min_size}x{min_size}; Received: input_shape={shape}"
        )


def correct_pad(inputs: Any, kernel_size: Any) -> tuple:
    """The zero padding before a stride-2 'valid' convolution that reproduces TensorFlow's SAME
    padding of the published models: ((k//2 − a, k//2), ...) with a = 1 for an even size
    (and for an unknown one), 0 for an odd size.

    Args:
        inputs: the (symbolic) image batch.
        kernel_size: an int or a pair.

    Returns:
        ``((top, bottom), (left, right))``.

    Example:
        >>> import deepnum as dn
        >>> correct_pad(dn.Input((32, 32, 3)), 3)
        ((0, 1), (0, 1))
    """
    axis = 2 if image_data_format() == "channels_first" else 1
    size = tuple(inputs.shape[axis : axis + 2])
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation: Any, weights: Any) -> None:
    """Refuse a classifier activation other than ``None`` or ``"softmax"`` with pretrained
    weights (their top was trained with a softmax).

    Example:
        >>> validate_activation("softmax", "imagenet")
        >>> validate_activation("sigmoid", None)
    """
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the "
            "`classifier_activation` argument when using pretrained weights, with "
            f"`include_top=True`; Received: classifier_activation={classifier_activation!r}"
        )
