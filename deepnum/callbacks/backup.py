"""BackupAndRestore: back up the training state so that an interrupted ``fit`` resumes exactly.

A backup is ONE file, ``backup-<n>.npz`` (NumPy's format, no pickle): the weights, the
optimizer's variables, a JSON state (the epoch to resume at, deepnum's random generator) and
the SHA-256 of all of it. It is written aside and renamed into place, so it appears whole or
not at all: a process killed at any point leaves the previous backup as the latest complete
one. Only then are older backups deleted. On restore the newest backup is checked (checksum,
member sizes, the model's shapes); a damaged one is named in a warning and the previous one
(kept with ``double_checkpoint=True``) is used — else training starts from the beginning.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import warnings
from typing import Any

import numpy as np

from deepnum.callbacks.callback import Callback

_NAME = re.compile(r"^backup-(\d{8})\.npz$")
_FORMAT = 1


def _digest(arrays: dict[str, np.ndarray], state: bytes) -> str:
    """SHA-256 over the state and every array (name, dtype, shape and bytes), in name order."""
    h = hashlib.sha256(state)
    for name in sorted(arrays):
        a = np.asarray(arrays[name], order="C")
        h.update(f"\0{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.reshape(-1).view(np.uint8))
    return h.hexdigest()


class BackupAndRestore(Callback):
    """Back up the training state so that an interrupted ``fit`` resumes where it stopped.

    The backup holds the weights, the optimizer's variables, the epoch reached and the state of
    deepnum's random generator, in one file committed atomically (see the module docstring). A
    new ``fit`` with the same callback restores them and continues from the next epoch; with
    the same seed it ends with exactly the weights of an uninterrupted run. The backup is
    deleted when training finishes (unless ``delete_checkpoint=False``).

    Args:
        backup_dir: directory of the backup (used by this callback only).
        save_freq: ``"epoch"``, or an integer ``N``: back up every ``N`` batches (a resumed
            run then restarts the interrupted epoch, as in Keras).
        double_checkpoint: also keep the previous backup, used when the latest is damaged.
        delete_checkpoint: delete the backup at the end of a completed fit.

    Example:
        >>> import os, tempfile, numpy as np, deepnum as dn
        >>> model = dn.Sequential([dn.Input((2,)), dn.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> backup = BackupAndRestore(tempfile.mkdtemp(), delete_checkpoint=False)
        >>> x, y = np.ones((4, 2)), np.ones((4, 1))
        >>> _ = model.fit(x, y, epochs=2, callbacks=[backup], verbose=0)
        >>> sorted(os.listdir(backup.backup_dir))
        ['backup-00000002.npz']
    """

    def __init__(
        self,
        backup_dir: str,
        save_freq: Any = "epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a non-empty path.")
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1
        ):
            raise ValueError(
                "BackupAndRestore: save_freq must be 'epoch' or a positive number of batches, "
                f"received save_freq={save_freq!r}."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq, self.double_checkpoint = save_freq, bool(double_checkpoint)
        self.delete_checkpoint = delete_checkpoint
        self._current_epoch = 0
        self._batches_since_save = 0

    # ---------------------------------------------------------------- files
    def _backups(self) -> list[tuple[int, str]]:
        """(serial, path) of the backups on disk, newest first."""
        try:
            names = os.listdir(self.backup_dir)
        except OSError:
            return []
        found = [(int(m.group(1)), n) for n in names if (m := _NAME.match(n))]
        return [(s, os.path.join(self.backup_dir, n)) for s, n in sorted(found, reverse=True)]

    # ---------------------------------------------------------------- restore
    def on_train_begin(self, logs=None):
        self._current_epoch, self._batches_since_save = 0, 0
        backups = self._backups()
        for _, path in backups:
            try:
                arrays, state = self._read(path)
            except ValueError as e:  # FileLoadError: it names the file and the cause
                warnings.warn(
                    f"BackupAndRestore: skipping a backup that cannot be restored: {e}",
                    stacklevel=2,
                )
                continue
            self._restore(arrays, state)
            return
        if backups:
            warnings.warn(
                f"BackupAndRestore: no complete backup in {self.backup_dir!r}; training starts "
                "from the beginning.",
                stacklevel=2,
            )

    def _read(self, path: str) -> tuple[dict[str, np.ndarray], dict]:
        """The verified arrays and state of a backup, checked against the model's shapes."""
        from deepnum.backend import default_rng
        from deepnum.saving.errors import FileLoadError
        from deepnum.saving.npz import load_npz

        arrays = load_npz(path)
        raw_state, digest = arrays.pop("state", None), arrays.pop("sha256", None)
        if raw_state is None or digest is None:
            raise FileLoadError(path, "not a deepnum backup: it has no state or sha256 member.")
        state_bytes = raw_state.astype(np.uint8).tobytes()
        if _digest(arrays, state_bytes) != digest.astype(np.uint8).tobytes().decode("latin-1"):
            raise FileLoadError(path, "its content does not match its SHA-256: it is damaged.")
        try:
            state = json.loads(state_bytes.decode("utf-8"))
            epoch, n_weights, n_opt = state["epoch"], state["n_weights"], state["n_opt"]
            valid = state["format"] == _FORMAT and all(
                isinstance(v, int) and v >= 0 for v in (epoch, n_weights, n_opt)
            )
        except (ValueError, KeyError, TypeError) as e:
            raise FileLoadError(path, f"its state is not readable ({e}).") from None
        if not valid:
            raise FileLoadError(path, f"its state is not a backup of format {_FORMAT}.")
        try:  # on a scratch generator: a bad state must not touch deepnum's
            type(default_rng().bit_generator)().state = state.get("rng")
        except (ValueError, TypeError, KeyError) as e:
            raise FileLoadError(path, f"its random generator state is not valid ({e}).") from None
        self._check_shapes(path, arrays, n_weights, n_opt)
        return arrays, state

    def _check_shapes(self, path: str, arrays: dict, n_weights: int, n_opt: int) -> None:
        from deepnum.saving.errors import FileLoadError

        weights = self.model.weights
        expected = {f"w{i}": tuple(w.shape) for i, w in enumerate(weights)}
        if n_weights != len(weights) or set(arrays) != set(expected) | {
            f"o{i}" for i in range(n_opt)
        }:
            raise FileLoadError(
                path,
                f"it holds {n_weights} weights, the model has {len(weights)}: it is the backup "
                "of another model.",
            )
        for name, shape in expected.items():
            if tuple(arrays[name].shape) != shape:
                raise FileLoadError(
                    path,
                    f"weight {weights[int(name[1:])].path!r} has shape "
                    f"{tuple(arrays[name].shape)} in the backup, {shape} in the model.",
                )

    def _restore(self, arrays: dict[str, np.ndarray], state: dict) -> None:
        from deepnum.backend import default_rng

        n_opt = state["n_opt"]
        optimizer = self.model.optimizer
        if n_opt:
            if not optimizer.variables or len(optimizer.variables) != n_opt:
                optimizer.build(self.model.trainable_weights)
            if len(optimizer.variables) != n_opt:
                warnings.warn(
                    f"BackupAndRestore: the backup holds {n_opt} optimizer variables, the "
                    f"optimizer has {len(optimizer.variables)}; its state is not restored.",
                    stacklevel=3,
                )
                n_opt = 0
        self.model.set_weights([arrays[f"w{i}"] for i in range(state["n_weights"])])
        for i, variable in enumerate(optimizer.variables[:n_opt] if n_opt else []):
            variable.assign(arrays[f"o{i}"])
        default_rng().bit_generator.state = state["rng"]
        self.model._initial_epoch = max(self.model._initial_epoch, state["epoch"])

    # ---------------------------------------------------------------- back up
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch + 1)

    def _save(self, resume_epoch: int) -> None:
        """Commit a backup (one atomic rename), then delete the older ones."""
        from deepnum.backend import default_rng
        from deepnum.saving.atomic import atomic_write

        arrays = {f"w{i}": np.asarray(w) for i, w in enumerate(self.model.get_weights())}
        opt_vars = list(getattr(self.model.optimizer, "variables", []) or [])
        arrays.update({f"o{i}": np.asarray(v.numpy()) for i, v in enumerate(opt_vars)})
        state = {
            "format": _FORMAT,
            "epoch": int(resume_epoch),
            "n_weights": len(self.model.weights),
            "n_opt": len(opt_vars),
            "rng": default_rng().bit_generator.state,
        }
        state_bytes = json.dumps(state).encode()
        digest = _digest(arrays, state_bytes)
        older = self._backups()
        serial = (older[0][0] + 1) if older else 1
        path = os.path.join(self.backup_dir, f"backup-{serial:08d}.npz")
        buffer = io.BytesIO()
        np.savez(
            buffer,
            **arrays,
            state=np.frombuffer(state_bytes, np.uint8),
            sha256=np.frombuffer(digest.encode(), np.uint8),
        )
        with atomic_write(path, "wb") as f:
            f.write(buffer.getbuffer())
        for _, old in older[1 if self.double_checkpoint else 0 :]:
            try:
                os.unlink(old)
            except FileNotFoundError:
                pass

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
