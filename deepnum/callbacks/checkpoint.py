"""Callbacks that save state: ModelCheckpoint here, BackupAndRestore in ``backup``."""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np

from deepnum.callbacks.backup import BackupAndRestore
from deepnum.callbacks.callback import Callback
from deepnum.callbacks.monitoring import _monitor_op


class ModelCheckpoint(Callback):
    """Save the model (or its weights) every epoch or every ``save_freq`` batches, or only when
    it improves. Each file is written atomically (the previous one stays whole if a save fails).

    Args:
        filepath: file name, may contain a template such as ``"ckpt-{epoch:02d}-{val_loss:.2f}
            .keras"`` filled with the epoch (1-based), ``batch`` (1-based, batch-level saves
            only) and the logs. It ends in ``.keras`` (``.weights.h5`` with
            ``save_weights_only``).
        monitor, mode: the log watched by ``save_best_only``.
        verbose: 1 prints a line for every save.
        save_best_only: save only when ``monitor`` improves.
        save_weights_only: call ``save_weights`` instead of ``save``.
        save_freq: ``"epoch"``, or an integer ``N``: save at the end of every ``N``-th batch,
            counted across epochs (Keras's rule).
        initial_value_threshold: the value ``monitor`` must beat first.

    Example:
        >>> import os, tempfile, numpy as np, deepnum as dn
        >>> model = dn.Sequential([dn.Input((2,)), dn.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "step-{batch}.weights.h5")
        >>> saver = ModelCheckpoint(path, save_weights_only=True, save_freq=2)
        >>> x, y = np.ones((8, 2)), np.ones((8, 1))
        >>> _ = model.fit(x, y, batch_size=2, callbacks=[saver], verbose=0)
        >>> sorted(os.listdir(os.path.dirname(path)))
        ['step-2.weights.h5', 'step-4.weights.h5']
    """

    def __init__(
        self,
        filepath: str,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: Any = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__()
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1
        ):
            raise ValueError(
                "ModelCheckpoint: save_freq must be 'epoch' or a positive number of batches, "
                f"received save_freq={save_freq!r}."
            )
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.save_freq = save_freq
        self.monitor_op = _monitor_op(mode, monitor)
        if initial_value_threshold is not None:
            self.best = initial_value_threshold
        else:
            self.best = math.inf if self.monitor_op is np.less else -math.inf
        self._current_epoch = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: int | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        """Count the batches since the last save (``batch`` restarts at 0 every epoch)."""
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _file_path(self, epoch: int, batch: int | None, logs: dict) -> str:
        fields = {"epoch": epoch + 1, **logs}
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(
                f"ModelCheckpoint: cannot fill the filepath template {self.filepath!r} "
                f"({type(e).__name__}: {e}); the available fields are {sorted(fields)}."
            ) from None

    def _improved(self, epoch: int, path: str, logs: dict) -> bool:
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"ModelCheckpoint: can save the best model only with {self.monitor!r} in the "
                f"logs (available: {sorted(logs)}); saving anyway.",
                stacklevel=3,
            )
            return True
        if not self.monitor_op(value, self.best):
            return False
        if self.verbose:
            print(
                f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                f"{value:.5f}, saving model to {path}"
            )
        self.best = value
        return True

    def _save_model(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        logs = dict(logs or {})
        path = self._file_path(epoch, batch, logs)
        if self.save_best_only and not self._improved(epoch, path, logs):
            return
        if self.verbose and not self.save_best_only:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


__all__ = ["BackupAndRestore", "ModelCheckpoint"]
