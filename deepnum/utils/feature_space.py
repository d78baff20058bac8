"""``FeatureSpace``: one-stop preprocessing of structured (tabular) data, Keras's
``keras.utils.FeatureSpace``, on deepnum's preprocessing layers.

Each feature has a preprocessor (``Normalization``, ``Discretization``, ``StringLookup``,
``IntegerLookup``, ``Hashing``, ``Rescaling`` or the identity) and an output mode: ``"float"``,
``"int"`` (the preprocessor's integer ids) or ``"one_hot"`` (a ``CategoryEncoding`` of the
preprocessor's cardinality, as Keras does it: ``multi_hot`` over ids). Crosses hash the ids of
several features together (``HashedCrossing``). The encoded features are concatenated in
Keras's order: the features sorted by name, then the crosses sorted by name; or returned as a
dict (``output_mode="dict"``).
"""

from __future__ import annotations

from typing import Any

from deepnum.backend.global_state import unique_name
from deepnum.layers.layer import Layer
from deepnum.utils.feature_space_specs import (
    CALLER,
    Cross,
    Feature,
    TFDConcat,
    TFDIdentity,
    as_input_array,
    cardinality,
    column,
    from_dict,
    serialize,
)


class FeatureSpace(Layer):
    """Preprocess a dict of structured features into one vector (or a dict of encodings).

    Args:
        features: a dict from feature name to a feature type string (``"float"``,
            ``"float_normalized"``, ``"float_rescaled"``, ``"float_discretized"``,
            ``"integer_categorical"``, ``"string_categorical"``, ``"integer_hashed"``,
            ``"string_hashed"``) or a feature from the class methods (``FeatureSpace.float()``
            ...).
        output_mode: ``"concat"`` (one float32 vector per sample) or ``"dict"``.
        crosses: crosses of features: tuples of feature names or ``FeatureSpace.cross(...)``.
        crossing_dim: the number of bins of crosses given as name tuples.
        hashing_dim: the number of bins of ``"*_hashed"`` features given as strings.
        num_discretization_bins: the bins of ``"float_discretized"`` features given as strings.
        name: the layer's name.

    Example:
        >>> fs = FeatureSpace(
        ...     {"age": "float_normalized", "city": "string_categorical"}, crosses=None
        ... )
        >>> fs.adapt({"age": [20.0, 40.0, 60.0], "city": ["Oslo", "Rome", "Oslo"]})
        >>> fs({"age": [40.0], "city": ["Rome"]}).numpy().tolist()
        [[0.0, 0.0, 0.0, 1.0]]
    """

    @classmethod
    def cross(cls, feature_names: Any, crossing_dim: int, output_mode: str = "one_hot") -> Cross:
        """A cross of the features ``feature_names`` hashed into ``crossing_dim`` bins."""
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype: str, preprocessor: Any, output_mode: str) -> Feature:
        """A feature with a preprocessor layer of one's own."""
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name: str | None = None) -> Feature:
        """A float feature passed through as it is (float32)."""
        name = name or unique_name("float")
        return Feature("float32", TFDIdentity(name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_rescaled(cls, scale: float = 1.0, offset: float = 0.0, name: str | None = None):
        """A float feature mapped to ``x * scale + offset``."""
        from deepnum.layers import Rescaling

        name = name or unique_name("float_rescaled")
        layer = Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
        return Feature("float32", layer, "float")

    @classmethod
    def float_normalized(cls, name: str | None = None) -> Feature:
        """A float feature standardized to ``(x - mean) / std`` of the adapted data."""
        from deepnum.layers import Normalization

        name = name or unique_name("float_normalized")
        return Feature("float32", Normalization(axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(
        cls,
        num_bins: int,
        bin_boundaries: Any = None,
        output_mode: str = "one_hot",
        name: str | None = None,
    ) -> Feature:
        """A float feature bucketed into ``num_bins`` quantile bins (or ``bin_boundaries``)."""
        from deepnum.layers import Discretization

        name = name or unique_name("float_discretized")
        layer = Discretization(
            num_bins=num_bins, bin_boundaries=bin_boundaries, name=f"{name}_preprocessor"
        )
        return Feature("float32", layer, output_mode)

    @classmethod
    def integer_categorical(
        cls,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        output_mode: str = "one_hot",
        name: str | None = None,
    ) -> Feature:
        """An integer category looked up in the adapted vocabulary (``IntegerLookup``)."""
        from deepnum.layers import IntegerLookup

        name = name or unique_name("integer_categorical")
        layer = IntegerLookup(
            name=f"{name}_preprocessor", max_tokens=max_tokens, num_oov_indices=num_oov_indices
        )
        return Feature("int32", layer, output_mode)

    @classmethod
    def string_categorical(
        cls,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        output_mode: str = "one_hot",
        name: str | None = None,
    ) -> Feature:
        """A string category looked up in the adapted vocabulary (``StringLookup``)."""
        from deepnum.layers import StringLookup

        name = name or unique_name("string_categorical")
        layer = StringLookup(
            name=f"{name}_preprocessor", max_tokens=max_tokens, num_oov_indices=num_oov_indices
        )
        return Feature("string", layer, output_mode)

    @classmethod
    def string_hashed(cls, num_bins: int, output_mode: str = "one_hot", name: str | None = None):
        """A string category hashed into ``num_bins`` bins."""
        from deepnum.layers import Hashing

        name = name or unique_name("string_hashed")
        layer = Hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature("string", layer, output_mode)

    @classmethod
    def integer_hashed(cls, num_bins: int, output_mode: str = "one_hot", name: str | None = None):
        """An integer category hashed into ``num_bins`` bins."""
        from deepnum.layers import Hashing

        name = name or unique_name("integer_hashed")
        layer = Hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature("int32", layer, output_mode)

    def __init__(
        self,
        features: dict,
        output_mode: str = "concat",
        crosses: Any = None,
        crossing_dim: int = 32,
        hashing_dim: int = 32,
        num_discretization_bins: int = 32,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if not features:
            raise ValueError(f"{CALLER}: features must be a non-empty dict, received {features!r}.")
        if output_mode not in ("dict", "concat"):
            raise ValueError(
                f'{CALLER}: output_mode must be "concat" or "dict", received '
                f"output_mode={output_mode!r}."
            )
        self.crossing_dim, self.hashing_dim = crossing_dim, hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {n: self._standardize_feature(n, f) for n, f in features.items()}
        self.crosses = [self._standardize_cross(c, set(features)) for c in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        self.output_mode = output_mode
        self.inputs = {n: self._feature_to_input(n, f) for n, f in self.features.items()}
        self.preprocessors = {n: f.preprocessor for n, f in self.features.items()}
        self.encoded_features = None
        self.crossers = {cross.name: self._cross_to_crosser(cross) for cross in self.crosses}
        self.one_hot_encoders: dict[str, Layer] = {}
        self._is_adapted = False
        self.concat: Layer | None = None
        self._sublayers_built = False

    def _standardize_feature(self, name: str, feature: Any) -> Feature:
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return from_dict(feature)
        makers = {
            "float": lambda: self.float(name=name),
            "float_normalized": lambda: self.float_normalized(name=name),
            "float_rescaled": lambda: self.float_rescaled(name=name),
            "float_discretized": lambda: self.float_discretized(
                self.num_discretization_bins, name=name
            ),
            "integer_categorical": lambda: self.integer_categorical(name=name),
            "string_categorical": lambda: self.string_categorical(name=name),
            "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
            "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name),
        }
        if feature not in makers:
            raise ValueError(
                f"{CALLER}: feature {name!r} has an unknown type {feature!r}; use one of "
                f"{sorted(makers)} or a FeatureSpace.feature(...)."
            )
        return makers[feature]()

    def _standardize_cross(self, cross: Any, names: set) -> Cross:
        if isinstance(cross, dict):
            cross = from_dict(cross)
        if isinstance(cross, Cross):
            return cross
        if not self.crossing_dim:
            raise ValueError(f"{CALLER}: with crosses given as names, give crossing_dim too.")
        unknown = [key for key in cross if key not in names]
        if unknown:
            raise ValueError(
                f"{CALLER}: the cross {tuple(cross)} names features that are not in features: "
                f"{unknown}."
            )
        return Cross(cross, crossing_dim=self.crossing_dim)

    def _feature_to_input(self, name: str, feature: Feature) -> Any:
        from deepnum.models import Input

        return Input(shape=(1,), dtype=feature.dtype, name=name)

    def _cross_to_crosser(self, cross: Cross) -> Layer:
        from deepnum.layers import HashedCrossing

        return HashedCrossing(cross.crossing_dim, name=cross.name)

    # -- adapt -------------------------------------------------------------------------------
    def _list_adaptable_preprocessors(self) -> list[str]:
        from deepnum.layers import Discretization, Normalization, TextVectorization

        names = []
        for name in self.features:
            preprocessor = self.preprocessors[name]
            if isinstance(preprocessor, Normalization) and preprocessor.input_mean is not None:
                continue
            if isinstance(preprocessor, Discretization) and preprocessor.num_bins is None:
                continue  # given bin_boundaries: nothing to learn
            if isinstance(preprocessor, TextVectorization) and getattr(
                preprocessor, "_has_input_vocabulary", False
            ):
                continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset: Any) -> None:
        """Learn the preprocessors' state (means, quantiles, vocabularies) from the data.

        Args:
            dataset: a dict from feature name to array / list of values, or a
                :class:`deepnum.data.Dataset` whose elements are such dicts (batched or not;
                use ``ds.map(lambda x, y: x)`` to drop labels).
        """
        elements = self._adapt_elements(dataset)
        for name in self._list_adaptable_preprocessors():
            try:
                values = [element[name] for element in elements]
            except KeyError:
                raise ValueError(
                    f"{CALLER}.adapt: the data have no feature {name!r}; they have "
                    f"{sorted(elements[0])}."
                ) from None
            self.preprocessors[name].adapt(column(values))
        self._is_adapted = True
        self.get_encoded_features()
        self.built = True
        self._sublayers_built = True

    def _adapt_elements(self, dataset: Any) -> list[dict]:
        from deepnum.data import Dataset

        if isinstance(dataset, dict):
            return [{name: as_input_array(value) for name, value in dataset.items()}]
        if not isinstance(dataset, Dataset):
            raise ValueError(
                f"{CALLER}.adapt: give a Dataset of dicts or a dict of arrays/lists; received "
                f"{type(dataset).__name__}."
            )
        elements = list(dataset)
        if not elements or not isinstance(elements[0], dict):
            kind = type(elements[0]).__name__ if elements else "nothing"
            raise ValueError(
                f"{CALLER}.adapt: the Dataset must yield dicts of features, it yields {kind}; "
                "drop the labels first, e.g. ds.map(lambda x, y: x)."
            )
        return elements

    def _check_if_adapted(self) -> None:
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError(
                    f"{CALLER}: call adapt(data) before using the FeatureSpace: "
                    f"{self._list_adaptable_preprocessors()} learn their state from the data."
                )
            self._is_adapted = True

    def _check_if_built(self) -> None:
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # -- encoding ----------------------------------------------------------------------------
    def get_inputs(self) -> dict:
        """The symbolic inputs, one ``Input(shape=(1,))`` per feature (to build a model)."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self) -> Any:
        """The symbolic encoded features (the concatenated vector, or the dict)."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features: dict) -> dict:
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features: dict) -> dict:
        return {
            cross.name: self.crossers[cross.name]([features[n] for n in cross.feature_names])
            for cross in self.crosses
        }

    def _merge_features(self, preprocessed: dict, crossed: dict) -> Any:
        names = sorted(preprocessed) + sorted(crossed)
        values = {**preprocessed, **crossed}
        if not self._sublayers_built:
            self._make_encoders(names, values)
        encoded = {}
        for name in names:
            encoder = self.one_hot_encoders.get(name)
            encoded[name] = encoder(values[name]) if encoder else values[name]
        if self.output_mode == "dict":
            return encoded
        return self.concat([encoded[name] for name in names])

    def _make_encoders(self, names: list[str], values: dict) -> None:
        from deepnum.backend import standardize_dtype
        from deepnum.layers import CategoryEncoding

        for name in names:
            spec = self.features.get(name) or self.crosses_by_name[name]
            dtype = standardize_dtype(values[name].dtype)
            if spec.output_mode == "one_hot":
                if not dtype.startswith(("int", "uint")):
                    raise ValueError(
                        f"{CALLER}: feature {name!r} has output_mode='one_hot', so its "
                        f"preprocessor must return integers; it returns {dtype}."
                    )
                layer = self.preprocessors.get(name) or self.crossers[name]
                size = cardinality(name, layer)
                self.one_hot_encoders[name] = CategoryEncoding(size, output_mode="multi_hot")
            elif self.output_mode == "concat" and (
                dtype.startswith(("int", "uint")) or dtype in ("string", "object")
            ):
                raise ValueError(
                    f"{CALLER}: cannot concatenate feature {name!r}: it is not encoded (dtype "
                    f"{dtype}); use output_mode='dict' or a 'one_hot' / 'float' feature."
                )
        if self.output_mode == "concat":
            self.concat = TFDConcat(axis=-1)

    def __call__(self, data: dict) -> Any:
        """Encode a batch (or one sample) of features: a dict of arrays / lists / scalars."""
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError(
                f"{CALLER}: call it on a dict of features, received {type(data).__name__}."
            )
        unknown = sorted(set(data) - set(self.features))
        missing = sorted(set(self.features) - set(data))
        if unknown or missing:
            raise ValueError(
                f"{CALLER}: the data must have exactly the features {sorted(self.features)}; "
                f"missing {missing}, unknown {unknown}."
            )
        arrays, rebatched = {}, False
        for name, value in data.items():
            array = as_input_array(value)
            rebatched = rebatched or array.ndim == 0
            arrays[name] = (
                array.reshape(1, 1)
                if array.ndim == 0
                else (array[:, None] if array.ndim == 1 else array)
            )
        preprocessed = self._preprocess_features(arrays)
        merged = self._merge_features(preprocessed, self._cross_features(preprocessed))
        if not rebatched:
            return merged
        if self.output_mode == "concat":
            return merged[0]
        return {n: x[0] if x.ndim == 2 and x.shape[0] == 1 else x for n, x in merged.items()}

    # -- configuration -----------------------------------------------------------------------
    def get_config(self) -> dict:
        return {
            "features": {name: serialize(f) for name, f in self.features.items()},
            "output_mode": self.output_mode,
            "crosses": [serialize(cross) for cross in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config: dict) -> FeatureSpace:
        return cls(**config)

    def get_build_config(self) -> dict:
        return {n: f.preprocessor.get_build_config() for n, f in self.features.items()}

    def build_from_config(self, config: dict) -> None:
        for name, build_config in config.items():
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built and build_config:
                preprocessor.build_from_config(build_config)
        self._is_adapted = True

    def save(self, filepath: Any) -> None:
        """Save to a ``.keras`` file (config and the preprocessors' state)."""
        from deepnum.saving import save_model

        save_model(self, filepath)

    def save_own_variables(self, store: dict) -> None:
        return

    def load_own_variables(self, store: dict) -> None:
        return
