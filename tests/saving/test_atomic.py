"""A save that fails half way leaves the previous file byte-for-byte intact and no temporary
files behind: a get_config that raises, or a disk that fills up while writing."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference

reference("h5py")  # the weights are HDF5: fails under CI, skips elsewhere without it


class FullDisk:
    """A file object whose writes fail once ``budget`` bytes have been written."""

    def __init__(self, f, budget: int) -> None:
        self._f, self._budget = f, budget

    def write(self, data):
        if len(data) > self._budget:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._budget -= len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)


def model():
    return dn.Sequential([dn.Input((8,)), layers.Dense(64), layers.Dense(4)])


def leftovers(directory) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(".tmp-")]


@pytest.mark.parametrize(
    "name, save",
    [
        ("m.keras", lambda m, p: m.save(p)),
        ("m.weights.h5", lambda m, p: m.save_weights(p)),
    ],
)
def test_full_disk_keeps_previous_file(tmp_path, monkeypatch, name, save):
    path = tmp_path / name
    save(model(), path)
    before = path.read_bytes()
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: FullDisk(real_fdopen(fd, *a, **k), 1000))
    with pytest.raises(OSError, match="No space left"):
        save(model(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_failing_get_config_keeps_previous_file(tmp_path):
    class Broken(layers.Dense):
        def get_config(self):
            raise RuntimeError("get_config failed")

    path = tmp_path / "m.keras"
    model().save(path)
    before = path.read_bytes()
    broken = dn.Sequential([dn.Input((8,)), Broken(2)])
    with pytest.raises(RuntimeError, match="get_config failed"):
        broken.save(path)
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_unserializable_config_keeps_previous_file(tmp_path):
    class Odd(layers.Dense):
        def get_config(self):
            return {**super().get_config(), "extra": object()}

    path = tmp_path / "m.keras"
    model().save(path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="not JSON-serializable|cannot serialize"):
        dn.Sequential([dn.Input((8,)), Odd(2)]).save(path)
    assert path.read_bytes() == before


def test_checkpoint_failure_keeps_previous(tmp_path, monkeypatch):
    net = model()
    net.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 8), "float32"), np.zeros((4, 4), "float32")
    path = tmp_path / "best.keras"
    checkpoint = dn.callbacks.ModelCheckpoint(str(path), monitor="loss")
    net.fit(x, y, epochs=1, verbose=0, callbacks=[checkpoint])
    before = path.read_bytes()
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: FullDisk(real_fdopen(fd, *a, **k), 10))
    with pytest.raises(OSError):
        net.fit(x, y, epochs=1, verbose=0, callbacks=[checkpoint])
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- stale temporaries
def killed_writer(path, monkeypatch) -> int:
    """Fork a process that dies (like kill -9) in the middle of saving ``path``; its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            monkeypatch.setattr(os, "fsync", lambda fd: os._exit(137))
            model().save_weights(path) if str(path).endswith(".h5") else model().save(path)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 137
    return pid


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kills a forked writer")
@pytest.mark.parametrize("name", ["m.keras", "m.weights.h5"])
def test_next_save_removes_the_temporaries_of_killed_writers(tmp_path, monkeypatch, name):
    path = tmp_path / name
    for _ in range(2):
        killed_writer(path, monkeypatch)
    stale = leftovers(tmp_path)
    assert len(stale) == 2 and not path.exists()  # the kill left temporaries, no target
    others = [".tmp-notes.txt", f".tmp-1-00000000-0000abcd-{name}", f"x{stale[0]}"]
    for other in others:  # other patterns, another machine's writer, not a temporary
        (tmp_path / other).write_bytes(b"keep")
    model().save_weights(path) if name.endswith(".h5") else model().save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, *others])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a second live process")
def test_temporaries_of_live_writers_are_kept(tmp_path):
    from deepnum.saving.atomic import atomic_write

    path = tmp_path / "m.keras"
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a live writer, paused in the middle of its write
        try:
            with atomic_write(str(path), "wb") as f:
                f.write(b"partial")
                f.flush()
                os.write(ready_w, b"1")
                os.read(go_r, 1)
                raise SystemExit
        finally:
            os._exit(0)
    os.read(ready_r, 1)
    model().save(path)
    assert len(leftovers(tmp_path)) == 1  # the live writer's temporary is kept
    os.write(go_w, b"1")
    os.waitpid(pid, 0)
    assert leftovers(tmp_path) == []  # it cleaned up itself when it failed
