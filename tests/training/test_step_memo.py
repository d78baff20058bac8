"""The layers' structure is memoized within one step of a built model only: what changes
between steps (freezing a layer, a new attribute layer) is seen by the next step."""

from __future__ import annotations

import numpy as np

import deepnum as dn
from deepnum.layers.layer_state import _STEP_MEMO


def model_and_data():
    inputs = dn.Input((3,))
    hidden = dn.layers.Dense(4, name="hidden")
    model = dn.Model(inputs, dn.layers.Dense(1, name="head")(hidden(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).standard_normal((8, 3)).astype("float32")
    return model, hidden, x, np.ones((8, 1), "float32")


def test_freezing_between_steps_is_seen_by_the_next_step():
    model, hidden, x, y = model_and_data()
    model.train_on_batch(x, y)
    assert _STEP_MEMO.get() is None  # nothing memoized outside a step
    before = hidden.get_weights()
    hidden.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    model.train_on_batch(x, y)
    for got, want in zip(hidden.get_weights(), before, strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_metric_held_by_a_layer_added_between_fits_is_reported():
    model, hidden, x, y = model_and_data()
    model.fit(x, y, epochs=1, verbose=0)
    hidden.tracker = dn.metrics.Mean(name="tracked")
    logs = model.fit(x, y, epochs=1, verbose=0).history
    assert "tracked" in logs
