"""Every data set test runs offline, on a private cache folder and empty system folders."""

from __future__ import annotations

import urllib.error

import pytest

from deepnum.datasets import _cache, fashion_mnist, mnist


def _no_network(url):
    raise urllib.error.URLError("network disabled in tests")


@pytest.fixture(autouse=True)
def offline_cache(tmp_path, monkeypatch):
    """DEEPNUM_DATA -> tmp_path/cache, KERAS_HOME -> tmp_path/keras, system folders ->
    tmp_path/system, downloads fail."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("DEEPNUM_DATA", str(cache))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(_cache, "_open_url", _no_network)
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", [tmp_path / "system" / "fashion-mnist"])
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", [tmp_path / "system" / "mnist"])
    return cache


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """Keras's cache root for both deepnum (KERAS_HOME) and Keras (read once at its import)."""
    from tests.conftest import reference

    reference("keras")
    from keras.src.backend import config

    home = tmp_path / "keras"
    monkeypatch.setattr(config, "_KERAS_DIR", str(home))
    return home
