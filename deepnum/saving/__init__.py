"""Saving and loading in Keras 3's formats (``keras.saving``): ``.keras`` archives, HDF5
weights files (``*.weights.h5``), legacy Keras ``.h5`` files, and configs as JSON.

Files move both ways between deepnum and Keras 3. Loading never runs code from the file: no
pickle anywhere, classes are resolved only among deepnum's own, registered ones and
``custom_objects``, and Python bytecode (Lambda layers saved from lambdas) is refused unless
``safe_mode=False``. Writes are atomic. Whatever is wrong with a file being loaded — damaged,
truncated, hostile, a SHA-256 that does not match, more memory asked than the file can hold,
weights that do not fit the model — raises :class:`FileLoadError`, a ``ValueError`` whose
message names the file, the member or dataset, and the cause.

Example:
    >>> import os, tempfile, numpy as np, deepnum as dn
    >>> model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2)])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> model.save(path)
    >>> restored = dn.saving.load_model(path)
    >>> x = np.ones((1, 3), "float32")
    >>> bool(np.allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0)))
    True
"""

from __future__ import annotations

from deepnum.saving.errors import FileLoadError
from deepnum.saving.file_editor import KerasFileEditor
from deepnum.saving.keras_format import load_model, save_model
from deepnum.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from deepnum.saving.serialization import (
    deserialize_keras_object,
    get_compile_config,
    serialize_keras_object,
)
from deepnum.saving.weights_h5 import load_weights, save_weights

__all__ = [
    "CustomObjectScope",
    "FileLoadError",
    "KerasFileEditor",
    "custom_object_scope",
    "get_custom_objects",
    "deserialize_keras_object",
    "get_compile_config",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
