"""Callbacks driven with the same logs as Keras 3's own callbacks must act the same."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference


@pytest.fixture(scope="module")
def keras():
    return reference("keras")


class _Opt:
    def __init__(self, lr: float) -> None:
        self.learning_rate = lr


class _FakeModel:
    """The parts of a model that callbacks touch: weights, stop flag, optimizer."""

    def __init__(self) -> None:
        self.stop_training = False
        self.epoch = 0
        self.optimizer = _Opt(0.1)

    def get_weights(self):
        return [np.array([float(self.epoch)])]

    def set_weights(self, weights):
        self.restored = float(weights[0][0])


def _drive(callback, values, monitor="val_loss"):
    model = _FakeModel()
    callback.set_model(model)
    callback.on_train_begin({})
    stopped = None
    lrs = []
    for epoch, v in enumerate(values):
        model.epoch = epoch
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, {monitor: v, "loss": v})
        lrs.append(float(model.optimizer.learning_rate))
        if model.stop_training:
            stopped = epoch
            break
    callback.on_train_end({})
    return stopped, getattr(model, "restored", None), lrs


SEQUENCES = [
    [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.4],
    [1.0, 1.0, 1.0, 1.0],
    [0.5, 0.4, 0.3, 0.2, 0.1],
    [0.3, 0.35, 0.29, 0.31, 0.33, 0.34, 0.36, 0.2],
]


@pytest.mark.parametrize("values", SEQUENCES)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 0},
        {"patience": 2},
        {"patience": 2, "min_delta": 0.02},
        {"patience": 1, "restore_best_weights": True},
        {"patience": 10, "restore_best_weights": True},
        {"patience": 1, "baseline": 0.35},
        {"patience": 1, "start_from_epoch": 2},
        {"patience": 2, "mode": "max", "monitor": "val_accuracy"},
    ],
)
def test_early_stopping_matches_keras(keras, values, kwargs):
    monitor = kwargs.get("monitor", "val_loss")
    ours = _drive(dn.callbacks.EarlyStopping(**kwargs), values, monitor)
    theirs = _drive(keras.callbacks.EarlyStopping(**kwargs), values, monitor)
    assert ours == theirs


@pytest.mark.parametrize("values", SEQUENCES)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 1, "factor": 0.5},
        {"patience": 2, "factor": 0.1, "cooldown": 1},
        {"patience": 0, "factor": 0.5, "min_lr": 0.03},
    ],
)
def test_reduce_lr_on_plateau_matches_keras(keras, values, kwargs):
    ours = _drive(dn.callbacks.ReduceLROnPlateau(**kwargs), values)
    theirs = _drive(keras.callbacks.ReduceLROnPlateau(**kwargs), values)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)


def _model():
    model = dn.Sequential([dn.Input((3,)), layers.Dense(2), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


def test_early_stopping_restores_best_weights_even_without_stopping():
    x, y = _data()
    model = _model()
    snapshots = []
    record = dn.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append((logs["loss"], model.get_weights()))
    )
    stop = dn.callbacks.EarlyStopping(monitor="loss", patience=100, restore_best_weights=True)
    model.compile(optimizer=dn.optimizers.SGD(learning_rate=0.5), loss="mse")  # diverges
    model.fit(x, y, epochs=4, batch_size=8, callbacks=[record, stop], verbose=0)
    best = min(snapshots, key=lambda s: s[0])[1]
    for a, b in zip(model.get_weights(), best):
        np.testing.assert_array_equal(a, b)


def test_learning_rate_scheduler_and_history():
    x, y = _data()
    model = _model()
    sched = dn.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (1 + epoch))
    history = model.fit(x, y, epochs=3, batch_size=8, callbacks=[sched], verbose=0)
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    assert set(history.history) == {"loss", "mae", "learning_rate"}
    assert history.epoch == [0, 1, 2]


def test_terminate_on_nan_stops_training():
    x, y = _data()
    model = _model()
    model.compile(optimizer=dn.optimizers.SGD(learning_rate=1e6), loss="mse")
    history = model.fit(
        x, y * 1e3, epochs=50, batch_size=4, callbacks=[dn.callbacks.TerminateOnNaN()], verbose=0
    )
    assert len(history.epoch) < 50


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    x, y = _data()
    path = tmp_path / "log.csv"
    _model().fit(
        x,
        y,
        epochs=3,
        batch_size=8,
        validation_split=0.25,
        verbose=0,
        callbacks=[dn.callbacks.CSVLogger(str(path))],
    )
    rows = list(csv.DictReader(open(path)))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert set(rows[0]) == {"epoch", "loss", "mae", "val_loss", "val_mae"}


def test_tensorboard_event_files_are_readable_by_tensorboard(tmp_path):
    event_accumulator = reference("tensorboard.backend.event_processing.event_accumulator")
    x, y = _data()
    log_dir = tmp_path / "tb"
    history = _model().fit(
        x,
        y,
        epochs=2,
        batch_size=8,
        validation_split=0.25,
        verbose=0,
        callbacks=[dn.callbacks.TensorBoard(str(log_dir), histogram_freq=1)],
    )
    train = event_accumulator.EventAccumulator(str(log_dir / "train"))
    train.Reload()
    losses = [e.value for e in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-6)
    assert train.Tags()["histograms"]
    val = event_accumulator.EventAccumulator(str(log_dir / "validation"))
    val.Reload()
    np.testing.assert_allclose(
        [e.value for e in val.Scalars("epoch_loss")], history.history["val_loss"], rtol=1e-6
    )


def test_progress_output_one_line_per_epoch_when_piped(capsys):
    x, y = _data()
    _model().fit(x, y, epochs=2, batch_size=8, verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    assert out[1].startswith("5/5") and "loss:" in out[1] and "mae:" in out[1]


def test_plot_history_writes_a_png(tmp_path):
    x, y = _data()
    history = _model().fit(x, y, epochs=2, batch_size=8, validation_split=0.25, verbose=0)
    path = dn.utils.plot_history(history, str(tmp_path / "h.png"))
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_plot_model_writes_dot(tmp_path):
    inputs = dn.Input((4,), name="x")
    out = layers.Dense(2, name="head")(layers.Dense(3, name="hidden")(inputs))
    path = dn.utils.plot_model(dn.Model(inputs, out), str(tmp_path / "m.dot"), show_shapes=True)
    text = open(path).read()
    assert '"x" -> "hidden"' in text and '"hidden" -> "head"' in text
    assert "(None, 3)" in text
    assert os.path.getsize(path) > 0
