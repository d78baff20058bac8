"""The pieces of :class:`~deepnum.utils.FeatureSpace`: features and crosses (their specs and
Keras's serialized form), the identity and concatenation layers, and the conversion of feature
values to arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.layers.layer import Layer

_MODULE = "keras.src.layers.preprocessing.feature_space"
CALLER = "FeatureSpace"


class Cross:
    """A crossing of features: their ids hashed together into ``crossing_dim`` bins."""

    def __init__(self, feature_names: Any, crossing_dim: int, output_mode: str = "one_hot"):
        if output_mode not in ("int", "one_hot"):
            raise ValueError(
                f'FeatureSpace.cross: output_mode must be "int" or "one_hot", received '
                f"output_mode={output_mode!r}."
            )
        self.feature_names = tuple(feature_names)
        self.crossing_dim, self.output_mode = crossing_dim, output_mode

    @property
    def name(self) -> str:
        """``"a_X_b"`` for a cross of features ``a`` and ``b``."""
        return "_X_".join(self.feature_names)

    def get_config(self) -> dict:
        return {
            "feature_names": self.feature_names,
            "crossing_dim": self.crossing_dim,
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config: dict) -> Cross:
        return cls(**config)


class Feature:
    """A feature: its input dtype, its preprocessor layer and its output mode."""

    def __init__(self, dtype: str, preprocessor: Any, output_mode: str) -> None:
        if output_mode not in ("int", "one_hot", "float"):
            raise ValueError(
                'FeatureSpace.feature: output_mode must be "int", "one_hot" or "float", '
                f"received output_mode={output_mode!r}."
            )
        if isinstance(preprocessor, dict):
            preprocessor = _deserialize_preprocessor(preprocessor)
        self.dtype, self.preprocessor, self.output_mode = dtype, preprocessor, output_mode

    def get_config(self) -> dict:
        from deepnum.saving.serialization import serialize_keras_object

        return {
            "dtype": self.dtype,
            "preprocessor": serialize_keras_object(self.preprocessor),
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config: dict) -> Feature:
        return cls(**config)


class TFDIdentity(Layer):
    """The preprocessor of ``"float"`` features: the values as float32."""

    def call(self, x: Any) -> Any:
        from deepnum.ops.core import cast

        return cast(x, "float32")

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


class TFDConcat(Layer):
    """Concatenates the encoded features along ``axis``."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, xs: Any) -> Any:
        from deepnum.ops.numpy import concatenate

        return concatenate(list(xs), axis=self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def _deserialize_preprocessor(config: dict) -> Layer:
    if config.get("class_name") == "TFDIdentity":
        return TFDIdentity.from_config(config["config"])
    from deepnum.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config)


def serialize(obj: Feature | Cross) -> dict:
    name = type(obj).__name__
    return {
        "module": _MODULE,
        "class_name": name,
        "config": obj.get_config(),
        "registered_name": name,
    }


def from_dict(config: dict) -> Feature | Cross:
    kinds = {"Feature": Feature, "Cross": Cross}
    kind = kinds.get(config.get("class_name"))
    if kind is None:
        raise ValueError(
            f"{CALLER}: a serialized feature or cross must have class_name 'Feature' or "
            f"'Cross', received {config.get('class_name')!r}."
        )
    return kind.from_config(config["config"])


def cardinality(name: str, preprocessor: Any) -> int:
    from deepnum import layers

    if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
        return preprocessor.vocabulary_size()
    if isinstance(preprocessor, layers.CategoryEncoding):
        return preprocessor.num_tokens
    if isinstance(preprocessor, layers.Discretization) and preprocessor.num_bins is None:
        return len(preprocessor.bin_boundaries) + 1  # given boundaries: one more bin
    if isinstance(preprocessor, (layers.Discretization, layers.Hashing, layers.HashedCrossing)):
        return preprocessor.num_bins
    raise ValueError(
        f"{CALLER}: feature {name!r} has output_mode='one_hot', but the size of its "
        "preprocessor's output space is not known, so it cannot be one-hot encoded; use "
        "output_mode='int'."
    )


def column(values: list[Any]) -> np.ndarray:
    """The values of one feature gathered from a dataset, as an ``(n, 1)`` (or wider) array."""
    arrays = [np.asarray(v) for v in values]
    if arrays[0].ndim == 0:
        column = np.stack(arrays).reshape(-1, 1)
    else:
        column = np.concatenate(arrays)
        column = column.reshape(-1, 1) if column.ndim == 1 else column
    return column.astype(object) if column.dtype.kind in "US" else column


def as_input_array(x: Any) -> np.ndarray:
    """A feature's values as an array: strings as an object array, rank 1 as a column."""
    from deepnum.backend import to_numpy

    array = np.asarray(x, dtype=object) if isinstance(x, (list, tuple)) else to_numpy(x)
    if array.dtype == object and array.size and not isinstance(array.flat[0], (str, bytes)):
        array = np.asarray(array.tolist())
    if array.dtype.kind in "US":
        array = array.astype(object)
    return array
