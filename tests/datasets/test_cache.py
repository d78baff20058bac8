"""The cache folder, atomic verified downloads, and the offline error message."""

from __future__ import annotations

import hashlib
import io
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from deepnum.datasets import DatasetNotFoundError, _cache, data_dir, fashion_mnist, imdb, mnist


class FakeResponse(io.BytesIO):
    """What urlopen returns, optionally failing after the first chunk."""

    def __init__(self, data: bytes, fail_after: int | None = None):
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, size=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise urllib.error.URLError("connection reset")
        return super().read(self.fail_after or size)


def serve(monkeypatch, routes: dict[str, FakeResponse | Exception]) -> list[str]:
    """Replace the downloader: URL -> response (or raised error). Returns the URLs requested."""
    requested = []

    def open_url(url):
        requested.append(url)
        answer = routes.get(url, urllib.error.URLError("no route in test"))
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(_cache, "_open_url", open_url)
    return requested


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_data_dir_env_and_default(monkeypatch, tmp_path, offline_cache):
    assert data_dir() == offline_cache
    monkeypatch.delenv("DEEPNUM_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home" / ".deepnum" / "datasets"


def test_download_is_verified_and_atomic(monkeypatch, tmp_path):
    payload = b"x" * (3 << 20)  # several chunks
    serve(monkeypatch, {"https://a/f": FakeResponse(payload)})
    dest = tmp_path / "sub" / "f.bin"
    assert _cache.download("https://a/f", dest, sha256=sha256(payload)) == dest
    assert dest.read_bytes() == payload
    assert [p.name for p in dest.parent.iterdir()] == ["f.bin"]  # no temporary file left


def test_download_hash_mismatch_saves_nothing(monkeypatch, tmp_path):
    serve(monkeypatch, {"https://a/f": FakeResponse(b"tampered")})
    dest = tmp_path / "f.bin"
    with pytest.raises(ValueError, match=f"expected {'0' * 64}"):
        _cache.download("https://a/f", dest, sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_download_md5_and_interrupted_download(monkeypatch, tmp_path):
    serve(
        monkeypatch,
        {"https://a/ok": FakeResponse(b"{}"), "https://a/cut": FakeResponse(b"abcdef", 2)},
    )
    md5 = hashlib.md5(b"{}").hexdigest()
    assert _cache.download("https://a/ok", tmp_path / "ok.json", md5=md5).read_bytes() == b"{}"
    with pytest.raises(OSError, match="connection reset"):
        _cache.download("https://a/cut", tmp_path / "cut.bin")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.json"]


def test_download_replaces_an_existing_file_only_when_complete(monkeypatch, tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(b"old")
    serve(monkeypatch, {"https://a/f": FakeResponse(b"new data", 3)})
    with pytest.raises(OSError):
        _cache.download("https://a/f", dest)
    assert dest.read_bytes() == b"old"


def test_fetch_tries_mirrors_and_caches(monkeypatch, offline_cache):
    payload = b"mirror copy"
    remote = _cache.RemoteFile("f.bin", ("https://main/f", "https://mirror/f"), sha256(payload))
    requested = serve(
        monkeypatch,
        {"https://main/f": FakeResponse(b"bad copy"), "https://mirror/f": FakeResponse(payload)},
    )
    path = _cache.fetch(remote, subdir="things")
    assert path == offline_cache / "things" / "f.bin" and path.read_bytes() == payload
    assert requested == ["https://main/f", "https://mirror/f"]
    assert _cache.fetch(remote, subdir="things") == path  # now from the cache
    assert len(requested) == 2


def test_local_files_come_first(monkeypatch, tmp_path, offline_cache):
    requested = serve(monkeypatch, {})
    system = tmp_path / "usr-share"
    system.mkdir()
    (system / "f.raw").write_bytes(b"system copy")
    remote = _cache.RemoteFile("f.gz", ("https://x/f.gz",), "0" * 64, alternatives=("f.raw",))
    assert _cache.fetch(remote, system_dirs=[system]) == system / "f.raw"
    offline_cache.mkdir()
    (offline_cache / "f.gz").write_bytes(b"cached, not checked")  # user files are trusted
    assert _cache.fetch(remote, system_dirs=[system]) == offline_cache / "f.gz"
    assert requested == []


def test_offline_error_says_where_to_put_the_files(offline_cache):
    with pytest.raises(DatasetNotFoundError) as error:
        mnist.load_data()
    message = str(error.value)
    assert str(offline_cache / "mnist.npz") in message
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in message
    assert mnist.NPZ.sha256 in message
    assert "network disabled in tests" in message
    assert "DEEPNUM_DATA" in message
    assert isinstance(error.value, FileNotFoundError)
    assert not offline_cache.exists()  # a failed download leaves no folder or partial file


def test_mnist_downloads_verifies_and_reuses(monkeypatch, offline_cache, tmp_path):
    buffer = io.BytesIO()
    arrays = {"x_train": np.ones((2, 28, 28), np.uint8), "y_train": np.array([1, 2], np.uint8)}
    arrays |= {"x_test": np.zeros((1, 28, 28), np.uint8), "y_test": np.array([3], np.uint8)}
    np.savez(buffer, **arrays)
    data = buffer.getvalue()
    url = mnist.NPZ.urls[0]
    serve(monkeypatch, {url: FakeResponse(data)})
    with pytest.raises(DatasetNotFoundError, match="sha256"):  # our bytes are not the real file
        mnist.load_data()
    monkeypatch.setattr(mnist, "NPZ", _cache.RemoteFile("mnist.npz", (url,), sha256(data)))
    requested = serve(monkeypatch, {url: FakeResponse(data)})
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (2, 28, 28) and y_test.tolist() == [3]
    assert (offline_cache / "mnist.npz").read_bytes() == data
    mnist.load_data()
    assert requested == [url]
    absolute = tmp_path / "elsewhere" / "m.npz"
    serve(monkeypatch, {url: FakeResponse(data)})
    assert mnist.load_data(str(absolute))[0][0].shape == (2, 28, 28)
    assert Path(absolute).is_file()


@pytest.mark.parametrize(
    "load",
    [
        lambda: mnist.load_data(download=False),
        lambda: fashion_mnist.load_data(download=False),
        lambda: imdb.load_data(download=False),
        lambda: imdb.get_word_index(download=False),
    ],
)
def test_download_false_only_looks_locally(monkeypatch, offline_cache, load):
    requested = serve(monkeypatch, {})
    with pytest.raises(DatasetNotFoundError, match="download=False") as error:
        load()
    assert requested == []
    assert str(offline_cache) in str(error.value)
