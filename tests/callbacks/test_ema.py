"""SwapEMAWeights against Keras 3 (torch backend): the same model, optimizer state and hook
sequence give the same weights and moving averages after every hook."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

keras = reference("keras")


def small(k, optimizer):
    hidden = k.layers.Dense(4, activation="tanh", name="hidden")
    model = k.Sequential([k.Input((3,)), hidden, k.layers.Dense(1, name="out")])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def trained_pair(make_optimizer, steps=3):
    """A Keras model trained a few steps, and a deepnum model given its weights and its
    optimizer state."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3)).astype("float32")
    y = rng.standard_normal((8, 1)).astype("float32")
    theirs = small(keras, make_optimizer(keras.optimizers))
    for _ in range(steps):
        theirs.train_on_batch(x, y)
    ours = small(dn, make_optimizer(dn.optimizers))
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    ours.optimizer.build(ours.trainable_weights)
    state = theirs.optimizer.variables
    assert len(ours.optimizer.variables) == len(state)
    for variable, value in zip(ours.optimizer.variables, state):
        variable.assign(np.asarray(keras.ops.convert_to_numpy(value)))
    return ours, theirs


def averages(model):
    optimizer = model.optimizer
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    found = []
    for opt in getattr(optimizer, "optimizers", [optimizer]):
        found += [v for v in getattr(opt, "_model_variables_moving_average", []) or []]
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in found]


def assert_same(ours, theirs):
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    for a, b in zip(averages(ours), averages(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


OPTIMIZERS = {
    "sgd": lambda o: o.SGD(0.1, use_ema=True, ema_momentum=0.5),
    "loss_scale": lambda o: o.LossScaleOptimizer(o.Adam(0.05, use_ema=True, ema_momentum=0.5)),
    "multi": lambda o: o.MultiOptimizer(
        o.OptimizerMap(o.SGD(0.1), {".*out.*": o.Adam(0.05, use_ema=True)})
    ),
}
HOOKS = [
    [("on_test_begin",), ("on_test_end",)],
    [("on_test_begin",), ("on_test_begin",), ("on_test_end",), ("on_test_end",)],
    [("on_epoch_end", 0), ("on_epoch_begin", 1), ("on_epoch_end", 1)],
    [("on_epoch_end", 0), ("on_test_begin",), ("on_test_end",), ("on_epoch_begin", 1)],
]


@pytest.mark.parametrize("hooks", HOOKS, ids=["test", "nested", "epochs", "mixed"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_swaps_like_keras(name, hooks):
    ours, theirs = trained_pair(OPTIMIZERS[name])
    assert_same(ours, theirs)
    callbacks = []
    for model, module in ((ours, dn), (theirs, keras)):
        callback = module.callbacks.SwapEMAWeights(swap_on_epoch=True)
        callback.set_model(model)
        callback.set_params({"epochs": 2, "steps": 1, "verbose": 0})
        callbacks.append(callback)
    for hook, *args in hooks:
        for callback in callbacks:
            getattr(callback, hook)(*args)
        assert_same(ours, theirs)


def test_evaluate_uses_the_averages_and_restores_the_weights():
    ours, _ = trained_pair(OPTIMIZERS["sgd"])
    x = np.ones((4, 3), "float32")
    y = np.zeros((4, 1), "float32")
    weights = [w.copy() for w in ours.get_weights()]
    plain = ours.evaluate(x, y, verbose=0)
    ours.set_weights(averages(ours))
    expected = ours.evaluate(x, y, verbose=0)
    ours.set_weights(weights)
    swapped = ours.evaluate(x, y, verbose=0, callbacks=[dn.callbacks.SwapEMAWeights()])
    assert swapped == pytest.approx(expected) and swapped != pytest.approx(plain)
    for a, b in zip(ours.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def test_predict_hooks_swap_back_unlike_keras_3_15():
    ours, _ = trained_pair(OPTIMIZERS["sgd"])
    weights = [w.copy() for w in ours.get_weights()]
    callback = dn.callbacks.SwapEMAWeights()
    callback.set_model(ours)
    callback.on_predict_begin()
    assert not np.array_equal(ours.get_weights()[0], weights[0])
    callback.on_predict_end()
    for a, b in zip(ours.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda o: o.SGD(0.1), "use_ema=True"),
        (lambda o: o.MultiOptimizer(o.OptimizerMap(o.SGD(0.1))), "at least one inner"),
    ],
)
def test_without_ema_raises_like_keras(make, match):
    ours, theirs = trained_pair(make, steps=1)
    for model, module in ((ours, dn), (theirs, keras)):
        callback = module.callbacks.SwapEMAWeights()
        callback.set_model(model)
        with pytest.raises(ValueError, match=match):
            callback.on_test_begin()
