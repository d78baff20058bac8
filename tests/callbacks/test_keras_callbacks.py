"""CallbackList, ProgbarLogger, TerminateOnNaN and TensorBoard with Keras 3's signatures and
behaviour, driven side by side with Keras's own callbacks."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

keras = reference("keras")


def params(fn):
    return [(p.name, p.default, p.kind) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize(
    "name", ["CallbackList", "ProgbarLogger", "TerminateOnNaN", "TensorBoard", "SwapEMAWeights"]
)
def test_signatures_match_keras(name):
    assert params(getattr(dn.callbacks, name)) == params(getattr(keras.callbacks, name))


class Recorder:
    """Records the hooks called on it (duck-typed, so it works in both libraries)."""

    def __init__(self):
        self.calls = []

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def __getattr__(self, name):
        if name.startswith("on_"):
            return lambda *args, **kwargs: self.calls.append(name)
        raise AttributeError(name)


def test_callback_list_adds_defaults_flattens_and_forwards_like_keras():
    class Model:
        pass

    seen = []
    for module in (dn, keras):
        rec = [Recorder(), Recorder()]
        model = Model()
        cbs = module.callbacks.CallbackList(
            [rec[0], rec[1]],
            add_history=True,
            add_progbar=True,
            model=model,
            epochs=2,
            steps=1,
            verbose=0,
        )
        kinds = [type(c).__name__ for c in cbs.callbacks]
        cbs.on_batch_begin(0)
        cbs.on_batch_end(0)
        cbs.on_epoch_begin(0)
        seen.append((kinds, rec[1].calls, rec[0].params, type(model.history).__name__))
    assert seen[0] == seen[1]
    assert seen[0][0] == ["Recorder", "Recorder", "History", "ProgbarLogger"]
    # Keras flattens nested lists too (tree.flatten), but its torch dispatch check fails on them.
    nested = dn.callbacks.CallbackList([Recorder(), [Recorder(), (Recorder(),)]])
    assert len(nested.callbacks) == 3


def test_old_batch_hooks_are_called_through_the_train_hooks_like_keras():
    calls = {}
    for module in (dn, keras):
        seen = calls.setdefault(module.__name__, [])

        class Old(module.callbacks.Callback):
            def __init__(self, seen):
                super().__init__()
                self.seen = seen

            def on_batch_begin(self, batch, logs=None):
                self.seen.append(("begin", batch))

            def on_batch_end(self, batch, logs=None):
                self.seen.append(("end", batch))

        cb = Old(seen)
        cb.on_train_batch_begin(3)
        cb.on_train_batch_end(3, {})
    assert calls["deepnum"] == calls["keras"] == [("begin", 3), ("end", 3)]


class Holder:
    stop_training = False


@pytest.mark.parametrize("loss", [np.nan, np.inf, 0.5])
def test_terminate_on_nan_matches_keras(loss, capsys):
    results = []
    for module in (dn, keras):
        model = Holder()
        cb = module.callbacks.TerminateOnNaN()
        cb.set_model(model)
        cb.on_train_batch_end(4, {"loss": loss})
        results.append(model.stop_training)
        raising = module.callbacks.TerminateOnNaN(raise_error=True)
        raising.set_model(Holder())
        if np.isfinite(loss):
            raising.on_train_batch_end(4, {"loss": loss})
        else:
            with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 4"):
                raising.on_train_batch_end(4, {"loss": loss})
    assert results[0] == results[1] == (not np.isfinite(loss))


def test_terminate_on_nan_raise_error_stops_fit():
    model = dn.Sequential([dn.Input((2,)), dn.layers.Dense(1)])
    model.compile(optimizer=dn.optimizers.SGD(1e30), loss="mse")
    x = np.full((8, 2), 1e20, "float32")
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        model.fit(
            x,
            x[:, :1],
            batch_size=2,
            epochs=3,
            verbose=0,
            callbacks=[dn.callbacks.TerminateOnNaN(raise_error=True)],
        )


def read_events(path):
    event_accumulator = reference("tensorboard.backend.event_processing.event_accumulator")
    acc = event_accumulator.EventAccumulator(
        str(path), size_guidance={event_accumulator.IMAGES: 0, event_accumulator.TENSORS: 0}
    )
    acc.Reload()
    return acc


def test_tensorboard_writes_keras_tags(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((12, 3)).astype("float32")
    y = rng.standard_normal((12, 2)).astype("float32")
    model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(4), dn.layers.Dense(2)])
    model.compile(optimizer=dn.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    board = dn.callbacks.TensorBoard(
        tmp_path,
        histogram_freq=1,
        write_images=True,
        write_steps_per_second=True,
        update_freq=2,
    )
    history = model.fit(
        x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x, y), callbacks=[board]
    )
    train = read_events(tmp_path / "train")
    scalars = set(train.Tags()["scalars"])
    assert {"epoch_loss", "epoch_mae", "epoch_learning_rate", "epoch_steps_per_second"} <= scalars
    assert {"batch_loss", "batch_steps_per_second"} <= scalars
    assert [e.step for e in train.Scalars("batch_loss")] == [2, 4, 6]  # every 2 of 6 batches
    np.testing.assert_allclose(
        [e.value for e in train.Scalars("epoch_loss")], history.history["loss"], rtol=1e-6
    )
    assert [e.value for e in train.Scalars("epoch_learning_rate")] == pytest.approx([0.01] * 2)
    kernel = model.layers[0].kernel.path
    assert f"{kernel}/histogram" in train.Tags()["histograms"]
    assert f"{kernel}/image" in train.Tags()["images"]
    val = read_events(tmp_path / "validation")
    np.testing.assert_allclose(
        [e.value for e in val.Scalars("epoch_loss")], history.history["val_loss"], rtol=1e-6
    )


def test_tensorboard_refuses_profiling_like_keras_on_torch(tmp_path):
    for module in (dn, keras):
        with pytest.raises(ValueError, match="profile_batch"):
            module.callbacks.TensorBoard(tmp_path, profile_batch=2)
