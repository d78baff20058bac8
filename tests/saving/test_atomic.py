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
