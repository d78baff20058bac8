"""compile / fit / evaluate / predict against Keras 3 and on real data (bundled digits)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference


@pytest.fixture(scope="module")
def keras():
    return reference("keras")


@pytest.fixture(scope="module")
def digits():
    sklearn_datasets = reference("sklearn.datasets")
    data = sklearn_datasets.load_digits()
    x = (data.images / 16.0).astype("float32")
    y = data.target.astype("int64")
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    return (x[:1400], y[:1400]), (x[1400:], y[1400:])


def _mlp(lib, seed_layers=True):
    return lib.Sequential(
        [
            lib.Input((16,)),
            lib.layers.Dense(12, activation="tanh"),
            lib.layers.Dense(3, activation="softmax"),
        ]
    )


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_fit_matches_keras_step_for_step(keras, optimizer):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 16)).astype("float32")
    y = rng.integers(0, 3, 50)
    ref, model = _mlp(keras), _mlp(dn)
    model.set_weights(ref.get_weights())
    for m in (ref, model):
        m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h_ref = ref.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(h.history["loss"], h_ref.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(h.history["accuracy"], h_ref.history["accuracy"], atol=1e-6)
    ev, ev_ref = model.evaluate(x, y, verbose=0), ref.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(ev, ev_ref, rtol=1e-4)


def test_steps_per_epoch_and_validation_split_like_keras(keras):
    x = np.arange(103, dtype="float32").reshape(-1, 1)
    y = x * 2
    seen = []
    model = dn.Sequential([dn.Input((1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    callback = dn.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch)
    )
    model.fit(x, y, batch_size=10, epochs=1, validation_split=0.2, callbacks=[callback], verbose=0)
    n_train = int(math.floor(103 * 0.8))
    assert len(seen) == math.ceil(n_train / 10)
    # Keras holds out the last fraction: the validation loss equals evaluate on x[n_train:].
    hist = model.fit(x, y, batch_size=10, epochs=1, validation_split=0.2, verbose=0)
    val = model.evaluate(x[n_train:], y[n_train:], verbose=0)
    assert hist.history["val_loss"][0] == pytest.approx(val, rel=1e-5)


def _digits_mlp():
    return dn.Sequential(
        [
            dn.Input((8, 8)),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def test_mlp_on_digits_reaches_95_percent_and_is_reproducible(digits):
    (x, y), (xt, yt) = digits
    results = []
    for _ in range(2):
        dn.utils.set_random_seed(7)
        model = _digits_mlp()
        model.compile(
            optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        model.fit(x, y, batch_size=32, epochs=20, verbose=0)
        results.append((model.evaluate(xt, yt, verbose=0), model.get_weights()))
    (loss, acc), weights = results[0]
    assert acc >= 0.95
    assert results[1][0] == results[0][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_cnn_on_digits_reaches_97_percent(digits):
    (x, y), (xt, yt) = digits
    dn.utils.set_random_seed(0)
    model = dn.Sequential(
        [
            dn.Input((8, 8, 1)),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[..., None], y, batch_size=32, epochs=15, verbose=0)
    _, acc = model.evaluate(xt[..., None], yt, verbose=0)
    assert acc >= 0.97


def test_backup_and_restore_resumes_to_identical_weights(tmp_path, digits):
    (x, y), _ = digits
    x, y = x[:256], y[:256]

    def run(callbacks, epochs=4):
        model = _digits_mlp()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=32, epochs=epochs, callbacks=callbacks, verbose=0)
        return model

    dn.utils.set_random_seed(3)
    reference_weights = run([]).get_weights()

    class Crash(dn.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 2 and batch == 3:
                raise KeyboardInterrupt("simulated crash in epoch 3")

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

    backup = dn.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    dn.utils.set_random_seed(3)
    with pytest.raises(KeyboardInterrupt):
        run([backup, Crash()])
    dn.utils.set_random_seed(12345)  # the backup restores the generator state itself
    resumed = run([dn.callbacks.BackupAndRestore(str(tmp_path / "backup"))])
    for a, b in zip(resumed.get_weights(), reference_weights):
        np.testing.assert_array_equal(a, b)


def test_multi_output_losses_and_loss_weights_match_keras(keras):
    def build(lib):
        a = lib.Input((5,), name="a")
        h = lib.layers.Dense(6, activation="relu")(a)
        return lib.Model(
            a,
            [
                lib.layers.Dense(1, name="reg")(h),
                lib.layers.Dense(3, activation="softmax", name="cls")(h),
            ],
        )

    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 5)).astype("float32")
    y1, y2 = rng.standard_normal((40, 1)).astype("float32"), rng.integers(0, 3, 40)
    ref, model = build(keras), build(dn)
    model.set_weights(ref.get_weights())
    for m in (ref, model):
        m.compile(
            optimizer="sgd",
            loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
            loss_weights={"reg": 0.5, "cls": 2.0},
        )
    ref.fit(x, {"reg": y1, "cls": y2}, batch_size=8, epochs=2, shuffle=False, verbose=0)
    model.fit(x, {"reg": y1, "cls": y2}, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_bad_targets_fail_before_the_first_step():
    model = dn.Sequential(
        [
            dn.Input((4, 4, 1)),
            layers.Conv2D(2, 3, padding="same"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.zeros((6, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match="Flatten missing"):
        model.fit(x, np.zeros(6, "int64"), verbose=0)
    flat = dn.Sequential([dn.Input((3,)), layers.Dense(4, activation="softmax")])
    flat.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="one-hot"):
        flat.fit(np.zeros((6, 3), "float32"), np.eye(4)[[0, 1, 2, 3, 0, 1]], verbose=0)
    with pytest.raises(ValueError, match="x sizes: 6, y sizes: 5"):
        flat.fit(np.zeros((6, 3), "float32"), np.zeros(5, "int64"), verbose=0)
    bad = np.zeros((6, 3), "float32")
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        flat.fit(bad, np.zeros(6, "int64"), verbose=0)
    with pytest.raises(RuntimeError, match="compile"):
        dn.Sequential([dn.Input((3,)), layers.Dense(1)]).fit(bad, bad, verbose=0)


def test_train_on_batch_and_custom_train_step():
    class Custom(dn.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)
            self.calls = 0

        def call(self, x, training=False):
            return self.dense(x)

        def train_step(self, data):
            self.calls += 1
            return super().train_step(data)

    model = Custom()
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    first = model.train_on_batch(x, y)
    second = model.train_on_batch(x, y)
    assert second < first and model.calls == 2
    assert model.test_on_batch(x, y) == pytest.approx(
        float(np.mean(model.predict_on_batch(x) ** 2)), rel=1e-5
    )
