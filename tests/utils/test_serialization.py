"""serialize_keras_object / deserialize_keras_object (Keras 3's dict format, both ways and
safe), the registry (register_keras_serializable, get_custom_objects, custom_object_scope,
get_registered_name/object) and ``utils.legacy`` against Keras 3."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

keras = reference("keras")

OBJECTS = {
    "loss": lambda k: k.losses.MeanSquaredError(),
    "metric": lambda k: k.metrics.BinaryAccuracy(threshold=0.3),
    "initializer": lambda k: k.initializers.GlorotUniform(seed=1),
    "regularizer": lambda k: k.regularizers.L1L2(l1=0.1, l2=0.2),
    "constraint": lambda k: k.constraints.MaxNorm(2.0),
    "schedule": lambda k: k.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5),
    "array": lambda k: np.arange(6, dtype="float32").reshape(2, 3),
    "nested": lambda k: {"a": [1, 2.5, "x", None, True], "b": {"c": np.float32(1.5)}},
    "bytes": lambda k: b"abc",
    "slice": lambda k: slice(1, 5, 2),
    "ellipsis": lambda k: Ellipsis,
    "activation": lambda k: k.activations.relu,
    "loss_function": lambda k: k.losses.mean_squared_error,
}


def as_json(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_serialize_writes_what_keras_writes(name):
    ours = dn.utils.serialize_keras_object(OBJECTS[name](dn))
    theirs = keras.utils.serialize_keras_object(OBJECTS[name](keras))
    assert as_json(ours) == as_json(theirs)


def same_object(ours, theirs):
    if hasattr(theirs, "get_config"):
        return type(ours).__name__ == type(theirs).__name__ and as_json(
            ours.get_config()
        ) == as_json(theirs.get_config())
    if callable(theirs):
        return ours.__name__ == theirs.__name__
    if isinstance(theirs, np.ndarray) or hasattr(theirs, "detach"):
        return np.array_equal(np.asarray(ours), keras.ops.convert_to_numpy(theirs))
    return ours == theirs


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_keras_configs_deserialize_to_the_same_objects(name):
    config = as_json(keras.utils.serialize_keras_object(OBJECTS[name](keras)))
    ours = dn.utils.deserialize_keras_object(config)
    theirs = keras.utils.deserialize_keras_object(as_json(config))
    if name == "nested":
        assert ours["a"] == theirs["a"] and ours["b"]["c"] == theirs["b"]["c"]
    else:
        assert same_object(ours, theirs)


@pytest.mark.parametrize(
    "config",
    [
        {"module": "os", "class_name": "system", "config": "ls", "registered_name": None},
        {"module": "builtins", "class_name": "function", "config": "eval", "registered_name": None},
        {"module": "subprocess", "class_name": "Popen", "config": {"args": "ls"}},
        {"module": "keras.layers", "class_name": "Nope", "config": {}, "registered_name": None},
        {"module": "__main__", "class_name": "function", "config": "exit", "registered_name": "x"},
    ],
)
def test_unknown_names_are_refused_without_importing(config):
    with pytest.raises(ValueError, match="Unknown"):
        dn.utils.deserialize_keras_object(config)


class Scale(dn.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_object_scope_makes_a_class_loadable_for_its_duration():
    config = {"class_name": "Scale", "config": {"factor": 3.0}}
    with pytest.raises(ValueError, match="Unknown"):
        dn.layers.deserialize(config)
    with dn.utils.custom_object_scope({"Scale": Scale}) as scope:
        assert isinstance(scope, dn.saving.CustomObjectScope)
        assert dn.utils.get_custom_objects()["Scale"] is Scale
        assert dn.utils.get_registered_object("Scale") is Scale
        assert dn.layers.deserialize(config).factor == 3.0
        assert dn.utils.deserialize_keras_object({**config, "module": None}).factor == 3.0
    assert "Scale" not in dn.utils.get_custom_objects()
    with pytest.raises(ValueError, match="Unknown"):
        dn.layers.deserialize(config)


def test_nested_scopes_restore_what_they_shadow():
    first, second = object(), object()
    with dn.saving.custom_object_scope({"thing": first}):
        with dn.saving.custom_object_scope({"thing": second}):
            assert dn.saving.get_registered_object("thing") is second
        assert dn.saving.get_registered_object("thing") is first
    assert dn.saving.get_registered_object("thing") is None


def test_lookup_order_matches_keras():
    mine, theirs = object(), object()
    results = []
    for module in (dn, keras):
        module.saving.get_custom_objects()["order_probe"] = mine
        try:
            results.append(
                (
                    module.saving.get_registered_object("order_probe", {"order_probe": theirs}),
                    module.saving.get_registered_object("missing", None, {"missing": theirs}),
                    module.saving.get_registered_object("missing"),
                )
            )
        finally:
            del module.saving.get_custom_objects()["order_probe"]
    assert results[0] == results[1] == (mine, theirs, None)


def test_register_keras_serializable_matches_keras():
    names = []
    for module in (dn, keras):

        @module.saving.register_keras_serializable(package="probe", name="twice")
        def twice(x):
            return 2 * x

        class NoConfig:
            pass

        with pytest.raises(ValueError, match="get_config"):
            module.saving.register_keras_serializable()(NoConfig)
        names.append(
            (
                module.saving.get_registered_name(twice),
                module.saving.get_registered_object("probe>twice") is twice,
                module.saving.get_registered_name(len),
            )
        )
        del module.saving.get_custom_objects()["probe>twice"]
    assert names[0] == names[1] == ("probe>twice", True, "len")


def test_registered_layer_moves_between_libraries():
    configs = []
    for module in (dn, keras):

        @module.saving.register_keras_serializable(package="probe")
        class Shift(module.layers.Layer):
            def __init__(self, by=1.0, **kwargs):
                super().__init__(**kwargs)
                self.by = by

            def call(self, x):
                return x + self.by

            def get_config(self):
                return {**super().get_config(), "by": self.by}

        configs.append(module.utils.serialize_keras_object(Shift(by=4.0, name="shift")))
    assert configs[0]["registered_name"] == configs[1]["registered_name"] == "probe>Shift"
    assert dn.utils.deserialize_keras_object(as_json(configs[1])).by == 4.0
    assert keras.utils.deserialize_keras_object(as_json(configs[0])).by == 4.0
    for module in (dn, keras):
        del module.saving.get_custom_objects()["probe>Shift"]


# ------------------------------------------------------------------------ legacy
LEGACY = {
    "dense": lambda k: k.layers.Dense(3, kernel_initializer="ones", name="dense_x"),
    "dense_penalised": lambda k: k.layers.Dense(3, activity_regularizer="l2", name="dense_y"),
    "loss": lambda k: k.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    "function": lambda k: k.activations.relu,
    "none": lambda k: None,
}


@pytest.mark.parametrize("name", sorted(LEGACY))
def test_legacy_serialize_matches_keras(name):
    ours = dn.utils.legacy.serialize_keras_object(LEGACY[name](dn))
    theirs = keras.utils.legacy.serialize_keras_object(LEGACY[name](keras))
    assert as_json(ours) == as_json(theirs)


def test_legacy_deserialize_looks_only_where_told():
    config = {"class_name": "Dense", "config": {"units": 3}}
    layer = dn.utils.legacy.deserialize_keras_object(config, {"Dense": dn.layers.Dense})
    assert layer.units == 3
    with pytest.raises(ValueError, match="Unknown layer: 'Dense'"):
        dn.utils.legacy.deserialize_keras_object(config, printable_module_name="layer")
    assert dn.utils.legacy.deserialize_keras_object("relu", {"relu": dn.activations.relu}) is (
        dn.activations.relu
    )
    passive = dn.utils.legacy.serialize_keras_object(dn.layers.Dense(2))
    passive["config"]["kernel_initializer"] = {
        "class_name": "Ones",
        "config": {},
        "__passive_serialization__": True,
    }
    rebuilt = dn.utils.legacy.deserialize_keras_object(
        passive, {"Dense": dn.layers.Dense, "Ones": dn.initializers.Ones}
    )
    assert isinstance(rebuilt.kernel_initializer, dn.initializers.Ones)
