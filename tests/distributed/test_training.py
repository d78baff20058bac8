"""fit under MPI: identical weights on every rank, equal to one process on the global batch;
uneven shards; fp16 compression; a failing rank aborts the job; BackupAndRestore resumes."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepnum as dn
from deepnum import distributed
from deepnum.distributed import runtime
from deepnum.training.data_adapter import make_batches
from tests.distributed.conftest import check, run_script

EPOCHS = "3"


def _weights(directory, rank: int) -> list[np.ndarray]:
    with np.load(directory / f"rank{rank}.npz") as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


def _history(directory) -> dict:
    return json.loads((directory / "history.json").read_text())


def _assert_same_on_all_ranks(directory, ranks: int) -> None:
    first = _weights(directory, 0)
    for rank in range(1, ranks):
        for a, b in zip(first, _weights(directory, rank)):
            np.testing.assert_array_equal(a, b, err_msg=f"rank {rank} differs from rank 0")


def _assert_close_weights(got: list, expected: list, rtol: float, atol: float) -> None:
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    """-n 2 training (per-rank batch 8) and the single-process run on the global batch of 16."""
    out = tmp_path_factory.mktemp("two_ranks")
    run = check(
        run_script("train.py", str(out / "mpi"), "--epochs", EPOCHS, "--verbose", "2", ranks=2)
    )
    (out / "stdout.txt").write_text(run.stdout)
    check(run_script("train.py", str(out / "ref"), "--epochs", EPOCHS, "--ranks-emulated", "2"))
    return out


def test_two_ranks_hold_identical_weights_equal_to_one_process(two_ranks):
    _assert_same_on_all_ranks(two_ranks / "mpi", 2)
    _assert_close_weights(
        _weights(two_ranks / "mpi", 0), _weights(two_ranks / "ref", 0), rtol=1e-5, atol=1e-6
    )


def test_logs_are_the_metrics_of_all_ranks(two_ranks):
    got, ref = _history(two_ranks / "mpi"), _history(two_ranks / "ref")
    assert got["epoch"] == ref["epoch"] == [0, 1, 2]
    assert sorted(got["history"]) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    for key, values in ref["history"].items():
        np.testing.assert_allclose(got["history"][key], values, rtol=1e-5, err_msg=key)


def test_only_rank_zero_prints_progress(two_ranks):
    stdout = (two_ranks / "stdout.txt").read_text()
    assert stdout.count("Epoch 1/3") == 1 and stdout.count("Epoch 3/3") == 1
    assert stdout.count("3/3 - ") == 3  # 48 samples, global batch 2 x 8: 3 steps per epoch


@pytest.mark.parametrize(
    "n, batch_size",
    [
        # 37 training samples, global batch 3 x 4 = 12: the last step has 1 sample, so ranks 1
        # and 2 have an empty shard there (they run a weight-0 step: the collectives match).
        (50, 4),
        # 2 training samples and 1 validation sample for 3 ranks: rank 2 never has a sample.
        (3, 2),
    ],
)
def test_three_ranks_uneven_shards(tmp_path, n, batch_size):
    # fit is data-parallel because the script called init() (no distribution argument).
    args = ("--n", str(n), "--batch-size", str(batch_size), "--epochs", "2")
    check(run_script("train.py", str(tmp_path / "mpi"), *args, ranks=3))
    check(run_script("train.py", str(tmp_path / "ref"), *args, "--ranks-emulated", "3"))
    _assert_same_on_all_ranks(tmp_path / "mpi", 3)
    _assert_close_weights(
        _weights(tmp_path / "mpi", 2), _weights(tmp_path / "ref", 0), rtol=1e-5, atol=1e-6
    )
    got, ref = _history(tmp_path / "mpi"), _history(tmp_path / "ref")
    for key, values in ref["history"].items():
        np.testing.assert_allclose(got["history"][key], values, rtol=1e-5, err_msg=key)


def test_fp16_compression_is_close_to_exact(tmp_path, two_ranks):
    args = ("--epochs", EPOCHS, "--optimizer", "adam", "--compression", "fp16")
    check(run_script("train.py", str(tmp_path), *args, ranks=2))
    _assert_same_on_all_ranks(tmp_path, 2)
    _assert_close_weights(_weights(tmp_path, 1), _weights(two_ranks / "mpi", 0), rtol=0, atol=2e-3)


def test_failing_rank_aborts_the_job_and_backup_resumes(tmp_path, two_ranks):
    backup = str(tmp_path / "backup")
    args = ("--epochs", EPOCHS, "--backup-dir", backup)
    failed = run_script(
        "train.py", str(tmp_path / "out"), *args, "--fail-rank", "1", ranks=2, timeout=30
    )
    assert failed.returncode != 0
    assert "rank 1 failed: ValueError: injected failure in epoch 2" in failed.stderr
    assert failed.seconds < 20
    # Relaunched, the job resumes after the last finished epoch (epoch 1, index 0) and ends
    # with the weights of the uninterrupted run.
    check(run_script("train.py", str(tmp_path / "out"), *args, ranks=2))
    assert _history(tmp_path / "out")["epoch"] == [1, 2]
    for rank in range(2):
        _assert_close_weights(
            _weights(tmp_path / "out", rank), _weights(two_ranks / "mpi", 0), rtol=0, atol=0
        )


def test_writing_callbacks_stay_on_rank_zero(monkeypatch):
    monkeypatch.setattr(runtime._RT, "rank", 1)
    monkeypatch.setattr(runtime._RT, "size", 2)
    monkeypatch.setattr(runtime, "allgather_object", lambda obj: [obj, obj])  # two equal ranks
    model = dn.Sequential([dn.Input((1,)), dn.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    batches = make_batches(np.zeros((10, 1)), np.zeros((10, 1)), None, 2, True)
    kept = dn.callbacks.EarlyStopping()
    writers = [
        dn.callbacks.CSVLogger("log.csv"),
        dn.callbacks.ModelCheckpoint("m.keras"),
        dn.callbacks.BackupAndRestore("backup"),
        dn.callbacks.ProgbarLogger(),
    ]
    plan = distributed.DataParallel()
    batches, _, callbacks, verbose = plan.prepare(model, batches, None, [kept, *writers], 1, None)
    assert callbacks == [kept] and verbose == 0
    assert len(batches) == 3  # 10 samples, global batch 2 x 2
    assert model._distributed_optimizer.optimizer is model.optimizer
    plan.finish(model)
    assert model._distributed_optimizer is None


def test_datasets_of_own_shards_and_unequal_arrays(collectives):
    assert collectives["dataset_epochs"] == 2
    assert collectives["dataset_weights_identical"]
    assert collectives["unequal_arrays_error"]


# ---------------------------------------------------------------- one process, no mpiexec
@pytest.fixture
def fresh_runtime():
    distributed.shutdown()
    yield
    distributed.shutdown()


def _trained(distribution) -> list[np.ndarray]:
    dn.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    model = dn.Sequential(
        [dn.Input((3,)), dn.layers.Dense(4, activation="tanh"), dn.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(
        x, y, batch_size=8, epochs=2, verbose=0, validation_split=0.25, distribution=distribution
    )
    assert getattr(model, "_distributed_optimizer", None) is None
    assert isinstance(model.optimizer, dn.Optimizer)
    return model.get_weights()


@pytest.mark.parametrize("distribution", ["mpi", distributed.DataParallel(compression="fp16")])
def test_single_process_fallback_trains_as_usual(fresh_runtime, distribution):
    expected = _trained(None)
    got = _trained(distribution)
    assert distributed.is_initialized() and distributed.size() == 1
    _assert_close_weights(got, expected, rtol=0, atol=0)


def test_unknown_distribution_is_rejected(fresh_runtime):
    model = dn.Sequential([dn.Input((1,)), dn.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="distribution must be None, 'mpi'"):
        model.fit(np.zeros((4, 1)), np.zeros((4, 1)), verbose=0, distribution="nccl")
