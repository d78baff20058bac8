"""The MPI runtime: who this process is (rank), how many there are (size), and the collectives
the rest of ``deepnum.distributed`` is built on.

mpi4py is imported lazily, by :func:`init` only, and only when the process was started by an MPI
launcher (``mpiexec``, ``mpirun``, ``srun``). Otherwise — or before ``init()`` — everything runs
as a single process: ``rank() == 0``, ``size() == 1`` and every collective returns its input, so
one script runs alone or as ``mpiexec -n 4 python train.py`` unchanged.

Fault behaviour: after ``init()`` in a job of several processes, an exception that reaches the
top of a rank is printed as ``"deepnum.distributed: rank 1 failed: ValueError: ..."`` with its
traceback, then ``MPI.COMM_WORLD.Abort(1)`` ends every rank, so the others do not wait forever in
a collective that the failed rank will never join.
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

# Variables set by the launchers of MPICH/Intel MPI (PMI_*), Open MPI (OMPI_*), PMIx, MVAPICH
# and Slurm's srun (inside a job step).
_LAUNCHER_SIZE_VARS = (
    "PMI_SIZE",
    "OMPI_COMM_WORLD_SIZE",
    "PMIX_SIZE",
    "MV2_COMM_WORLD_SIZE",
    "MPI_LOCALNRANKS",
)
_LAUNCHER_FLAG_VARS = ("PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "MPI_LOCALRANKID")


@dataclass
class _Runtime:
    comm: Any = None  # an mpi4py communicator, or None for the single-process fallback
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    local_size: int = 1
    initialized: bool = False
    previous_excepthook: Any = None


_RT = _Runtime()


def _launched_by_mpi() -> bool:
    """True when an MPI launcher started this process (its environment variables are set)."""
    if any(v in os.environ for v in _LAUNCHER_SIZE_VARS + _LAUNCHER_FLAG_VARS):
        return True
    # srun without an MPI plugin sets only Slurm's variables; a job step of several tasks counts.
    return "SLURM_STEP_ID" in os.environ and int(os.environ.get("SLURM_STEP_NUM_TASKS", "1")) > 1


def _import_mpi() -> Any:
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(
            "deepnum.distributed.init(): this process was started by an MPI launcher "
            "(mpiexec/mpirun/srun), but mpi4py is not installed, so every process would train "
            "alone. Install it with `pip install deepnum[mpi]` (mpi4py + mpich), or build mpi4py "
            "against your cluster's MPI (`pip install --no-binary mpi4py mpi4py`)."
        ) from e
    return MPI


def init(comm: Any = None) -> None:
    """Start the distributed runtime (idempotent).

    Under an MPI launcher this imports mpi4py and uses ``MPI.COMM_WORLD``; otherwise it is a
    no-op that leaves a single process (``size() == 1``). In a job of several processes it also
    installs the fault handler described in the module docstring.

    Args:
        comm: an mpi4py communicator to use instead of ``COMM_WORLD`` (e.g. a ``Split`` of it).

    Example:
        >>> from deepnum import distributed
        >>> distributed.init()
        >>> distributed.rank(), distributed.size()  # run without mpiexec
        (0, 1)
        >>> distributed.shutdown()
    """
    if _RT.initialized and comm is None:
        return
    if comm is None and not _launched_by_mpi():
        _RT.initialized = True
        return
    MPI = _import_mpi()
    comm = comm if comm is not None else MPI.COMM_WORLD
    local = comm.Split_type(MPI.COMM_TYPE_SHARED)
    _RT.comm, _RT.rank, _RT.size = comm, comm.Get_rank(), comm.Get_size()
    _RT.local_rank, _RT.local_size = local.Get_rank(), local.Get_size()
    local.Free()
    _RT.initialized = True
    if _RT.size > 1 and _RT.previous_excepthook is None:
        _RT.previous_excepthook = sys.excepthook
        sys.excepthook = _abort_on_uncaught_exception


def shutdown() -> None:
    """Forget the communicator and restore ``sys.excepthook`` (MPI itself is finalized by mpi4py
    at exit). Afterwards the process behaves as a single process until ``init()`` again."""
    if _RT.previous_excepthook is not None:
        sys.excepthook = _RT.previous_excepthook
    _RT.__init__()


def is_initialized() -> bool:
    """True after :func:`init` (also in the single-process fallback)."""
    return _RT.initialized


def rank() -> int:
    """This process's rank in ``[0, size())``; 0 before ``init()`` or without MPI."""
    return _RT.rank


def size() -> int:
    """The number of processes; 1 before ``init()`` or without MPI."""
    return _RT.size


def local_rank() -> int:
    """This process's rank among the processes of its machine (e.g. to pick a GPU)."""
    return _RT.local_rank


def local_size() -> int:
    """The number of processes on this process's machine."""
    return _RT.local_size


def is_distributed() -> bool:
    """True when ``init()`` was called and there is more than one process."""
    return _RT.initialized and _RT.size > 1


def communicator() -> Any:
    """The mpi4py communicator in use, or ``None`` in the single-process fallback."""
    return _RT.comm


# ---------------------------------------------------------------------------- collectives
_OPS = ("sum", "mean", "max", "min")
# Horovod's names for the reductions (hvd.Average, hvd.Sum, hvd.Min, hvd.Max).
Average, Sum, Min, Max = "mean", "sum", "min", "max"


def _mpi_op(op: str) -> Any:
    from mpi4py import MPI

    if op not in _OPS:
        raise ValueError(f"allreduce: op must be one of {_OPS}, received {op!r}.")
    return {"sum": MPI.SUM, "mean": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}[op]


def allreduce_(buffer: np.ndarray, op: str = "sum") -> np.ndarray:
    """Reduce a contiguous NumPy array over all ranks, in place (``MPI.IN_PLACE``).

    Args:
        buffer: a C-contiguous NumPy array, the same shape and dtype on every rank.
        op: ``"sum"``, ``"mean"``, ``"max"`` or ``"min"``.

    Returns:
        ``buffer``, now holding the reduction on every rank.

    Example:
        >>> import numpy as np
        >>> allreduce_(np.array([1.0, 2.0]), op="sum").tolist()  # one process
        [1.0, 2.0]
    """
    if op not in _OPS:
        raise ValueError(f"allreduce: op must be one of {_OPS}, received {op!r}.")
    if _RT.size == 1:
        return buffer
    from mpi4py import MPI

    _RT.comm.Allreduce(MPI.IN_PLACE, buffer, op=_mpi_op(op))
    if op == "mean":
        buffer /= buffer.dtype.type(_RT.size)
    return buffer


def allreduce(
    value: Any, op: str | None = None, *, average: bool | None = None, name: str | None = None
) -> np.ndarray:
    """Return the reduction of ``value`` (a number or array) over all ranks, as a new array.

    As Horovod's ``hvd.allreduce``, the mean by default, so that
    ``allreduce(model.evaluate(x, y))`` averages the ranks' scores.

    Args:
        value: a number, a list of numbers or an array (the same shape on every rank).
        op: ``"mean"`` (Horovod's ``Average``), ``"sum"``, ``"max"`` or ``"min"``.
        average: Horovod's older switch: ``False`` sums (only when ``op`` is not given).
        name: accepted for Horovod's signature (MPI needs no operation names).

    Example:
        >>> allreduce([1.0, 2.0]).tolist()  # one process: the mean of one rank
        [1.0, 2.0]
    """
    if op is None:
        op = "sum" if average is False else "mean"
    elif average is not None:
        raise ValueError("allreduce: pass either op or average, not both.")
    array = np.array(value, copy=True, order="C")
    if op == "mean" and array.dtype.kind in "biu":
        array = array.astype(np.float64)
    return allreduce_(array, op)


def broadcast_(buffer: np.ndarray, root: int = 0) -> np.ndarray:
    """Overwrite a contiguous NumPy array with rank ``root``'s copy, in place; returns it."""
    if _RT.size > 1:
        _RT.comm.Bcast(buffer, root=root)
    return buffer


def broadcast_object(obj: Any, root: int = 0) -> Any:
    """Return rank ``root``'s ``obj`` on every rank (a small picklable object: a number, a
    list of ints; never used for arrays or anything read from a file)."""
    return obj if _RT.size == 1 else _RT.comm.bcast(obj, root=root)


def allgather(array: np.ndarray) -> np.ndarray:
    """Return the arrays of all ranks stacked, shape ``(size(),) + array.shape`` (every rank
    passes the same shape and dtype)."""
    array = np.ascontiguousarray(array)
    out = np.empty((_RT.size,) + array.shape, dtype=array.dtype)
    if _RT.size == 1:
        out[0] = array
    else:
        _RT.comm.Allgather(array, out)
    return out


def allgather_object(obj: Any) -> list[Any]:
    """Return ``[obj of rank 0, obj of rank 1, ...]`` on every rank (small objects only)."""
    return [obj] if _RT.size == 1 else _RT.comm.allgather(obj)


def barrier() -> None:
    """Wait until every rank has reached this call."""
    if _RT.size > 1:
        _RT.comm.Barrier()


# ---------------------------------------------------------------------------- faults
def abort(message: str, exit_code: int = 1) -> None:
    """Print ``message`` (prefixed with this rank) to stderr and end the whole job.

    Args:
        message: what went wrong.
        exit_code: the job's exit status.
    """
    sys.stderr.write(f"deepnum.distributed: rank {_RT.rank} failed: {message}\n")
    sys.stderr.flush()
    sys.stdout.flush()
    if _RT.size > 1:
        from mpi4py import MPI

        MPI.COMM_WORLD.Abort(exit_code)
    raise SystemExit(exit_code)


def _abort_on_uncaught_exception(exc_type: type, exc: BaseException, tb: Any) -> None:
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    abort(f"{exc_type.__name__}: {exc}\n{text}")
