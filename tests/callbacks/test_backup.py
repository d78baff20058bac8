"""BackupAndRestore: one atomic commit per backup. A process killed between any two of its
write steps resumes to weights bit-identical to an uninterrupted run; a damaged backup is
named in a warning and the last complete one is used; killed writers' temporaries are removed.
"""

from __future__ import annotations

import os
import shutil
import warnings

import numpy as np
import pytest

import deepnum as dn

SEED = 3
X = np.linspace(-1, 1, 48, dtype="float32").reshape(16, 3)
Y = (X.sum(axis=1, keepdims=True) > 0).astype("float32")
# The calls a backup write is made of (creating, writing, syncing, renaming, deleting files).
WRITE_STEPS = ("makedirs", "open", "fsync", "chmod", "replace", "rename", "unlink", "remove")


def train(callbacks, epochs=2):
    dn.utils.set_random_seed(SEED)
    model = dn.Sequential(
        [dn.Input((3,)), dn.layers.Dense(4, activation="tanh"), dn.layers.Dense(1)]
    )
    model.compile(optimizer=dn.optimizers.Adam(0.05), loss="mse")
    model.fit(X, Y, batch_size=8, epochs=epochs, callbacks=callbacks, verbose=0)
    return model


@pytest.fixture(scope="module")
def reference_weights():
    return train([]).get_weights()


def assert_bit_identical(model, weights):
    for a, b in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(a, b)


class WriteSteps:
    """Count the write steps on ``directory``; end the process abruptly at step ``die_at``."""

    def __init__(self, monkeypatch, directory: str, die_at: int | None = None) -> None:
        self.count, self.directory, self.die_at = 0, os.path.abspath(directory), die_at
        for name in WRITE_STEPS:
            monkeypatch.setattr(os, name, self._hook(getattr(os, name), name))

    def _hook(self, real, name):
        def step(*args, **kwargs):
            target = args[0] if args else None
            if name == "fsync" or (
                isinstance(target, (str, os.PathLike)) and self.directory in os.path.abspath(target)
            ):
                self.count += 1
                if self.count == self.die_at:
                    os._exit(137)  # like kill -9: no clean-up, no finally
            return real(*args, **kwargs)

        return step


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kills a forked process")
def test_death_between_any_two_write_steps_resumes_bit_identical(
    tmp_path, monkeypatch, reference_weights
):
    backup_dir = str(tmp_path / "backup")
    with monkeypatch.context() as m:
        counter = WriteSteps(m, backup_dir)
        train([dn.callbacks.BackupAndRestore(backup_dir)])
    total = counter.count
    assert total >= 12  # two epochs of backups, each several steps
    for die_at in range(1, total + 1):
        pid = os.fork()
        if pid == 0:  # the child trains and dies at write step `die_at`
            try:
                with monkeypatch.context() as m:
                    WriteSteps(m, backup_dir, die_at)
                    train([dn.callbacks.BackupAndRestore(backup_dir)])
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 137, f"the child did not die at {die_at}"
        resumed = train([dn.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False)])
        assert_bit_identical(resumed, reference_weights)
        left = sorted(os.listdir(backup_dir))
        assert left[-1] == "backup-00000002.npz", left  # resumed, or found training complete
        assert not [n for n in left if n.startswith(".tmp-")], left  # the dead writer's temp
        shutil.rmtree(backup_dir)


class Crash(dn.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2:
            raise KeyboardInterrupt("simulated crash in epoch 3")


def flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x40]) + data[offset + 1 :]


def interrupted(backup_dir, **kwargs):
    with pytest.raises(KeyboardInterrupt):
        train([dn.callbacks.BackupAndRestore(backup_dir, **kwargs), Crash()], epochs=3)
    return sorted(os.listdir(backup_dir))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: flip(data, len(data) // 2),  # one flipped byte in the arrays
        lambda data: b"",
    ],
    ids=["truncated", "flipped", "empty"],
)
def test_damaged_latest_backup_is_named_and_the_previous_is_used(tmp_path, damage):
    backup_dir = str(tmp_path / "backup")
    assert interrupted(backup_dir, double_checkpoint=True) == [
        "backup-00000001.npz",
        "backup-00000002.npz",
    ]
    latest = os.path.join(backup_dir, "backup-00000002.npz")
    with open(latest, "rb") as f:
        data = f.read()
    with open(latest, "wb") as f:
        f.write(damage(data))
    reference = train([], epochs=3).get_weights()
    with pytest.warns(UserWarning, match=r"cannot be restored: .*backup-00000002\.npz"):
        resumed = train([dn.callbacks.BackupAndRestore(backup_dir)], epochs=3)
    assert_bit_identical(resumed, reference)


def test_without_a_complete_backup_training_starts_over_with_a_warning(tmp_path):
    backup_dir = str(tmp_path / "backup")
    assert interrupted(backup_dir) == ["backup-00000002.npz"]
    with open(os.path.join(backup_dir, "backup-00000002.npz"), "r+b") as f:
        f.seek(200)
        f.write(b"\xff" * 8)
    reference = train([], epochs=3).get_weights()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resumed = train([dn.callbacks.BackupAndRestore(backup_dir)], epochs=3)
    messages = [str(w.message) for w in caught]
    assert any("backup-00000002.npz" in m and "damaged" in m for m in messages), messages
    assert any("starts from the beginning" in m for m in messages), messages
    assert_bit_identical(resumed, reference)


def test_backup_of_another_model_is_not_restored(tmp_path):
    backup_dir = str(tmp_path / "backup")
    interrupted(backup_dir)
    dn.utils.set_random_seed(SEED)
    other = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2), dn.layers.Dense(1)])
    other.compile(optimizer="adam", loss="mse")
    with pytest.warns(
        UserWarning, match=r"backup-00000002\.npz.*weight 'dense.*/kernel' has shape"
    ):
        other.fit(X, Y, epochs=1, verbose=0, callbacks=[dn.callbacks.BackupAndRestore(backup_dir)])


def test_backup_every_n_batches_and_bad_arguments(tmp_path):
    backup_dir = str(tmp_path / "backup")
    train([dn.callbacks.BackupAndRestore(backup_dir, save_freq=3, delete_checkpoint=False)])
    assert os.listdir(backup_dir) == ["backup-00000001.npz"]  # 4 batches: one backup
    for bad in (0, -1, 2.5, True, "batch"):
        with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive"):
            dn.callbacks.BackupAndRestore(backup_dir, save_freq=bad)
    with pytest.raises(ValueError, match="backup_dir must be a non-empty path"):
        dn.callbacks.BackupAndRestore("")


def test_signature_is_keras():
    import inspect

    from tests.conftest import reference

    keras = reference("keras")
    ours = inspect.signature(dn.callbacks.BackupAndRestore)
    theirs = inspect.signature(keras.callbacks.BackupAndRestore)
    assert list(ours.parameters) == list(theirs.parameters)
    assert [p.default for p in ours.parameters.values()] == [
        p.default for p in theirs.parameters.values()
    ]
