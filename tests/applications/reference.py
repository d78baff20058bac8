"""The Keras side of the applications tests: Keras's models (torch backend) built once per
process, random weights that keep activations in range, and the transfer of those weights
to deepnum through the files Keras writes."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from tests.conftest import reference

keras = reference("keras")
torch = reference("torch")


@contextlib.contextmanager
def fast_truncated_normal() -> Iterator[None]:
    """Keras's truncated normal sampler on PyTorch is a rejection loop (10 s to initialise an
    EfficientNet): while a reference model is built, sample a plain normal instead. Every
    compared model gets its weights from :func:`randomize` afterwards, so the initial values
    never enter a comparison."""
    from keras.src.backend.torch import random as torch_random

    original = torch_random.truncated_normal

    def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):  # noqa: ANN001
        return torch_random.normal(shape, mean, stddev, dtype, seed)

    torch_random.truncated_normal = normal
    try:
        yield
    finally:
        torch_random.truncated_normal = original


@functools.cache
def keras_model(builder: str, input_shape: tuple, **kwargs: Any) -> Any:
    """A Keras application (``builder`` names a function of ``keras.applications``, or
    ``"NASNetMobile"``, which Keras refuses on PyTorch: its architecture through
    ``nasnet.NASNet``), with weights from :func:`randomize`; cached per process."""
    keras.backend.clear_session()  # automatic layer names start afresh, as in deepnum's build
    with fast_truncated_normal():
        if builder == "NASNetMobile":
            from keras.src.applications import nasnet

            model = nasnet.NASNet(
                input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                skip_reduction=False, filter_multiplier=2, default_size=224,
                name="nasnet_mobile", weights=None, **kwargs,
            )  # fmt: skip
        else:
            model = getattr(keras.applications, builder)(
                weights=None, input_shape=input_shape, **kwargs
            )
    randomize(model)
    return model


def randomize(model: Any, seed: int = 0) -> None:
    """Weights that keep every activation of order one: kernels N(0, 1/fan_in), biases and
    betas N(0, 0.1²), scales and variances U(0.5, 1.5), means N(0, 0.1²)."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        shape, path, value = tuple(w.shape), w.path, w.value
        if not value.dtype.is_floating_point:
            continue
        if "variance" in path or "gamma" in path:
            new = rng.uniform(0.5, 1.5, shape)
        elif len(shape) >= 2:
            fan_in = np.prod(shape[:2] if "depthwise" in path else shape[:-1])
            new = rng.standard_normal(shape) / np.sqrt(fan_in)
        else:
            new = 0.1 * rng.standard_normal(shape)
        with torch.no_grad():  # in place: Keras's set_weights converts each array slowly
            value.copy_(torch.from_numpy(new.astype("float32")))


def images(shape: tuple, n: int = 1, seed: int = 1) -> np.ndarray:
    """A batch of ``n`` images with values in [0, 255]."""
    return np.random.default_rng(seed).uniform(0, 255, (n,) + shape).astype("float32")


def keras_predict(model: Any, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return np.asarray(model(x, training=False).detach().cpu().numpy())


def weights_file(model: Any, folder: Any, name: str = "model.weights.h5") -> str:
    """``model``'s weights in a Keras 3 ``.weights.h5`` file written by ``model``'s library."""
    path = os.path.join(folder, name)
    model.save_weights(path)
    return path


def legacy_weights_file(model: Any, folder: Any, name: str = "legacy.h5") -> str:
    """A Keras model's weights in the legacy weights-only HDF5 layout of Keras's published
    ImageNet files (``layer_names`` / ``weight_names`` attributes), written by Keras."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    path = os.path.join(folder, name)
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return path


def weighted_layers(model: Any) -> list[tuple[str, str, list[tuple]]]:
    """(class, name, weight shapes) of every layer with weights, in the model's order."""
    return [
        (type(layer).__name__, layer.name, [tuple(w.shape) for w in layer.weights])
        for layer in model.layers
        if layer.weights
    ]
