"""What ``Model.fit`` does differently under MPI (``fit(..., distribution="mpi")``, or any
``fit`` after ``deepnum.distributed.init()`` in a job of several processes).

- Data: each epoch the shuffled order (rank 0's draw, broadcast) is cut into global batches of
  ``batch_size × size()`` samples, split across the ranks (:class:`ShardedBatches`): every
  sample is seen once per epoch and every rank runs the same number of steps. Validation
  arrays are split into contiguous shards. Datasets and generators are used as given (shard
  them yourself, e.g. with :func:`deepnum.distributed.shard`); their step counts must agree.
- Gradients: averaged over the ranks by a :class:`DistributedOptimizer` around the model's
  optimizer (the one given to ``compile``, Horovod-style, or a new one), weighted by each
  rank's share of the global batch, so the update is the one a single process makes on the
  global batch. ``model.optimizer`` is the real optimizer (saving and callbacks see it).
- Start: after every ``on_train_begin`` (so after ``BackupAndRestore`` restored a backup on
  rank 0), rank 0's weights, optimizer state and initial epoch are broadcast.
- Logs: the metrics' states are summed over the ranks at the end of each epoch, so the train
  and validation logs are the metrics of all samples. ``stop_training`` set on any rank stops
  every rank after the same step.
- Output: only rank 0 keeps the progress bar, ModelCheckpoint, BackupAndRestore, CSVLogger and
  TensorBoard; the other ranks drop them, and rank 0 alone writes files.
"""

from __future__ import annotations

from typing import Any

from deepnum.callbacks import (
    BackupAndRestore,
    CSVLogger,
    ModelCheckpoint,
    ProgbarLogger,
    TensorBoard,
)
from deepnum.distributed import runtime
from deepnum.distributed.callbacks import (
    broadcast_optimizer_state,
    broadcast_variables,
    reduce_metric_states,
)
from deepnum.distributed.data import ShardedBatches, shard_array_batches
from deepnum.distributed.optimizer import DistributedOptimizer
from deepnum.training.data_adapter import ArrayBatches

#: Callbacks that print or write files: kept on rank 0 only.
RANK_ZERO_ONLY_CALLBACKS = (
    ProgbarLogger,
    ModelCheckpoint,
    BackupAndRestore,
    CSVLogger,
    TensorBoard,
)


class DataParallel:
    """Data-parallel training over MPI ranks; pass it as ``fit(..., distribution=...)`` to set
    the options of the gradient all-reduce (``distribution="mpi"`` is ``DataParallel()``).

    Args:
        compression: ``None`` or ``"fp16"`` (see :class:`DistributedOptimizer`).
        bucket_bytes: bytes per all-reduce bucket.

    Example:
        >>> from deepnum import distributed
        >>> strategy = distributed.DataParallel(compression="fp16")
        >>> # model.fit(x, y, batch_size=32, distribution=strategy)
    """

    def __init__(self, compression: str | None = None, bucket_bytes: int = 4 << 20) -> None:
        self.compression = compression
        self.bucket_bytes = bucket_bytes
        self.optimizer: DistributedOptimizer | None = None
        self._compiled: DistributedOptimizer | None = None

    # ---------------------------------------------------------------- the hooks fit calls
    def prepare(
        self, model: Any, batches: Any, val: Any, callbacks: Any, verbose: int, steps: int | None
    ) -> tuple[Any, Any, list, int]:
        """Shard the data, wrap the optimizer, keep the writing callbacks on rank 0 only.

        Returns:
            ``(batches, val, callbacks, verbose)`` for this rank.
        """
        _check_same_arrays(batches, val)
        # A DistributedOptimizer passed to compile (Horovod's way) is used as it is.
        self._compiled = getattr(model, "_distributed_optimizer", None)
        self.optimizer = self._compiled or DistributedOptimizer(
            model.optimizer, self.compression, self.bucket_bytes
        )
        model._distributed_optimizer = self.optimizer
        if isinstance(batches, ArrayBatches):
            batches = ShardedBatches(
                batches.data,
                batches.batch_size,
                batches.shuffle,
                steps,
                on_step=self._set_local_weight,
                metrics=lambda: model.metrics,
            )
        else:
            _agree_on_steps(batches)
        if isinstance(val, ArrayBatches):
            val = shard_array_batches(val)
        callbacks = list(callbacks or [])
        if runtime.rank() > 0:
            callbacks = [c for c in callbacks if not isinstance(c, RANK_ZERO_ONLY_CALLBACKS)]
            verbose = 0
        return batches, val, callbacks, verbose

    def synchronize(self, model: Any, initial_epoch: int) -> int:
        """Broadcast rank 0's weights, optimizer state and ``initial_epoch``; return the epoch."""
        broadcast_variables(model, 0)
        broadcast_optimizer_state(model, 0)
        return int(runtime.broadcast_object(int(initial_epoch), 0))

    def reduce_metrics(self, model: Any) -> dict[str, float]:
        """Sum the metric states over the ranks; return the resulting logs."""
        reduce_metric_states(model.metrics)
        return model.get_metrics_result()

    def agree_to_stop(self, model: Any) -> None:
        """Set ``model.stop_training`` on every rank when any rank set it."""
        model.stop_training = bool(runtime.allreduce(int(bool(model.stop_training)), "max"))

    def finish(self, model: Any) -> None:
        """Unhook fit's DistributedOptimizer from the model (the compiled one stays)."""
        self.optimizer.local_weight = None
        model._distributed_optimizer = self._compiled

    def _set_local_weight(self, weight: float) -> None:
        self.optimizer.local_weight = weight


def plan_for(distribution: Any) -> DataParallel | None:
    """The DataParallel that ``fit`` should use, or ``None`` to train as a single process.

    Args:
        distribution: ``None`` (data-parallel when ``init()`` was called in a job of several
            processes), ``"mpi"`` (calls ``init()``), or a :class:`DataParallel`.
    """
    if distribution is not None and distribution != "mpi":
        if not isinstance(distribution, DataParallel):
            raise ValueError(
                f"fit: distribution must be None, 'mpi' or a deepnum.distributed.DataParallel, "
                f"received {distribution!r}."
            )
    if distribution is not None:
        runtime.init()
    if not runtime.is_distributed():
        return None
    return distribution if isinstance(distribution, DataParallel) else DataParallel()


def _check_same_arrays(batches: Any, val: Any) -> None:
    """Arrays are sharded by fit, so every rank must pass all of them (the same number)."""
    counts = runtime.allgather_object(
        [b.n if isinstance(b, ArrayBatches) else None for b in (batches, val)]
    )
    if any(c != counts[0] for c in counts):
        raise ValueError(
            "fit under MPI shards the arrays itself, so every rank must pass the same full "
            f"arrays; the ranks passed different numbers of samples (train, validation) per "
            f"rank: {counts}. To train on shards you made yourself, pass each rank's shard as "
            "a deepnum.data.Dataset (or generator) with the same number of batches per rank."
        )


def _agree_on_steps(batches: Any) -> None:
    """Datasets and generators: every rank must run the same number of steps."""
    counts = runtime.allgather_object(len(batches) or None)
    if any(c is None for c in counts):
        raise ValueError(
            "fit under MPI: the number of batches of a generator or Dataset must be known on "
            "every rank, so that all ranks run the same number of steps; pass "
            f"steps_per_epoch (batches per epoch, per rank: {counts})."
        )
    batches.steps = min(counts)
