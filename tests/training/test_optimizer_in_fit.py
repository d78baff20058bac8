"""What fit does with the optimizer as Keras 3's trainer: the loss is scaled before backward
(loss_scale_factor, LossScaleOptimizer), the moving averages replace the weights at the end
(use_ema), SwapEMAWeights around validation; inputs one axis short of ``Input(shape=(1,))``
gain it; string batches stay on the host."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.training import trainer as trainer_module
from tests.conftest import reference

keras = reference("keras")

rng = np.random.default_rng(0)
X = rng.standard_normal((8, 3)).astype("float32")
Y = rng.standard_normal((8, 1)).astype("float32")


def _model(k, optimizer, input_shape=(3,)):
    model = k.Sequential(
        [
            k.Input(input_shape),
            k.layers.Dense(4, activation="tanh", name="hidden"),
            k.layers.Dense(1, name="out"),
        ]
    )
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _fit_both(make_optimizer, callbacks=lambda k: [], x=X, input_shape=(3,), **fit_kwargs):
    """The same model, weights and data fitted by Keras and by deepnum."""
    theirs = _model(keras, make_optimizer(keras.optimizers), input_shape)
    ours = _model(dn, make_optimizer(dn.optimizers), input_shape)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    histories = []
    for model, k in ((theirs, keras), (ours, dn)):
        histories.append(
            model.fit(
                x,
                Y,
                batch_size=4,
                epochs=2,
                shuffle=False,
                verbose=0,
                callbacks=callbacks(k),
                **fit_kwargs,
            ).history
        )
    return ours, theirs, histories


def _assert_same_weights(ours, theirs):
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


OPTIMIZERS = {
    "loss_scale_factor": lambda o: o.SGD(0.1, loss_scale_factor=8.0),
    "loss_scale_optimizer": lambda o: o.LossScaleOptimizer(o.SGD(0.1), initial_scale=64.0),
    "loss_scale_adam": lambda o: o.LossScaleOptimizer(o.Adam(0.05), dynamic_growth_steps=2),
    "use_ema": lambda o: o.SGD(0.1, use_ema=True, ema_momentum=0.5),
    "use_ema_adam": lambda o: o.Adam(0.05, use_ema=True, ema_momentum=0.9),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_fit_with_the_optimizer_matches_keras(name):
    ours, theirs, (h_theirs, h_ours) = _fit_both(OPTIMIZERS[name])
    _assert_same_weights(ours, theirs)
    np.testing.assert_allclose(h_ours["loss"], h_theirs["loss"], rtol=1e-5)
    if "loss_scale_optimizer" in name or "adam" in name and "loss_scale" in name:
        np.testing.assert_allclose(
            float(np.asarray(ours.optimizer.dynamic_scale)),
            float(keras.ops.convert_to_numpy(theirs.optimizer.dynamic_scale)),
        )


def test_swap_ema_weights_with_validation_matches_keras():
    ours, theirs, (h_theirs, h_ours) = _fit_both(
        OPTIMIZERS["use_ema"],
        callbacks=lambda k: [k.callbacks.SwapEMAWeights(swap_on_epoch=True)],
        validation_data=(X[:4], Y[:4]),
    )
    _assert_same_weights(ours, theirs)
    np.testing.assert_allclose(h_ours["val_loss"], h_theirs["val_loss"], rtol=1e-5)


def test_input_one_axis_short_of_a_trailing_one_matches_keras():
    ours, theirs, (h_theirs, h_ours) = _fit_both(lambda o: o.SGD(0.1), x=X[:, 0], input_shape=(1,))
    _assert_same_weights(ours, theirs)
    np.testing.assert_allclose(h_ours["loss"], h_theirs["loss"], rtol=1e-5)
    for column in (X[:, 0], X[:, :1, None]):  # (batch,) gains the axis, (batch, 1, 1) loses it
        np.testing.assert_allclose(
            ours.predict(column, verbose=0),
            keras.ops.convert_to_numpy(theirs.predict(column, verbose=0)),
            rtol=1e-5,
            atol=1e-6,
        )


def test_string_batch_of_shape_batch_feeds_input_of_shape_one():
    inputs = dn.Input(shape=(1,), dtype="string")
    lookup = dn.layers.StringLookup(vocabulary=["a", "b", "c"])
    model = dn.Model(inputs, lookup(inputs))
    words = np.array(["c", "a", "z"])
    np.testing.assert_array_equal(model.predict(words, verbose=0), [[3], [1], [0]])
    np.testing.assert_array_equal(
        model.predict(words, verbose=0), model.predict(words[:, None], verbose=0)
    )


def test_on_device_leaves_strings_and_objects_on_the_host(monkeypatch):
    moved = []

    class Accelerator:
        type = "cuda"

    monkeypatch.setitem(trainer_module.sys.modules, "cupy", object())
    monkeypatch.setattr(trainer_module, "device_of", lambda data: Accelerator())
    monkeypatch.setattr(trainer_module, "to_device", lambda a, d: moved.append(a) or a)
    model = _model(dn, "sgd")
    strings, objects = np.array(["a", "b"]), np.array([{"k": 1}, None], dtype=object)
    numbers = np.ones((2, 3), "float32")
    out = model._on_device((numbers, (strings, objects, ["x", "y"])))
    assert [a is numbers for a in moved] == [True]
    assert out[1][0] is strings and out[1][1] is objects
