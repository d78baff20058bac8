"""Data-parallel training on many processes and machines through MPI (Horovod-style).

From one process to many, two lines::

    from deepnum import distributed
    distributed.init()                    # then launch: mpiexec -n 4 python train.py

After ``init()``, ``model.fit(x, y, batch_size=32)`` trains on every rank: each epoch's
shuffled samples are sharded across the ranks (``batch_size`` is per rank), the gradients are
averaged with an all-reduce before every update, the logs are the metrics over all ranks, and
only rank 0 prints and writes files. Without mpiexec (or without mpi4py) the same script runs
as one process. The learning rate is not scaled for you: the global batch is ``size()`` times
larger, so scale it yourself if you want the usual linear rule, e.g.
``Adam(1e-3 * distributed.size())``. See ``docs/distributed.md``.

The pieces, for custom loops and Horovod code, under Horovod's names (``from deepnum import
distributed as hvd`` runs Horovod's Keras examples): :func:`init`, :func:`rank`, :func:`size`,
:func:`local_rank`, :func:`allreduce` (the mean by default), :func:`broadcast_variables`,
:class:`DistributedOptimizer` (also passed to ``model.compile``), ``Compression``, and the
callbacks :class:`BroadcastGlobalVariablesCallback`, :class:`MetricAverageCallback`,
:class:`LearningRateScheduleCallback`, :class:`LearningRateWarmupCallback` (also as
``distributed.callbacks.*``); :func:`shard`, and :class:`DistributedKMeans` for k-means on data
sharded across ranks.

mpi4py is imported only by ``init()`` under an MPI launcher: importing this package is cheap.
"""

from deepnum.distributed.callbacks import (
    BroadcastGlobalVariablesCallback,
    LearningRateScheduleCallback,
    LearningRateWarmupCallback,
    MetricAverageCallback,
    average_logs,
    broadcast_optimizer_state,
    broadcast_variables,
    reduce_metric_states,
)
from deepnum.distributed.data import ShardedBatches, shard, shard_range
from deepnum.distributed.kmeans import DistributedKMeans
from deepnum.distributed.optimizer import Compression, DistributedOptimizer, GradientReducer
from deepnum.distributed.runtime import (
    Average,
    Max,
    Min,
    Sum,
    abort,
    allgather,
    allgather_object,
    allreduce,
    allreduce_,
    barrier,
    broadcast_,
    broadcast_object,
    communicator,
    init,
    is_distributed,
    is_initialized,
    local_rank,
    local_size,
    rank,
    shutdown,
    size,
)
from deepnum.distributed.training import DataParallel

__all__ = [
    "Average",
    "BroadcastGlobalVariablesCallback",
    "Compression",
    "DataParallel",
    "DistributedKMeans",
    "DistributedOptimizer",
    "GradientReducer",
    "LearningRateScheduleCallback",
    "LearningRateWarmupCallback",
    "Max",
    "MetricAverageCallback",
    "Min",
    "Sum",
    "ShardedBatches",
    "abort",
    "allgather",
    "allgather_object",
    "allreduce",
    "allreduce_",
    "average_logs",
    "barrier",
    "broadcast_",
    "broadcast_object",
    "broadcast_optimizer_state",
    "broadcast_variables",
    "communicator",
    "init",
    "is_distributed",
    "is_initialized",
    "local_rank",
    "local_size",
    "rank",
    "reduce_metric_states",
    "shard",
    "shard_range",
    "shutdown",
    "size",
]
