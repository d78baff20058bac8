"""clone_model against Keras 3: the same architecture (layer classes, names, configs,
connections and parameter counts) from the same calls, new weights, and the same errors."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

keras = reference("keras")


def sequential(k):
    model = k.Sequential(
        [k.Input((4,), name="x"), k.layers.Dense(3, activation="relu", name="d1"),
         k.layers.Dropout(0.2, name="drop"), k.layers.Dense(2, name="d2")],
        name="seq",
    )  # fmt: skip
    model.compile(optimizer=k.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def functional(k, nested=None):
    a, b = k.Input((4,), name="a"), k.Input((2,), name="b")
    shared = k.layers.Dense(3, name="shared")
    h = k.layers.Concatenate(name="cat")([shared(a), k.layers.Dense(3, name="side")(b)])
    if nested is not None:
        h = nested(h)
    out = k.layers.Dense(1, name="out")(shared(k.layers.Dense(4, name="back")(h)))
    return k.Model([a, b], out, name="fn")


def inner(k):
    return k.Sequential([k.Input((6,)), k.layers.Dense(4, name="inner_dense")], name="inner")


def summary(model):
    """Layer classes, names and parameter counts, and each layer's config without names."""
    rows = []
    for layer in model.layers:
        config = json.loads(json.dumps(layer.get_config(), default=str))
        # Keys one library writes and the other does not (not cloning's business).
        for key in ("name", "dtype", "quantization_config", "activity_regularizer", "ragged",
                    "optional"):  # fmt: skip
            config.pop(key, None)
        if isinstance(config.get("layers"), list):  # nested models: their own summary
            config = summary(layer)
        rows.append((type(layer).__name__, layer.name, layer.count_params(), str(config)))
    return rows


def same_architecture(ours, theirs):
    assert type(ours).__name__ == type(theirs).__name__ or {
        type(ours).__name__,
        type(theirs).__name__,
    } == {"Model", "Functional"}
    assert ours.name == theirs.name
    assert summary(ours) == summary(theirs)
    assert ours.count_params() == theirs.count_params()


def fresh_weights(original, clone):
    for a, b in zip(original.weights, clone.weights, strict=True):
        assert a is not b


def test_sequential_clone_matches_keras():
    ours, theirs = (
        dn.models.clone_model(sequential(dn)),
        keras.models.clone_model(sequential(keras)),
    )
    same_architecture(ours, theirs)
    assert ours.compiled and theirs.compiled
    assert ours.get_compile_config()["loss"] == theirs.get_compile_config()["loss"]
    fresh_weights(sequential(dn), ours)


def test_functional_clone_matches_keras_and_clones_a_shared_layer_once():
    original = functional(dn)
    ours, theirs = dn.models.clone_model(original), keras.models.clone_model(functional(keras))
    same_architecture(ours, theirs)
    fresh_weights(original, ours)
    assert sum(layer.name == "shared" for layer in ours.layers) == 1
    x = [np.ones((2, 4), "float32"), np.ones((2, 2), "float32")]
    ours.set_weights(original.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), original.predict(x, verbose=0))


def with_seeded_dense(k):
    def clone_function(layer):
        config = layer.get_config()
        if isinstance(layer, k.layers.Dense):
            config["units"] = config["units"] + 1 if layer.name == "d1" else config["units"]
            config["name"] = "new_" + config["name"]
        return type(layer).from_config(config)

    return clone_function


def test_clone_function_matches_keras():
    ours = dn.models.clone_model(sequential(dn), clone_function=with_seeded_dense(dn))
    theirs = keras.models.clone_model(sequential(keras), clone_function=with_seeded_dense(keras))
    same_architecture(ours, theirs)
    assert [layer.name for layer in ours.layers] == ["new_d1", "drop", "new_d2"]


def dropout_after(k):
    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if isinstance(layer, k.layers.Dense) and layer.name == "side":
            out = k.layers.Dropout(0.5, name="after_side")(out)
        return out

    return call_function


def test_call_function_matches_keras():
    ours = dn.models.clone_model(functional(dn), call_function=dropout_after(dn))
    theirs = keras.models.clone_model(functional(keras), call_function=dropout_after(keras))
    same_architecture(ours, theirs)
    assert "after_side" in [layer.name for layer in ours.layers]


@pytest.mark.parametrize("recursive", [False, True])
def test_nested_models_match_keras(recursive):
    ours_original = functional(dn, inner(dn))
    ours = dn.models.clone_model(ours_original, recursive=recursive)
    theirs = keras.models.clone_model(functional(keras, inner(keras)), recursive=recursive)
    same_architecture(ours, theirs)
    nested = next(layer for layer in ours.layers if layer.name == "inner")
    original = next(layer for layer in ours_original.layers if layer.name == "inner")
    assert nested is not original and nested.layers[0] is not original.layers[0]


def test_input_tensors_match_keras():
    ours_inputs = [dn.Input((4,), name="p"), dn.Input((2,), name="q")]
    theirs_inputs = [keras.Input((4,), name="p"), keras.Input((2,), name="q")]
    ours = dn.models.clone_model(functional(dn), input_tensors=ours_inputs)
    theirs = keras.models.clone_model(functional(keras), input_tensors=theirs_inputs)
    same_architecture(ours, theirs)
    assert ours.inputs[0] is ours_inputs[0]
    seq = dn.models.clone_model(sequential(dn), input_tensors=dn.Input((4,), name="z"))
    assert seq.layers[0].name == "d1" and seq.input_shape == (None, 4)


def test_subclassed_model_is_rebuilt_from_its_config():
    class Twice(dn.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = dn.layers.Dense(units)

        def call(self, x):
            return 2 * self.dense(x)

        def get_config(self):
            return {"units": self.units, "name": self.name}

    clone = dn.models.clone_model(Twice(units=3, name="twice"))
    assert type(clone) is Twice and clone.units == 3 and clone.name == "twice"
    with pytest.raises(ValueError, match="only supported for Sequential or Functional"):
        dn.models.clone_model(Twice(), clone_function=lambda layer: layer)


@pytest.mark.parametrize(
    "make, kwargs, match",
    [
        (sequential, {"call_function": lambda layer, x: layer(x)}, "call_function"),
        (sequential, {"input_tensors": [1, 2]}, "input_tensors"),
        (functional, {"input_tensors": [np.ones(2)]}, "input_tensors"),
        (functional, {"bogus": 1}, "bogus"),
    ],
)
def test_errors_match_keras(make, kwargs, match):
    for module in (dn, keras):
        with pytest.raises(ValueError, match=match):
            module.models.clone_model(make(module), **kwargs)


def test_a_clone_function_that_is_not_callable_is_named():
    with pytest.raises(ValueError, match="clone_function"):
        dn.models.clone_model(functional(dn), clone_function=3)


def test_signature_matches_keras():
    def params(fn):
        return [(p.name, p.default, p.kind) for p in inspect.signature(fn).parameters.values()]

    assert params(dn.models.clone_model) == params(keras.models.clone_model)
    assert params(dn.models.model_from_json) == params(keras.models.model_from_json)
    assert params(dn.models.save_model) == params(keras.models.save_model)
    assert params(dn.layers.serialize) == params(keras.layers.serialize)
    assert params(dn.layers.deserialize) == params(keras.layers.deserialize)


def test_model_from_json_and_layers_serialize_move_between_libraries():
    ours = dn.models.model_from_json(functional(keras).to_json())
    same_architecture(ours, functional(keras))
    theirs = keras.models.model_from_json(functional(dn).to_json())
    same_architecture(functional(dn), theirs)
    layer = keras.layers.Dense(3, activation="tanh", name="t")
    config = keras.layers.serialize(layer)
    rebuilt = dn.layers.deserialize(config)
    assert (type(rebuilt).__name__, rebuilt.units, rebuilt.name) == ("Dense", 3, "t")
    back = keras.layers.deserialize(dn.layers.serialize(rebuilt))
    assert (back.units, back.name, back.get_config()["activation"]) == (3, "t", "tanh")
    with pytest.raises(ValueError, match="not a layer"):
        dn.layers.deserialize(dn.optimizers.serialize(dn.optimizers.SGD()))
