"""Horovod-style code runs unchanged: ``DistributedOptimizer`` passed to ``compile``, Horovod's
callbacks, ``allreduce``'s mean, ``broadcast_variables(..., root_rank=)``; Horovod's Keras MNIST
example under ``mpiexec -n 2`` ends with the weights of one process on the global batches."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepnum as dn
from deepnum import distributed
from tests.distributed.conftest import check, run_script

X = np.linspace(-1, 1, 60, dtype="float32").reshape(20, 3)
Y = np.sin(X.sum(axis=1, keepdims=True))


def small_model():
    dn.utils.set_random_seed(5)
    return dn.Sequential(
        [dn.Input((3,)), dn.layers.Dense(4, activation="tanh"), dn.layers.Dense(1)]
    )


def test_compile_accepts_a_distributed_optimizer_and_keeps_the_real_one(tmp_path):
    plain, wrapped = small_model(), small_model()
    plain.compile(optimizer=dn.optimizers.SGD(0.1, momentum=0.9), loss="mse")
    opt = distributed.DistributedOptimizer(dn.optimizers.SGD(0.1, momentum=0.9))
    wrapped.compile(optimizer=opt, loss="mse")
    assert isinstance(wrapped.optimizer, dn.optimizers.SGD)  # saving and callbacks see it
    for model in (plain, wrapped):
        dn.utils.set_random_seed(6)  # the same shuffles
        model.fit(X, Y, batch_size=5, epochs=2, verbose=0)
    for a, b in zip(plain.get_weights(), wrapped.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # one process: the wrapper changes nothing
    wrapped.save(tmp_path / "m.keras")
    restored = dn.models.load_model(tmp_path / "m.keras")
    assert type(restored.optimizer).__name__ == "SGD"


def test_learning_rate_schedule_staircase_and_momentum_correction():
    model = small_model()
    model.compile(optimizer=dn.optimizers.SGD(0.1, momentum=0.9), loss="mse")
    seen = []
    record = dn.callbacks.LambdaCallback(
        on_train_batch_begin=lambda b, logs=None: seen.append(
            (float(model.optimizer.learning_rate), model.optimizer.momentum)
        )
    )
    schedule = distributed.callbacks.LearningRateScheduleCallback(0.1, multiplier=0.5)
    history = model.fit(X, Y, batch_size=10, epochs=3, verbose=0, callbacks=[schedule, record])
    rates = [round(r, 6) for r, _ in seen]
    assert rates == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]  # 0.1 · 0.5^epoch, from batch 0
    # The first batch of each epoch runs with μ·new/old; μ is restored after it.
    np.testing.assert_allclose([m for _, m in seen], [0.9, 0.9, 0.45, 0.9, 0.45, 0.9])
    assert model.optimizer.momentum == 0.9
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.05, 0.025], rtol=1e-6)


def test_warmup_in_one_process_keeps_the_rate():
    model = small_model()
    model.compile(optimizer=dn.optimizers.Adam(0.01), loss="mse")
    warmup = distributed.LearningRateWarmupCallback(initial_lr=0.01, warmup_epochs=2)
    history = model.fit(X, Y, batch_size=10, epochs=3, verbose=0, callbacks=[warmup])
    np.testing.assert_allclose(history.history["lr"], [0.01] * 3, rtol=1e-6)  # size() == 1
    with pytest.raises(ValueError, match="initial_lr` is required"):
        distributed.LearningRateWarmupCallback(initial_lr=None)


def test_allreduce_averages_like_horovod_and_broadcast_takes_root_rank():
    np.testing.assert_array_equal(distributed.allreduce([1, 3]), [1.0, 3.0])  # the mean
    assert distributed.allreduce([1, 3]).dtype == np.float64
    assert distributed.allreduce([1, 3], average=False).dtype.kind == "i"  # the sum
    np.testing.assert_array_equal(distributed.allreduce(2.0, op=distributed.Sum), 2.0)
    with pytest.raises(ValueError, match="either op or average"):
        distributed.allreduce(1.0, op="sum", average=True)
    distributed.broadcast_variables(small_model().weights, root_rank=0)
    assert distributed.Compression.fp16 == "fp16" and distributed.Compression.none is None


@pytest.fixture(scope="module")
def horovod_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("horovod")
    run = check(run_script("horovod_mnist.py", str(out / "mpi"), ranks=2, timeout=120))
    check(run_script("horovod_mnist.py", str(out / "ref"), "--ranks-emulated", "2", timeout=120))
    return out, run.stdout


def _weights(directory, rank):
    with np.load(directory / f"rank{rank}.npz") as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


def test_horovod_mnist_example_trains_like_one_process_on_the_global_batches(horovod_runs):
    out, stdout = horovod_runs
    for a, b in zip(_weights(out / "mpi", 0), _weights(out / "mpi", 1), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(_weights(out / "mpi", 0), _weights(out / "ref", 0), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    got = json.loads((out / "mpi" / "result.json").read_text())
    ref = json.loads((out / "ref" / "result.json").read_text())
    assert got["optimizer"] == "Adadelta" and got["learning_rate"] == 2.0
    # Horovod's warmup with 2 ranks, 5 steps per epoch: 2·(1/2)·(e/2 + 1) at e = 1, 2.
    np.testing.assert_allclose(got["history"]["lr"], [1.5, 2.0, 2.0], rtol=1e-6)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(got["history"][key], ref["history"][key], rtol=1e-5)
    np.testing.assert_allclose(got["score"], ref["score"], rtol=1e-5)
    assert "finished gradual learning rate warmup to 2" in stdout
    assert sorted(p.name for p in (out / "mpi").glob("ckpt-*.keras")) == [
        "ckpt-1.keras",
        "ckpt-2.keras",
        "ckpt-3.keras",
    ]
    restored = dn.models.load_model(out / "mpi" / "ckpt-3.keras")
    for a, b in zip(restored.get_weights(), _weights(out / "mpi", 0), strict=True):
        np.testing.assert_array_equal(a, b)
