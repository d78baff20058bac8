"""fit accepts NumPy arrays, dicts, Datasets, PyDatasets and generators, giving the same
training as arrays; class_weight and sample_weight weigh the loss like Keras."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 4)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32"))


def _trained(source, y=None, **fit_kwargs):
    dn.utils.set_random_seed(1)
    model = dn.Sequential([dn.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(source, y, epochs=2, verbose=0, **fit_kwargs)
    return model.get_weights()


def test_dataset_pydataset_and_generator_train_like_arrays():
    x, y = _data()
    expected = _trained(x, y, batch_size=16, shuffle=False)
    ds = dn.data.Dataset.from_tensor_slices((x, y)).batch(16)
    for a, b in zip(_trained(ds), expected):
        np.testing.assert_allclose(a, b, rtol=1e-6)

    class Batches(dn.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[16 * i : 16 * (i + 1)], y[16 * i : 16 * (i + 1)]

    for a, b in zip(_trained(Batches()), expected):
        np.testing.assert_allclose(a, b, rtol=1e-6)

    def generator():
        while True:
            for i in range(3):
                yield x[16 * i : 16 * (i + 1)], y[16 * i : 16 * (i + 1)]

    for a, b in zip(_trained(generator(), steps_per_epoch=3), expected):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_class_weight_and_sample_weight_match_keras():
    keras = reference("keras")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((30, 4)).astype("float32")
    y = rng.integers(0, 3, 30)
    weights = rng.random(30).astype("float32")

    def build(lib):
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="softmax")])

    for kwargs in ({"class_weight": {0: 1.0, 1: 3.0, 2: 0.5}}, {"sample_weight": weights}):
        ref, model = build(keras), build(dn)
        model.set_weights(ref.get_weights())
        for m in (ref, model):
            m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
            m.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0, **kwargs)
        for a, b in zip(model.get_weights(), ref.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_dict_inputs_by_name_and_evaluate_return_dict():
    a, b = dn.Input((2,), name="a"), dn.Input((3,), name="b")
    out = layers.Dense(1)(layers.concatenate([a, b]))
    model = dn.Model([a, b], out)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    xa, xb = rng.random((20, 2), dtype="float32"), rng.random((20, 3), dtype="float32")
    y = rng.random((20, 1), dtype="float32")
    model.fit({"a": xa, "b": xb}, y, batch_size=5, epochs=1, verbose=0)
    logs = model.evaluate({"a": xa, "b": xb}, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    assert model.predict({"a": xa, "b": xb}, verbose=0).shape == (20, 1)


def test_batch_size_must_be_positive():
    x, y = _data()
    model = dn.Sequential([dn.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.fit(x, y, batch_size=0, verbose=0)


def test_metrics_ignore_sample_weight_and_weighted_metrics_use_it_like_keras():
    keras = reference("keras")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 4)).astype("float32")
    y = rng.integers(0, 3, 30)
    w = rng.random(30).astype("float32")

    def run(model):
        model.compile(
            "sgd",
            "sparse_categorical_crossentropy",
            metrics=["accuracy"],
            weighted_metrics=["accuracy"],
        )
        return model.fit(
            x, y, sample_weight=w, batch_size=10, epochs=1, shuffle=False, verbose=0
        ).history

    ref = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, "softmax")])
    model = dn.Sequential([dn.Input((4,)), layers.Dense(3, "softmax")])
    model.set_weights(ref.get_weights())
    theirs, ours = run(ref), run(model)
    assert set(ours) == set(theirs) == {"loss", "accuracy", "weighted_accuracy"}
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5)
