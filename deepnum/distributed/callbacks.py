"""Keep the ranks in step: broadcast weights and optimizer state, reduce metrics and logs.

``fit`` under MPI already does all of this (see ``deepnum.distributed.training``); the two
callbacks give the same guarantees to code written for Horovod, and to custom loops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from deepnum.backend import device_of, to_device, to_numpy
from deepnum.callbacks.callback import Callback
from deepnum.distributed import runtime


def _variables_of(target: Any) -> list[Any]:
    """The Variables of a model/layer (``weights``), an optimizer (``variables``) or a list."""
    if hasattr(target, "weights") and not isinstance(target, (list, tuple)):
        return list(target.weights)
    if hasattr(target, "variables") and not isinstance(target, (list, tuple)):
        return list(target.variables)
    return list(target)


def broadcast_variables(target: Any, root: int = 0) -> None:
    """Overwrite the variables of every rank with rank ``root``'s values.

    One ``Bcast`` per dtype: the variables of each dtype are packed into one buffer.

    Args:
        target: a Model or Layer (all its ``weights``, trainable or not), an optimizer (its
            ``variables``: iterations, learning rate, slots) or a list of Variables.
        root: the rank whose values are kept.

    Example:
        >>> import deepnum as dn
        >>> from deepnum import distributed
        >>> model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2)])
        >>> distributed.broadcast_variables(model, root=0)  # a no-op in one process
    """
    variables = _variables_of(target)
    if runtime.size() == 1 or not variables:
        return
    by_dtype: dict[str, list[Any]] = {}
    for v in variables:
        by_dtype.setdefault(str(v.dtype), []).append(v)
    for dtype in sorted(by_dtype):
        group = by_dtype[dtype]
        packed = np.concatenate([to_numpy(v.data).reshape(-1) for v in group])
        runtime.broadcast_(packed, root)
        start = 0
        for v in group:
            size = int(np.prod(v.shape, dtype=np.int64))
            value = packed[start : start + size].reshape(v.shape)
            v.assign(to_device(value, device_of(v.data)))
            start += size


def broadcast_optimizer_state(model: Any, root: int = 0) -> None:
    """Build ``model.optimizer`` on its trainable weights if needed, then broadcast its state.

    Building here (rather than lazily at the first update) lets every rank hold the same
    variables before the broadcast, whether or not ``root`` restored them from a checkpoint.
    """
    optimizer = getattr(model.optimizer, "optimizer", model.optimizer)  # unwrap
    if optimizer is None:
        return
    if not optimizer.built:
        optimizer.build(model.trainable_weights)
    broadcast_variables(optimizer.variables, root)


def reduce_metric_states(metrics: Sequence[Any]) -> None:
    """Sum the state variables of ``metrics`` over all ranks, in place.

    Keras metrics keep additive states (totals, counts, confusion counts), so after the sum
    each metric's ``result()`` is the metric of all the ranks' samples together, exactly.

    Args:
        metrics: Metric objects, in the same order on every rank.
    """
    variables = [v for m in metrics for v in m.variables]
    if runtime.size() == 1 or not variables:
        return
    sizes = runtime.allgather_object([int(np.prod(v.shape)) for v in variables])
    if any(s != sizes[0] for s in sizes):
        raise RuntimeError(
            "reduce_metric_states: the ranks hold different metric states "
            f"(sizes per rank: {sizes}); compile the model the same way on every rank."
        )
    packed = np.concatenate([to_numpy(v.data).astype(np.float64).reshape(-1) for v in variables])
    runtime.allreduce_(packed, "sum")
    start = 0
    for v in variables:
        size = int(np.prod(v.shape, dtype=np.int64))
        v.assign(packed[start : start + size].reshape(v.shape).astype(v.dtype))
        start += size


def average_logs(logs: dict[str, Any]) -> dict[str, Any]:
    """Return ``logs`` with each number replaced by its mean over the ranks."""
    keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float, np.number)))
    if runtime.size() == 1 or not keys:
        return dict(logs)
    values = runtime.allreduce(np.array([float(logs[k]) for k in keys]), "mean")
    return {**logs, **{k: float(v) for k, v in zip(keys, values)}}


class BroadcastGlobalVariablesCallback(Callback):
    """Start every rank from rank ``root_rank``'s weights and optimizer state (Horovod's name).

    At ``on_train_begin`` the model's weights are broadcast; before the first batch (after
    every callback's ``on_train_begin``, so after ``BackupAndRestore`` has restored a
    checkpoint) the weights again and the optimizer's state, building it if needed.

    Args:
        root_rank: the rank whose values are kept.

    Example:
        >>> from deepnum import distributed
        >>> callbacks = [distributed.BroadcastGlobalVariablesCallback(0)]
    """

    def __init__(self, root_rank: int = 0) -> None:
        super().__init__()
        self.root_rank = root_rank
        self._done = False

    def on_train_begin(self, logs=None):
        self._done = False
        broadcast_variables(self.model, self.root_rank)

    def on_train_batch_begin(self, batch, logs=None):
        if not self._done:
            broadcast_variables(self.model, self.root_rank)
            broadcast_optimizer_state(self.model, self.root_rank)
            self._done = True


class MetricAverageCallback(Callback):
    """Average the epoch logs over the ranks at ``on_epoch_end`` (Horovod's name).

    Put it first in the callback list, so later callbacks (EarlyStopping, CSVLogger) see the
    averaged values. ``fit`` under MPI does better without it: it sums the metrics' states, so
    its logs are exactly the metrics of all samples; this callback is for custom loops and
    code written for Horovod.

    Example:
        >>> from deepnum import distributed
        >>> callbacks = [distributed.MetricAverageCallback()]
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs:
            logs.update(average_logs(logs))
