"""broadcast_variables, BroadcastGlobalVariablesCallback, metric reduction and averaging."""

from __future__ import annotations

import numpy as np

import deepnum as dn
from deepnum import distributed


def test_mpi_broadcast_callback_makes_different_weights_identical(collectives):
    assert collectives["weights_differ_before"]
    assert collectives["weights_identical_after_train_begin"]


def test_mpi_optimizer_state_comes_from_rank_zero(collectives):
    # Rank 1 had restored a state (all 7s); rank 0 had none: everybody now has rank 0's.
    assert collectives["optimizer_state_identical"]
    assert collectives["optimizer_iterations"] == 0


def test_mpi_metric_average_callback(collectives):
    assert collectives["averaged_logs"] == {"loss": 1.0, "name": "kept"}  # mean of 0, 1, 2


def test_one_process_broadcasts_are_no_ops_and_fit_accepts_the_callbacks():
    model = dn.Sequential([dn.Input((2,)), dn.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    before = model.get_weights()
    distributed.broadcast_variables(model)
    distributed.broadcast_variables(model.weights, root=0)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    callbacks = [
        distributed.BroadcastGlobalVariablesCallback(0),
        distributed.MetricAverageCallback(),
    ]
    history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0, callbacks=callbacks)
    assert len(history.history["loss"]) == 2
    assert model.optimizer.built


def test_reduce_metric_states_and_average_logs_in_one_process():
    mean = dn.metrics.Mean()
    mean.update_state([1.0, 3.0])
    distributed.reduce_metric_states([mean])
    assert float(mean.result()) == 2.0
    assert distributed.average_logs({"loss": 0.5, "tag": "x"}) == {"loss": 0.5, "tag": "x"}
