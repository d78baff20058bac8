"""Every family's get()/deserialize(): an unknown or malformed identifier is a ValueError that
names it (never a silent default), None keeps Keras's default, and custom objects resolve
through custom_objects or the registry."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepnum as dn
from deepnum import (
    activations,
    constraints,
    initializers,
    losses,
    metrics,
    optimizers,
    regularizers,
)
from deepnum.optimizers import schedules
from tests.conftest import reference

GETS = {
    "activations": activations.get,
    "initializers": initializers.get,
    "regularizers": regularizers.get,
    "constraints": constraints.get,
    "losses": losses.get,
    "metrics": metrics.get,
    "optimizers": optimizers.get,
    "schedules": schedules.deserialize,
}
LAMBDA = {"class_name": "__lambda__", "config": {"code": "4wEAAAAA", "defaults": None}}

# (identifier, words the message must contain)
BAD = [
    ({"class_name": "Foo", "config": {}}, "'Foo'"),
    ({"module": "keras.layers", "class_name": "os.system", "config": {}}, "'os.system'"),
    ({"config": {}}, "class_name"),
    ("no_such_thing", "'no_such_thing'"),
    (42, "42"),
]


@pytest.mark.parametrize("family", sorted(GETS))
@pytest.mark.parametrize("identifier, words", BAD, ids=["class", "module", "bad", "name", "int"])
def test_unknown_or_malformed_identifier_is_a_value_error(family, identifier, words):
    with pytest.raises(ValueError, match=words):
        GETS[family](identifier)


@pytest.mark.parametrize("family", sorted(set(GETS) - {"optimizers", "schedules"}))
def test_lambda_configs_are_refused_with_the_fix(family):
    with pytest.raises(ValueError, match="lambda.*register_keras_serializable"):
        GETS[family](LAMBDA)


@pytest.mark.parametrize("family", ["activations", "initializers", "regularizers", "constraints"])
def test_function_config_naming_nothing_is_refused(family):
    with pytest.raises(ValueError, match="Could not locate function 'nope'"):
        GETS[family]({"class_name": "function", "config": "nope", "registered_name": "function"})


def test_config_with_wrong_arguments_names_the_class():
    cases = [
        (initializers.get, {"class_name": "RandomNormal", "config": {"stdev": 1.0}}),
        (regularizers.get, {"class_name": "L2", "config": {"l3": 1.0}}),
        (constraints.get, {"class_name": "MaxNorm", "config": {"max": 1.0}}),
        (losses.get, {"class_name": "Huber", "config": {"delta_": 1.0}}),
        (metrics.get, {"class_name": "AUC", "config": {"curves": "PR"}}),
        (schedules.deserialize, {"class_name": "ExponentialDecay", "config": {}}),
    ]
    for get, config in cases:
        with pytest.raises(ValueError, match=config["class_name"]):
            get(config)
    with pytest.raises(ValueError, match="'config' entry must be a dict"):
        initializers.get({"class_name": "Zeros", "config": "zeros"})


def test_none_keeps_keras_defaults():
    keras = reference("keras")
    assert activations.get(None) is activations.linear
    assert keras.activations.get(None) is keras.activations.linear
    for family in ("initializers", "regularizers", "constraints", "losses", "metrics"):
        assert GETS[family](None) is None and getattr(keras, family).get(None) is None


def test_keras_refuses_the_same_identifiers():
    keras = reference("keras")
    for family in ("activations", "initializers", "regularizers", "constraints"):
        with pytest.raises((TypeError, ValueError), match="Foo"):
            getattr(keras, family).get({"class_name": "Foo", "config": {}})


def test_dense_with_an_unknown_activation_dict_is_refused():
    with pytest.raises(ValueError, match="Could not locate class 'Foo'"):
        dn.layers.Dense(2, activation={"class_name": "Foo", "config": {}})


def test_saved_model_with_unknown_or_lambda_activation_does_not_load_as_linear():
    model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2, activation="relu")])
    config = json.loads(json.dumps(dn.saving.serialize_keras_object(model)))
    dense = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Dense")
    for activation, words in (({"class_name": "Foo", "config": {}}, "'Foo'"), (LAMBDA, "lambda")):
        dense["config"]["activation"] = activation
        with pytest.raises(ValueError, match=words):
            dn.saving.deserialize_keras_object(config)


def test_keras_style_function_and_layer_activations_resolve():
    keras = reference("keras")
    layer = keras.layers.Dense(2, activation=keras.layers.LeakyReLU(negative_slope=0.3))
    spec = layer.get_config()["activation"]
    leaky = activations.get(spec)
    assert type(leaky).__name__ == "LeakyReLU" and leaky.negative_slope == 0.3
    relu = {"module": "builtins", "class_name": "function", "config": "relu"}
    assert activations.get(relu) is activations.relu


def test_custom_objects_and_registered_objects_resolve():
    @dn.saving.register_keras_serializable(package="identifiers_test")
    def twice(x):
        return 2 * x

    @dn.saving.register_keras_serializable(package="identifiers_test")
    class Halves(initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return np.full(shape, 0.5, dtype=dtype or "float32")

    function_config = {"class_name": "function", "config": "identifiers_test>twice"}
    assert activations.get(function_config) is twice
    halves = initializers.get({"class_name": "Halves", "config": {},
                               "registered_name": "identifiers_test>Halves"})  # fmt: skip
    assert isinstance(halves, Halves)

    def thrice(x):
        return 3 * x

    assert activations.deserialize("thrice", custom_objects={"thrice": thrice}) is thrice
    assert losses.deserialize({"class_name": "function", "config": "mine"},
                              custom_objects={"mine": thrice}) is thrice  # fmt: skip


def test_close_names_are_suggested():
    for get, name, close in (
        (activations.get, "rellu", "relu"),
        (initializers.get, "glorot_unifrom", "glorot_uniform"),
        (losses.get, "mean_squared_eror", "mean_squared_error"),
        (metrics.get, "acuracy", "accuracy"),
    ):
        with pytest.raises(ValueError, match=f"Did you mean '{close}'"):
            get(name)


def test_lambda_loads_only_after_unsafe_deserialization_is_enabled(monkeypatch):
    from deepnum.saving.lambdas import serialize_function

    spec = serialize_function(lambda x: 2 * x)
    with pytest.raises(ValueError, match="enable_unsafe_deserialization"):
        activations.get(spec)
    monkeypatch.setitem(dn.config._SETTINGS, "safe_mode", True)  # restored after the test
    dn.config.enable_unsafe_deserialization()
    assert float(activations.get(spec)(dn.tensor(3.0))) == 6.0
