"""CSVLogger: one CSV row of logs per epoch (TensorBoard is in ``tensorboard.py``)."""

from __future__ import annotations

import csv
import os

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
