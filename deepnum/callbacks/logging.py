"""Callbacks that write logs: CSVLogger and TensorBoard (through tensorboardX)."""

from __future__ import annotations

import csv
import os
from typing import Any

import numpy as np

from deepnum.callbacks.callback import Callback


class CSVLogger(Callback):
    """Write one CSV row per epoch: ``epoch`` then every log, keys sorted.

    Args:
        filename: the CSV file.
        separator: the column separator.
        append: append to an existing file instead of overwriting it.
    """

    def __init__(self, filename: str, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys: list[str] | None = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename)
        self._file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self._writer = None
        self._header_written = bool(exists)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self._writer is None:
            self._writer = csv.DictWriter(
                self._file, fieldnames=["epoch"] + self.keys, delimiter=self.sep
            )
            if not self._header_written:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        self._file.flush()

    def on_train_end(self, logs=None):
        self._file.close()


class TensorBoard(Callback):
    """Write scalars (and weight histograms) for TensorBoard, with ``tensorboardX``.

    Training logs go to ``log_dir/train`` and validation logs (``val_*``) to
    ``log_dir/validation`` under the same tag, like Keras (``epoch_loss``, ``epoch_accuracy``).

    Args:
        log_dir: directory of the event files.
        histogram_freq: every this many epochs, write a histogram of every weight (0: never).
        update_freq: ``"epoch"`` or an int: also write batch-level scalars every N batches.
    """

    def __init__(
        self,
        log_dir: str = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        update_freq: Any = "epoch",
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.log_dir, self.histogram_freq, self.update_freq = (
            os.fspath(log_dir),
            histogram_freq,
            update_freq,
        )
        self._writers: dict[str, Any] = {}
        self._step = 0

    def _writer(self, name: str) -> Any:
        if name not in self._writers:
            try:
                from tensorboardX import SummaryWriter
            except ImportError as e:
                raise ImportError(
                    "The TensorBoard callback needs tensorboardX: pip install deepnum[tensorboard]."
                ) from e
            self._writers[name] = SummaryWriter(os.path.join(self.log_dir, name))
        return self._writers[name]

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if isinstance(self.update_freq, int) and self._step % self.update_freq == 0:
            for k, v in (logs or {}).items():
                self._writer("train").add_scalar(f"batch_{k}", v, self._step)

    def on_epoch_end(self, epoch, logs=None):
        for k, v in (logs or {}).items():
            if k.startswith("val_"):
                self._writer("validation").add_scalar(f"epoch_{k[4:]}", v, epoch)
            else:
                self._writer("train").add_scalar(f"epoch_{k}", v, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for w in self.model.weights:
                self._writer("train").add_histogram(w.path, np.asarray(w.numpy()), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
