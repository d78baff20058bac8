"""FeatureSpace: encodings against NumPy references of Keras's definitions (Keras's own
FeatureSpace needs TensorFlow), Keras's feature order, dict output, crosses, adapt from dicts and
Datasets, the symbolic model, fit, configs, signatures and errors."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepnum as dn
from deepnum.data import Dataset
from deepnum.utils import FeatureSpace
from tests.conftest import reference

DATA = {
    "age": np.array([20.0, 40.0, 60.0, 30.0, 50.0, 40.0]),
    "city": np.array(["Oslo", "Rome", "Oslo", "Nice", "Oslo", "Rome"]),
    "rooms": np.array([1, 2, 2, 3, 2, 1]),
    "price": np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
    "score": np.array([-1.0, 0.5, 2.0, 7.0, 5.0, 4.9]),
}


def one_hot(ids, size):
    return np.eye(size, dtype="float32")[np.asarray(ids)]


def vocabulary(values):
    """Keras's lookup order: most frequent first, ties by the larger token; [UNK]/-1 at 0."""
    tokens, counts = np.unique(values, return_counts=True)
    order = np.lexsort((tokens, counts))[::-1]
    return list(tokens[order])


def lookup(values, vocab):
    return np.array([vocab.index(v) + 1 if v in vocab else 0 for v in values])


def make_space(**kwargs):
    return FeatureSpace(
        {
            "age": "float_normalized",
            "city": "string_categorical",
            "rooms": "integer_categorical",
            "price": FeatureSpace.float_rescaled(scale=0.5, offset=1.0),
            "score": FeatureSpace.float_discretized(num_bins=None, bin_boundaries=[0.0, 5.0]),
        },
        **kwargs,
    )


def expected_columns(data=DATA, fit=DATA):
    mean, std = fit["age"].mean(), fit["age"].std()
    cities, rooms = vocabulary(fit["city"]), vocabulary(fit["rooms"])
    return {
        "age": ((data["age"] - mean) / std)[:, None],
        "city": one_hot(lookup(data["city"], cities), len(cities) + 1),
        "price": (data["price"] * 0.5 + 1.0)[:, None],
        "rooms": one_hot(lookup(data["rooms"], rooms), len(rooms) + 1),
        "score": one_hot(np.digitize(data["score"], [0.0, 5.0]), 3),
    }


def test_concat_is_the_sorted_features_encoded():
    space = make_space()
    space.adapt(DATA)
    out = space(DATA)
    columns = expected_columns()
    want = np.concatenate([columns[name] for name in sorted(columns)], axis=1)
    assert out.dtype == "float32" and out.shape == want.shape
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-6)
    new = {k: v[:2][::-1] for k, v in DATA.items()}
    new["city"] = np.array(["Paris", "Nice"])  # an unseen city goes to [UNK]
    want_new = expected_columns(new)
    got = space(new).numpy()
    np.testing.assert_allclose(
        got, np.concatenate([want_new[n] for n in sorted(want_new)], 1), 1e-5
    )


def test_dict_output_and_int_mode():
    space = FeatureSpace(
        {
            "city": FeatureSpace.string_categorical(output_mode="int"),
            "rooms": FeatureSpace.integer_categorical(),
            "age": FeatureSpace.float(),
        },
        output_mode="dict",
    )
    data = {name: DATA[name] for name in ("age", "city", "rooms")}
    space.adapt(data)
    out = space(data)
    assert sorted(out) == ["age", "city", "rooms"]
    assert (
        out["city"].numpy()[:, 0].tolist()
        == lookup(DATA["city"], vocabulary(DATA["city"])).tolist()
    )
    assert out["age"].dtype == "float32" and out["age"].shape == (6, 1)
    np.testing.assert_array_equal(out["rooms"].numpy(), expected_columns()["rooms"])


def test_crosses_and_hashed_features():
    space = FeatureSpace(
        {"city": "string_hashed", "rooms": "integer_hashed", "age": "float"},
        crosses=[("city", "rooms"), FeatureSpace.cross(("rooms", "city"), 3, output_mode="int")],
        hashing_dim=5,
        crossing_dim=7,
        output_mode="dict",
    )
    data = {name: DATA[name] for name in ("age", "city", "rooms")}
    space.adapt(data)
    out = space(data)
    assert list(out) == ["age", "city", "rooms", "city_X_rooms", "rooms_X_city"]
    hashed_city = dn.layers.Hashing(num_bins=5)(DATA["city"][:, None]).numpy()[:, 0]
    np.testing.assert_array_equal(out["city"].numpy(), one_hot(hashed_city, 5))
    crossed = dn.layers.HashedCrossing(7)(
        (hashed_city[:, None], dn.layers.Hashing(num_bins=5)(DATA["rooms"][:, None]).numpy())
    )
    np.testing.assert_array_equal(out["city_X_rooms"].numpy(), one_hot(crossed.numpy()[:, 0], 7))
    assert out["rooms_X_city"].shape == (6, 1) and out["rooms_X_city"].numpy().max() < 3
    concat = FeatureSpace(
        {"city": "string_hashed", "rooms": "integer_hashed"}, crosses=[("city", "rooms")]
    )
    two = {name: DATA[name] for name in ("city", "rooms")}
    assert concat(two).shape == (6, 32 + 32 + 32)  # no adapt needed: nothing to learn


def test_one_sample_gives_a_vector():
    space = make_space()
    space.adapt(DATA)
    sample = {name: values[3] for name, values in DATA.items()}
    np.testing.assert_allclose(space(sample).numpy(), space(DATA).numpy()[3], rtol=1e-6)


@pytest.mark.parametrize("batch", [None, 4])
def test_adapt_from_a_dataset_matches_adapt_from_a_dict(batch):
    ds = Dataset.from_tensor_slices(DATA)
    ds = ds if batch is None else ds.batch(batch)
    from_ds, from_dict = make_space(), make_space()
    from_ds.adapt(ds)
    from_dict.adapt(DATA)
    np.testing.assert_allclose(from_ds(DATA).numpy(), from_dict(DATA).numpy(), rtol=1e-6)


def test_symbolic_model_and_fit():
    space = make_space()
    labels = np.array([0, 1, 0, 1, 1, 0], dtype="float32")
    space.adapt(Dataset.from_tensor_slices((DATA, labels)).map(lambda x, y: x))
    inputs, encoded = space.get_inputs(), space.get_encoded_features()
    assert sorted(inputs) == sorted(DATA) and encoded.shape == (None, space(DATA).shape[1])
    model = dn.Model(inputs, dn.layers.Dense(1, activation="sigmoid")(encoded))
    probe = dn.Model(inputs, encoded)
    feed = {name: values[:, None] for name, values in DATA.items()}
    np.testing.assert_allclose(probe.predict(feed, verbose=0), space(DATA).numpy(), rtol=1e-5)
    model.compile("adam", "binary_crossentropy")
    model.fit(feed, labels, epochs=1, verbose=0)
    preprocessed = (
        Dataset.from_tensor_slices((DATA, labels)).batch(3).map(lambda x, y: (space(x), y))
    )
    head = dn.Sequential([dn.Input((space(DATA).shape[1],)), dn.layers.Dense(1)])
    head.compile("sgd", "mse")
    assert len(head.fit(preprocessed, epochs=2, verbose=0).history["loss"]) == 2


def test_config_round_trip():
    space = make_space(crosses=[("city", "rooms")], crossing_dim=4)
    config = space.get_config()
    assert config["features"]["age"]["class_name"] == "Feature"
    assert config["crosses"][0]["config"]["feature_names"] == ("city", "rooms")
    again = FeatureSpace.from_config(config)
    for s in (space, again):
        s.adapt(DATA)
    np.testing.assert_allclose(again(DATA).numpy(), space(DATA).numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: FeatureSpace({}), "non-empty dict"),
        (lambda: FeatureSpace({"a": "float_squared"}), "unknown type 'float_squared'"),
        (lambda: FeatureSpace({"a": "float"}, output_mode="list"), "output_mode"),
        (lambda: FeatureSpace({"a": "float"}, crosses=[("a", "b")]), r"\['b'\]"),
        (lambda: FeatureSpace.feature("float32", None, "hot"), "output_mode"),
        (lambda: FeatureSpace.cross(("a", "b"), 4, output_mode="float"), "output_mode"),
    ],
)
def test_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_usage_errors():
    space = make_space()
    with pytest.raises(ValueError, match="call adapt"):
        space(DATA)
    with pytest.raises(ValueError, match="yields tuple"):
        space.adapt(Dataset.from_tensor_slices((DATA, np.zeros(6))))
    with pytest.raises(ValueError, match="Dataset of dicts"):
        space.adapt([1, 2])
    space.adapt(DATA)
    with pytest.raises(ValueError, match=r"missing \['score'\], unknown \['extra'\]"):
        space({**{k: v for k, v in DATA.items() if k != "score"}, "extra": [1]})
    with pytest.raises(ValueError, match="dict of features"):
        space(np.zeros(3))
    ints = FeatureSpace({"rooms": FeatureSpace.integer_categorical(output_mode="int")})
    with pytest.raises(ValueError, match="cannot concatenate feature 'rooms'"):
        ints.adapt({"rooms": DATA["rooms"]})


def test_signatures_are_keras():
    keras = reference("keras")
    theirs = keras.utils.FeatureSpace
    for name in ("__init__", "cross", "feature", "float", "float_rescaled", "float_normalized",
                 "float_discretized", "integer_categorical", "string_categorical",
                 "string_hashed", "integer_hashed", "adapt", "get_inputs",
                 "get_encoded_features"):  # fmt: skip
        want = inspect.signature(getattr(theirs, name)).parameters
        got = inspect.signature(getattr(FeatureSpace, name)).parameters
        assert [(p.name, p.default) for p in want.values()] == [
            (p.name, p.default) for p in got.values()
        ], name


def test_save_and_load_keep_the_adapted_state(tmp_path):
    space = make_space()
    space.adapt(DATA)
    space.save(tmp_path / "space.keras")
    loaded = dn.saving.load_model(
        tmp_path / "space.keras", custom_objects={"FeatureSpace": FeatureSpace}
    )
    assert isinstance(loaded, FeatureSpace)
    np.testing.assert_allclose(loaded(DATA).numpy(), space(DATA).numpy(), rtol=1e-6)
