"""Callbacks that save state: ModelCheckpoint and BackupAndRestore."""

from __future__ import annotations

import json
import math
import os
import shutil
from typing import Any

import numpy as np

from deepnum.callbacks.callback import Callback
from deepnum.callbacks.monitoring import _monitor_op
from deepnum.utils.io import atomic_write


class ModelCheckpoint(Callback):
    """Save the model (or its weights) at the end of every epoch, or only when it improves.

    Args:
        filepath: file name, may contain a template such as ``"ckpt-{epoch:02d}-{val_loss:.2f}
            .keras"`` filled with the epoch (1-based) and the logs.
        monitor, mode: the log watched by ``save_best_only``.
        save_best_only: save only when ``monitor`` improves.
        save_weights_only: call ``save_weights`` instead of ``save``.
        save_freq: ``"epoch"`` (only value supported).
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
        if save_freq != "epoch":
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch', received {save_freq!r}.")
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.monitor_op = _monitor_op(mode, monitor)
        if initial_value_threshold is not None:
            self.best = initial_value_threshold
        else:
            self.best = math.inf if self.monitor_op is np.less else -math.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None or not self.monitor_op(value, self.best):
                return
            if self.verbose:
                print(
                    f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                    f"{value:.5f}, saving model to {path}"
                )
            self.best = value
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class BackupAndRestore(Callback):
    """Back up the training state each epoch so an interrupted ``fit`` resumes where it stopped.

    The backup holds the weights, the optimizer's variables, the epoch reached and the state of
    deepnum's random generator, written atomically with NumPy's ``.npz`` format (no pickle).
    A new ``fit`` with the same callback restores them and continues from the next epoch; with
    the same seed it ends with exactly the weights of an uninterrupted run. The backup is
    deleted when training finishes (unless ``delete_checkpoint=False``).

    Args:
        backup_dir: directory of the backup.
        save_freq: ``"epoch"`` (only value supported).
        delete_checkpoint: delete the backup at the end of a completed fit.
    """

    def __init__(
        self, backup_dir: str, save_freq: Any = "epoch", delete_checkpoint: bool = True
    ) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a non-empty path.")
        self.backup_dir, self.delete_checkpoint = os.fspath(backup_dir), delete_checkpoint
        self._path = os.path.join(self.backup_dir, "latest.npz")
        self._meta = os.path.join(self.backup_dir, "latest.json")

    def on_train_begin(self, logs=None):
        if not os.path.exists(self._meta):
            return
        from deepnum.backend import random as backend_random

        with open(self._meta) as f:
            meta = json.load(f)
        with np.load(self._path, allow_pickle=False) as data:
            self.model.set_weights([data[f"w{i}"] for i in range(meta["n_weights"])])
            optimizer = self.model.optimizer
            if meta["n_opt"]:
                if not optimizer.variables or len(optimizer.variables) != meta["n_opt"]:
                    optimizer.build(self.model.trainable_weights)
                for v, i in zip(optimizer.variables, range(meta["n_opt"])):
                    v.assign(data[f"o{i}"])
        backend_random.default_rng().bit_generator.state = meta["rng"]
        self.model._initial_epoch = max(self.model._initial_epoch, meta["epoch"] + 1)

    def on_epoch_end(self, epoch, logs=None):
        from deepnum.backend import default_rng

        os.makedirs(self.backup_dir, exist_ok=True)
        arrays = {f"w{i}": w for i, w in enumerate(self.model.get_weights())}
        opt_vars = list(getattr(self.model.optimizer, "variables", []) or [])
        arrays.update({f"o{i}": v.numpy() for i, v in enumerate(opt_vars)})
        with atomic_write(self._path, "wb") as f:
            np.savez(f, **arrays)
        meta = {
            "epoch": epoch,
            "n_weights": len(self.model.weights),
            "n_opt": len(opt_vars),
            "rng": default_rng().bit_generator.state,
        }
        with atomic_write(self._meta, "w") as f:
            json.dump(meta, f)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
