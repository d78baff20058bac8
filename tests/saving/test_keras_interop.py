"""Files move both ways between Keras 3 (torch backend) and deepnum: the same HDF5 layout, the
same predictions, and training that continues with the same optimizer state."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference
from tests.saving.zoo import ZOO, inputs_for

keras = reference("keras")
h5py = reference("h5py")


def predictions(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def assert_same_predictions(a, b, x, tol=1e-5):
    for pa, pb in zip(predictions(a, x), predictions(b, x), strict=True):
        np.testing.assert_allclose(pa, pb, rtol=tol, atol=tol)


def h5_tree(path) -> dict[str, tuple]:
    """Dataset path -> shape of the weights file inside a .keras archive."""
    with zipfile.ZipFile(path) as zf:
        data = zf.read("model.weights.h5")
    tree = {}
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda name, obj: tree.__setitem__(name, getattr(obj, "shape", None)))
    return tree


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_moves_both_ways(tmp_path, name):
    x = inputs_for(name)
    k_model, d_model = ZOO[name](keras), ZOO[name](dn)
    k_model.save(tmp_path / "keras.keras")
    d_model.save(tmp_path / "deepnum.keras")
    assert h5_tree(tmp_path / "keras.keras") == h5_tree(tmp_path / "deepnum.keras")
    from_keras = dn.models.load_model(tmp_path / "keras.keras")
    assert_same_predictions(k_model, from_keras, x)
    from_deepnum = keras.saving.load_model(tmp_path / "deepnum.keras")
    assert_same_predictions(d_model, from_deepnum, x)


def small(k):
    return k.Sequential(
        [k.Input((4,)), k.layers.Dense(5, activation="tanh"), k.layers.Dense(2)], name="small"
    )


OPTIMIZERS = {
    "sgd": lambda o: o.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda o: o.RMSprop(0.01, momentum=0.3, centered=True),
    "adagrad": lambda o: o.Adagrad(0.05),
    "adadelta": lambda o: o.Adadelta(1.0),
    "adam": lambda o: o.Adam(0.01, amsgrad=True),
    "adamw": lambda o: o.AdamW(0.01, weight_decay=0.1),
    "adamax": lambda o: o.Adamax(0.01),
    "nadam": lambda o: o.Nadam(0.01),
    "lion": lambda o: o.Lion(0.01),
    "schedule": lambda o: o.SGD(o.schedules.ExponentialDecay(0.1, 3, 0.5), clipnorm=1.0),
}


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("direction", ["keras_to_deepnum", "deepnum_to_keras"])
def test_training_continues_across_libraries(tmp_path, optimizer, direction):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((6, 4)).astype("float32"), rng.standard_normal((6, 2))
    y = y.astype("float32")
    first, lib_first, lib_second = (
        (keras, keras, dn) if direction == "keras_to_deepnum" else (dn, dn, keras)
    )
    model = small(first)
    model.compile(optimizer=OPTIMIZERS[optimizer](first.optimizers), loss="mse")
    for _ in range(2):
        model.train_on_batch(x, y)
    model.save(tmp_path / "m.keras")
    other = lib_second.saving.load_model(tmp_path / "m.keras")
    assert type(other.optimizer).__name__ == type(model.optimizer).__name__
    assert int(np.asarray(other.optimizer.iterations)) == 2
    model.train_on_batch(x, y)
    other.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def multi_output(k):
    inputs = k.Input((6,), name="x")
    h = k.layers.Dense(8, activation="relu")(inputs)
    outs = [
        k.layers.Dense(3, name="reg")(h),
        k.layers.Dense(1, activation="sigmoid", name="binary")(h),
        k.layers.Dense(4, activation="softmax", name="cat")(h),
    ]
    return k.Model(inputs, outs, name="multi")


def compile_args(k):
    return {
        "optimizer": "adam",
        "loss": {
            "reg": k.losses.Huber(),  # Keras 3.15 does not save `delta`
            "binary": "binary_crossentropy",
            "cat": k.losses.CategoricalCrossentropy(label_smoothing=0.1),
        },
        "loss_weights": {"reg": 1.0, "binary": 0.5, "cat": 2.0},
        "metrics": {
            "reg": ["mae", k.metrics.RootMeanSquaredError()],
            "binary": ["accuracy", k.metrics.AUC(num_thresholds=50)],
            "cat": ["categorical_accuracy", k.metrics.TopKCategoricalAccuracy(k=2)],
        },
    }


@pytest.mark.parametrize("direction", ["keras_to_deepnum", "deepnum_to_keras"])
def test_losses_metrics_and_loss_weights_move(tmp_path, direction):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((16, 6)).astype("float32")
    ys = {
        "reg": rng.standard_normal((16, 3)).astype("float32"),
        "binary": (rng.random((16, 1)) > 0.5).astype("float32"),
        "cat": np.eye(4, dtype="float32")[rng.integers(0, 4, 16)],
    }
    first, second = (keras, dn) if direction == "keras_to_deepnum" else (dn, keras)
    model = multi_output(first)
    model.compile(**compile_args(first))
    model.save(tmp_path / "m.keras")
    other = second.saving.load_model(tmp_path / "m.keras")
    assert other.compiled
    y = [ys["reg"], ys["binary"], ys["cat"]]
    got = other.evaluate(x, y, verbose=0, return_dict=True)
    want = model.evaluate(x, y, verbose=0, return_dict=True)
    assert got["loss"] == pytest.approx(want["loss"], rel=1e-5)
    shared = set(got) & set(want)
    assert len(shared) >= 4
    for key in shared:
        assert got[key] == pytest.approx(want[key], rel=1e-4, abs=1e-6), key


def make_subclassed(k):
    @k.saving.register_keras_serializable(package="interop")
    class Block(k.layers.Layer):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = k.layers.Dense(units, activation="tanh")
            self.norm = k.layers.LayerNormalization()

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(self.units,), initializer="ones")

        def call(self, x):
            return self.norm(self.dense(x)) * self.scale

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @k.saving.register_keras_serializable(package="interop")
    class TwoBlocks(k.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.blocks = [Block(units), Block(units)]
            self.out = k.layers.Dense(2)

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.out(x)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return TwoBlocks


KerasTwoBlocks, DeepnumTwoBlocks = make_subclassed(keras), make_subclassed(dn)


def test_subclassed_registered_model_moves_both_ways(tmp_path):
    x = np.random.default_rng(3).standard_normal((3, 5)).astype("float32")
    k_model = KerasTwoBlocks(units=4)
    k_model(x)
    k_model.save(tmp_path / "k.keras")
    d_from_k = dn.models.load_model(tmp_path / "k.keras")
    assert isinstance(d_from_k, DeepnumTwoBlocks)
    assert_same_predictions(k_model, d_from_k, x)
    d_from_k.save(tmp_path / "d.keras")  # built from Keras's build_config: it records it
    k_again = keras.saving.load_model(tmp_path / "d.keras")
    assert_same_predictions(k_model, k_again, x)


def test_weights_files_move_both_ways(tmp_path):
    x = inputs_for("conv2d")
    k_model, d_model = ZOO["conv2d"](keras), ZOO["conv2d"](dn)
    k_model.save_weights(tmp_path / "k.weights.h5")
    d_model.load_weights(tmp_path / "k.weights.h5")
    assert_same_predictions(k_model, d_model, x)
    d_model = ZOO["conv2d"](dn)
    d_model.save_weights(tmp_path / "d.weights.h5")
    k_model.load_weights(tmp_path / "d.weights.h5")
    assert_same_predictions(k_model, d_model, x)


def test_json_configs_move_both_ways():
    k_model = ZOO["merges"](keras)
    d_model = dn.models.model_from_json(k_model.to_json())
    d_model.set_weights(k_model.get_weights())
    assert_same_predictions(k_model, d_model, inputs_for("merges"))
    k_again = keras.models.model_from_json(d_model.to_json())
    k_again.set_weights(d_model.get_weights())
    assert_same_predictions(k_again, d_model, inputs_for("merges"))


def test_keras_lambda_needs_safe_mode_false(tmp_path):
    inputs = keras.Input((3,))
    k_model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 3.0 - 1.0)(inputs))
    k_model.save(tmp_path / "k.keras")
    with pytest.raises(ValueError, match=r"k\.keras.*Python bytecode"):
        dn.models.load_model(tmp_path / "k.keras")
    d_model = dn.models.load_model(tmp_path / "k.keras", safe_mode=False)
    x = np.ones((2, 3), "float32")
    assert_same_predictions(k_model, d_model, x)
    d_model.save(tmp_path / "d.keras")
    assert_same_predictions(
        keras.saving.load_model(tmp_path / "d.keras", safe_mode=False), d_model, x
    )


def test_keras_operations_in_functional_graphs(tmp_path):
    ops = keras.ops
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    z = a + b * 2.0
    z = z[:, 1:3]
    z = ops.mean(z, axis=-1, keepdims=True) - z
    z = ops.concatenate([z, ops.relu(z)], axis=-1)
    z = -ops.reshape(ops.cast(z, "float32") / 3.0, (-1, 2, 2))
    k_model = keras.Model([a, b], keras.layers.Flatten()(z))
    k_model.save(tmp_path / "k.keras")
    d_model = dn.models.load_model(tmp_path / "k.keras")
    x = [np.random.default_rng(4).standard_normal((3, 4)).astype("float32") for _ in "ab"]
    assert_same_predictions(k_model, d_model, x)
    d_model.save(tmp_path / "d.keras")
    assert_same_predictions(keras.saving.load_model(tmp_path / "d.keras"), d_model, x)


def test_keras_max_and_min_keep_initial(tmp_path):
    a = keras.Input((4,), name="a")
    shifted = a - 1.0  # most rows' maximum below 0 and minimum above -2: initial decides
    high = keras.ops.max(shifted, axis=-1, keepdims=True, initial=0.0)
    low = keras.ops.min(shifted + 1.5, axis=-1, keepdims=True, initial=0.25)
    k_model = keras.Model(a, keras.layers.Concatenate()([high, low]))
    k_model.save(tmp_path / "k.keras")
    d_model = dn.models.load_model(tmp_path / "k.keras")
    x = np.random.default_rng(5).standard_normal((6, 4)).astype("float32") * 0.3
    assert_same_predictions(k_model, d_model, x)
    d_model.save(tmp_path / "d.keras")
    assert_same_predictions(keras.saving.load_model(tmp_path / "d.keras"), d_model, x)


LOSSES = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
          "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh",
          "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
          "categorical_focal_crossentropy", "kl_divergence", "poisson", "hinge", "squared_hinge",
          "categorical_hinge"]  # fmt: skip
LOSS_CLASSES = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
                "MeanSquaredLogarithmicError", "CosineSimilarity", "Huber", "LogCosh",
                "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
                "CategoricalFocalCrossentropy", "KLDivergence", "Poisson", "Hinge", "SquaredHinge",
                "CategoricalHinge"]  # fmt: skip
METRICS = ["accuracy", "binary_accuracy", "categorical_accuracy", "top_k_categorical_accuracy",
           "mse", "mae", "mape", "msle", "log_cosh_error", "kl_divergence", "poisson",
           "cosine_similarity", "binary_crossentropy", "categorical_crossentropy", "hinge",
           "squared_hinge", "categorical_hinge"]  # fmt: skip
METRIC_CLASSES = ["AUC", "Precision", "Recall", "RootMeanSquaredError", "TruePositives",
                  "FalseNegatives", "FalsePositives", "F1Score", "TrueNegatives", "Mean",
                  "LogCoshError", "CategoricalCrossentropy", "Hinge"]  # fmt: skip


def every_loss_model(k):
    inputs = k.Input((4,))
    h = k.layers.Dense(6, activation="tanh")(inputs)
    outs = [k.layers.Dense(6, activation="softmax", name=f"out{i}")(h) for i in range(16)]
    return k.Model(inputs, outs, name="every_loss")


def every_loss_compile(k):
    metric_objects = {
        "AUC": lambda: k.metrics.AUC(num_thresholds=20),
        "F1Score": lambda: k.metrics.F1Score(average="macro"),
        "Mean": None,
    }
    losses, metrics = {}, {}
    for i in range(16):
        name = f"out{i}"
        losses[name] = LOSSES[i] if i % 2 == 0 else getattr(k.losses, LOSS_CLASSES[i])()
        specs = [METRICS[i]]
        cls = METRIC_CLASSES[i % len(METRIC_CLASSES)]
        if metric_objects.get(cls, 0) is not None:
            make = metric_objects.get(cls) or getattr(k.metrics, cls)
            specs.append(make())
        metrics[name] = specs
    return {"optimizer": "sgd", "loss": losses, "metrics": metrics}


@pytest.mark.parametrize("direction", ["keras_to_deepnum", "deepnum_to_keras"])
def test_every_shared_loss_and_metric_moves(tmp_path, direction):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((12, 4)).astype("float32")
    y = [np.eye(6, dtype="float32")[rng.integers(0, 6, 12)] for _ in range(16)]
    first, second = (keras, dn) if direction == "keras_to_deepnum" else (dn, keras)
    model = every_loss_model(first)
    model.compile(**every_loss_compile(first))
    model.save(tmp_path / "m.keras")
    other = second.saving.load_model(tmp_path / "m.keras")
    got = other.evaluate(x, y, verbose=0, return_dict=True)
    want = model.evaluate(x, y, verbose=0, return_dict=True)
    assert got["loss"] == pytest.approx(want["loss"], rel=1e-5)
    shared = set(got) & set(want)
    assert len(shared) >= 40, sorted(set(got) ^ set(want))
    for key in shared:
        assert got[key] == pytest.approx(want[key], rel=1e-4, abs=1e-6), key
