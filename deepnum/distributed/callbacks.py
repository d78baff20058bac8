"""Keep the ranks in step: broadcast weights and optimizer state, reduce metrics and logs; and
Horovod's learning-rate schedules.

``fit`` under MPI already does all of this (see ``deepnum.distributed.training``); the
callbacks give the same guarantees to code written for Horovod (``hvd.callbacks.*``), and to
custom loops.
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


def broadcast_variables(target: Any, root: int = 0, *, root_rank: int | None = None) -> None:
    """Overwrite the variables of every rank with rank ``root``'s values.

    One ``Bcast`` per dtype: the variables of each dtype are packed into one buffer.

    Args:
        target: a Model or Layer (all its ``weights``, trainable or not), an optimizer (its
            ``variables``: iterations, learning rate, slots) or a list of Variables.
        root: the rank whose values are kept.
        root_rank: Horovod's name for ``root`` (``hvd.broadcast_variables(v, root_rank=0)``).

    Example:
        >>> import deepnum as dn
        >>> from deepnum import distributed
        >>> model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2)])
        >>> distributed.broadcast_variables(model, root=0)  # a no-op in one process
    """
    if root_rank is not None:
        root = root_rank
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


class LearningRateScheduleCallback(Callback):
    """Set the learning rate to ``initial_lr · multiplier(epoch)`` (Horovod's callback).

    With ``staircase=True`` the rate changes at the first batch of each epoch; otherwise at
    every batch, with a fractional epoch ``e = epoch + batch / steps_per_epoch``. Only epochs in
    ``[start_epoch, end_epoch)`` are adjusted. With ``momentum_correction`` and an optimizer
    with ``momentum`` μ, each adjusted batch runs with μ·(new rate / old rate), then μ is
    restored (Goyal et al., 2017). The epoch logs get the rate as ``lr``.

    Args:
        initial_lr: the base learning rate.
        multiplier: a function of the (fractional) epoch, or a number ``m`` for ``m ** epoch``.
        start_epoch, end_epoch: the epochs adjusted (``end_epoch=None``: all from the start).
        staircase: adjust once per epoch (True) or at every batch (False).
        momentum_correction: scale the momentum with the learning rate for that batch.
        steps_per_epoch: batches per epoch (default: fit's number of steps).

    Example:
        >>> from deepnum import distributed
        >>> halve = distributed.LearningRateScheduleCallback(0.1, multiplier=0.5)
    """

    def __init__(
        self,
        initial_lr: float,
        multiplier: Any,
        start_epoch: int = 0,
        end_epoch: int | None = None,
        staircase: bool = True,
        momentum_correction: bool = True,
        steps_per_epoch: int | None = None,
    ) -> None:
        super().__init__()
        if initial_lr is None:
            raise ValueError(f"{type(self).__name__}: the argument `initial_lr` is required.")
        self.initial_lr, self.start_epoch, self.end_epoch = initial_lr, start_epoch, end_epoch
        self.staircase, self.momentum_correction = staircase, momentum_correction
        self.steps_per_epoch = steps_per_epoch
        self.multiplier = multiplier if callable(multiplier) else (lambda e: multiplier**e)
        self.current_epoch = 0
        self._restore_momentum: float | None = None

    def on_train_begin(self, logs=None):
        if not self.staircase and not self.steps_per_epoch:
            self.steps_per_epoch = self.params.get("steps")
            if not self.steps_per_epoch:
                raise ValueError(
                    f"{type(self).__name__}: the number of steps per epoch is unknown (a "
                    "generator without length); pass steps_per_epoch."
                )

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch

    def _adjust(self, epoch: float) -> None:
        optimizer = self.model.optimizer
        old = float(optimizer.learning_rate)
        new = self.initial_lr * self.multiplier(epoch)
        optimizer.learning_rate = new
        momentum = getattr(optimizer, "momentum", None)
        if self.momentum_correction and momentum and old:
            self._restore_momentum = momentum
            optimizer.momentum = momentum * new / old

    def on_train_batch_begin(self, batch, logs=None):
        if self.current_epoch < self.start_epoch or (
            self.end_epoch is not None and self.current_epoch >= self.end_epoch
        ):
            return
        if self.staircase and batch == 0:
            self._adjust(self.current_epoch)
        elif not self.staircase:
            self._adjust(self.current_epoch + float(batch) / self.steps_per_epoch)

    def on_train_batch_end(self, batch, logs=None):
        if self._restore_momentum is not None:
            self.model.optimizer.momentum = self._restore_momentum
            self._restore_momentum = None

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(self.model.optimizer.learning_rate)


class LearningRateWarmupCallback(LearningRateScheduleCallback):
    """Ramp the learning rate from ``initial_lr / size()`` to ``initial_lr`` over the first
    ``warmup_epochs`` epochs, at every batch (Horovod's callback; Goyal et al., 2017):

        lr(e) = initial_lr · (1 / size) · (e · (size − 1) / warmup_epochs + 1),
        e = epoch + (batch + 1) / steps_per_epoch

    so a large global batch starts with the rate of one rank's batch.

    Args:
        initial_lr: the rate reached at the end of the warmup (usually scaled by ``size()``).
        warmup_epochs: epochs of warmup.
        momentum_correction: see :class:`LearningRateScheduleCallback`.
        steps_per_epoch: batches per epoch (default: fit's number of steps).
        verbose: 1 prints a line when the warmup ends (on rank 0).

    Example:
        >>> from deepnum import distributed
        >>> warmup = distributed.LearningRateWarmupCallback(initial_lr=0.1, warmup_epochs=3)
    """

    def __init__(
        self,
        initial_lr: float,
        warmup_epochs: int = 5,
        momentum_correction: bool = True,
        steps_per_epoch: int | None = None,
        verbose: int = 0,
    ) -> None:
        def multiplier(epoch: float) -> float:
            epoch += 1.0 / self.steps_per_epoch  # whole numbers at the end of each epoch
            size = runtime.size()
            return 1.0 / size * (epoch * (size - 1) / warmup_epochs + 1)

        super().__init__(
            initial_lr,
            multiplier,
            start_epoch=0,
            end_epoch=warmup_epochs,
            staircase=False,
            momentum_correction=momentum_correction,
            steps_per_epoch=steps_per_epoch,
        )
        self.warmup_epochs, self.verbose = warmup_epochs, verbose

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if epoch == self.end_epoch - 1 and self.verbose > 0 and runtime.rank() == 0:
            rate = float(self.model.optimizer.learning_rate)
            print(f"\nEpoch {epoch + 1}: finished gradual learning rate warmup to {rate:g}.")
