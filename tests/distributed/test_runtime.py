"""init/rank/size and the single-process fallback; launcher detection; abort."""

from __future__ import annotations

import sys

import pytest

from deepnum import distributed
from deepnum.distributed import runtime
from tests.distributed.conftest import check, run_script


@pytest.fixture(autouse=True)
def fresh_runtime(monkeypatch):
    for name in runtime._LAUNCHER_SIZE_VARS + runtime._LAUNCHER_FLAG_VARS + ("SLURM_STEP_ID",):
        monkeypatch.delenv(name, raising=False)
    distributed.shutdown()
    yield
    distributed.shutdown()


def test_without_a_launcher_init_is_a_single_process_without_mpi():
    assert not distributed.is_initialized()
    assert (distributed.rank(), distributed.size(), distributed.local_rank()) == (0, 1, 0)
    distributed.init()
    distributed.init()  # idempotent
    assert distributed.is_initialized() and not distributed.is_distributed()
    assert (distributed.rank(), distributed.size(), distributed.local_size()) == (0, 1, 1)
    assert distributed.communicator() is None
    assert "mpi4py.MPI" not in sys.modules
    assert sys.excepthook is not runtime._abort_on_uncaught_exception
    assert distributed.allreduce([1.0, 2.0], "mean").tolist() == [1.0, 2.0]
    assert distributed.allgather_object("a") == ["a"]
    assert distributed.broadcast_object(3) == 3
    assert distributed.allgather([1, 2]).tolist() == [[1, 2]]
    distributed.barrier()
    with pytest.raises(ValueError, match="op must be one of"):
        distributed.allreduce(1.0, "prod")


def test_launcher_detection(monkeypatch):
    assert not runtime._launched_by_mpi()
    monkeypatch.setenv("PMI_SIZE", "2")
    assert runtime._launched_by_mpi()
    monkeypatch.delenv("PMI_SIZE")
    monkeypatch.setenv("SLURM_STEP_ID", "0")
    monkeypatch.setenv("SLURM_STEP_NUM_TASKS", "4")
    assert runtime._launched_by_mpi()


def test_launched_without_mpi4py_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import fails
    with pytest.raises(RuntimeError, match=r"pip install deepnum\[mpi\]"):
        distributed.init()


def test_abort_in_one_process_exits_with_the_rank(capsys):
    with pytest.raises(SystemExit) as exit_info:
        distributed.abort("out of memory")
    assert exit_info.value.code == 1
    assert "rank 0 failed: out of memory" in capsys.readouterr().err


def test_mpi_ranks_and_shards(collectives):
    assert collectives["size"] == 3 and collectives["rank_list"] == [0, 1, 2]
    assert collectives["shards"] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_script_runs_alone_without_mpiexec(tmp_path):
    import json

    check(run_script("collectives.py", str(tmp_path)))  # no mpiexec: one process
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["size"] == 1 and results["shards"] == [list(range(10))]
    assert results["custom_loop_weights"] == [0.5, 1.5]
    assert not results["weights_differ_before"] and results["exact_max_error"] == 0.0


@pytest.mark.parametrize(
    "module", ["runtime", "optimizer", "callbacks", "data", "kmeans", "training"]
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"deepnum.distributed.{module}")
    failures, _ = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
