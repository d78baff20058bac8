"""Weight initializers with Keras 3's names, defaults and formulas (``keras.initializers``).

Each initializer is a class; the lowercase names (``glorot_uniform``, ``zeros``, ...) and the
compatibility names (``IdentityInitializer``, ...) are the same classes, as in Keras. ``get``
resolves names, configs, arrays and callables; an unknown name or a malformed config is a
``ValueError`` that names it.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from deepnum._identifiers import deserialize_identifier, snake_case
from deepnum.autodiff.tensor import Tensor
from deepnum.initializers.constant_initializers import STFT, Constant, Identity, Ones, Zeros
from deepnum.initializers.initializer import (
    Initializer,
    RandomInitializer,
    compute_fans,
    standardize_dtype,
    standardize_shape,
)
from deepnum.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)

constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
identity = IdentityInitializer = Identity
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
orthogonal = OrthogonalInitializer = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
stft = STFTInitializer = STFT
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros

ALL_OBJECTS = (
    Initializer, Constant, Identity, Ones, STFT, Zeros, GlorotNormal, GlorotUniform, HeNormal,
    HeUniform, LecunNormal, LecunUniform, Orthogonal, RandomNormal, RandomUniform,
    TruncatedNormal, VarianceScaling,
)  # fmt: skip
ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update(
    {
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
        "STFTInitializer": STFT,
        "normal": RandomNormal,
        "uniform": RandomUniform,
        "one": Ones,
        "zero": Zeros,
    }
)


def serialize(initializer: Initializer) -> dict:
    """Keras's serialized form: ``{"module", "class_name", "config", "registered_name"}``.

    Example:
        >>> serialize(Constant(2.0))["config"]
        {'value': 2.0}
    """
    registered = getattr(type(initializer), "_registered_name", None)
    return {
        "module": "keras.initializers" if registered is None else None,
        "class_name": type(initializer).__name__,
        "config": initializer.get_config(),
        "registered_name": registered,
    }


def deserialize(config: Any, custom_objects: dict | None = None) -> Any:
    """An initializer from ``serialize``'s output (or Keras's), or from a name.

    Names resolve against deepnum's initializers, ``custom_objects`` and registered classes.

    Example:
        >>> deserialize({"class_name": "RandomNormal", "config": {"stddev": 2.0}}).stddev
        2.0
    """
    return deserialize_identifier(config, "initializer", ALL_OBJECTS_DICT, custom_objects)


def _from_array(value: Any) -> Any:
    """An initializer that returns ``value`` (cast), for a shape equal to ``value``'s."""
    array = value.data if isinstance(value, Tensor) else value

    def initialize_fn(shape: Any, dtype: Any = None) -> np.ndarray:
        if standardize_shape(shape) != tuple(array.shape):
            raise ValueError(
                f"Expected `shape` to be {tuple(array.shape)} for direct tensor as initializer. "
                f"Received shape={tuple(shape)}"
            )
        return np.array(array, dtype=standardize_dtype(dtype, "initializer"))

    return initialize_fn


def get(identifier: Any) -> Any:
    """Resolve an initializer identifier, as a layer's ``kernel_initializer=`` does.

    Args:
        identifier: ``None``; a name (``"glorot_uniform"``, ``"Zeros"``); a config dict; an
            Initializer or a callable ``fn(shape, dtype=None)`` (returned as is); a class
            (instantiated); or an array/Tensor (the weight's values, for that exact shape).

    Returns:
        A callable initializer, or ``None`` for ``None``.

    Raises:
        ValueError: an unknown name, a malformed config, or anything else.

    Example:
        >>> get("glorot_uniform").__class__.__name__
        'GlorotUniform'
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    elif isinstance(identifier, (Tensor, np.ndarray, np.generic)):
        obj = _from_array(identifier)
    else:
        obj = identifier
    if inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret initializer identifier: {identifier!r}. Expected a name such as "
        "'glorot_uniform', a config dict, an Initializer or a callable fn(shape, dtype=None)."
    )


__all__ = [
    "ALL_OBJECTS_DICT",
    "STFT",
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomInitializer",
    "RandomNormal",
    "RandomUniform",
    "STFTInitializer",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "stft",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]
