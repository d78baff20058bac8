"""get_file: Keras's cache layout and results (compared with keras.utils.get_file on the same
file:// origins), hashes, atomic downloads, safe extraction and the offline error."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import urllib.error
import zipfile

import pytest

from deepnum.datasets import DatasetNotFoundError, _cache
from deepnum.utils import get_file
from deepnum.utils.file_utils import extract_archive, hash_file, validate_file
from tests.conftest import reference


def keras_get_file():
    reference("keras")
    from keras.src.utils.file_utils import get_file as theirs

    return theirs


def tree(folder) -> dict[str, bytes]:
    """Every file under ``folder``: relative path -> content."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = open(path, "rb").read()
    return out


def make_tar(path, members: dict[str, bytes], mode="w:gz"):
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def make_zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def sources(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "data.txt").write_bytes(b"plain data")
    files = {"d/a.txt": b"alpha", "d/sub/b.txt": b"beta"}
    make_tar(src / "bundle.tar.gz", files)
    make_zip(src / "bundle.zip", files)
    return src


# (kwargs without origin/cache_dir, origin file name)
LAYOUTS = [
    ({}, "data.txt"),
    ({"fname": "renamed.txt"}, "data.txt"),
    ({"cache_subdir": "models"}, "data.txt"),
    ({"extract": True}, "bundle.tar.gz"),
    ({"fname": "bundle.tar.gz", "extract": True}, "bundle.tar.gz"),
    ({"fname": "bundle", "extract": True}, "bundle.tar.gz"),
    ({"fname": "z.zip", "extract": True}, "bundle.zip"),
    ({"fname": "z", "extract": True, "archive_format": "zip"}, "bundle.zip"),
    ({"fname": "t", "untar": True}, "bundle.tar.gz"),
    ({"fname": "x", "extract": True, "archive_format": None}, "bundle.tar.gz"),
]


@pytest.mark.parametrize("kwargs, name", LAYOUTS)
def test_layout_and_content_match_keras(tmp_path, sources, kwargs, name):
    theirs = keras_get_file()
    origin = "file://" + str(sources / name)
    ours_root, keras_root = tmp_path / "ours", tmp_path / "keras"
    ours_root.mkdir(), keras_root.mkdir()  # Keras falls back to /tmp/.keras for a missing one
    if kwargs.get("archive_format", "auto") is None:
        with pytest.warns(UserWarning):
            ours = get_file(origin=origin, cache_dir=str(ours_root), **kwargs)
        with pytest.warns(UserWarning):
            expected = theirs(origin=origin, cache_dir=str(keras_root), **kwargs)
    else:
        ours = get_file(origin=origin, cache_dir=str(ours_root), **kwargs)
        expected = theirs(origin=origin, cache_dir=str(keras_root), **kwargs)
    assert os.path.relpath(ours, ours_root) == os.path.relpath(expected, keras_root)
    assert tree(ours_root) == tree(keras_root)  # the same files, downloads and extractions


def test_default_cache_is_keras_home(tmp_path, sources, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    path = get_file(origin="file://" + str(sources / "data.txt"))
    assert path == str(tmp_path / "kh" / "datasets" / "data.txt")
    out = capsys.readouterr().out
    assert "Downloading data from file://" in out and "100%" in out  # the progress bar
    absolute = tmp_path / "elsewhere"
    path = get_file("f.txt", "file://" + str(sources / "data.txt"), cache_subdir=str(absolute))
    assert path == str(absolute / "f.txt")


@pytest.mark.parametrize("algorithm", ["sha256", "md5"])
def test_hashes_verify_downloads_and_cached_files(tmp_path, sources, algorithm):
    data = (sources / "data.txt").read_bytes()
    good = hashlib.new(algorithm, data).hexdigest()
    origin = "file://" + str(sources / "data.txt")
    path = get_file("f", origin, file_hash=good, cache_dir=str(tmp_path))
    assert open(path, "rb").read() == data
    assert hash_file(path, algorithm) == good and validate_file(path, good)
    with pytest.raises(ValueError, match=f"for .*datasets/g do not match file_hash.*{algorithm}"):
        get_file("g", origin, file_hash="0" * len(good), cache_dir=str(tmp_path))
    assert not (tmp_path / "datasets" / "g").exists()
    assert sorted(os.listdir(tmp_path / "datasets")) == ["f"]  # no partial file left
    # a cached file with the wrong hash is downloaded again
    (tmp_path / "datasets" / "f").write_bytes(b"stale")
    assert open(get_file("f", origin, file_hash=good, cache_dir=str(tmp_path)), "rb").read() == data


def test_explicit_algorithm_and_deprecated_md5_hash(tmp_path, sources):
    origin = "file://" + str(sources / "data.txt")
    md5 = hashlib.md5(b"plain data").hexdigest()
    assert get_file("a", origin, md5_hash=md5, cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match="md5"):
        get_file("b", origin, md5_hash="0" * 32, cache_dir=str(tmp_path))
    sha = hashlib.sha256(b"plain data").hexdigest()
    assert get_file("c", origin, file_hash=sha, hash_algorithm="sha256", cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match="hash_algorithm"):
        get_file("d", origin, file_hash=sha, hash_algorithm="sha1", cache_dir=str(tmp_path))


def test_cached_file_is_used_without_downloading(tmp_path):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "x.bin").write_bytes(b"cached")
    path = get_file("x.bin", "https://example.invalid/x.bin", cache_dir=str(tmp_path))
    assert open(path, "rb").read() == b"cached"


def test_force_download_replaces_the_file(tmp_path, sources):
    origin = "file://" + str(sources / "data.txt")
    path = get_file("f", origin, cache_dir=str(tmp_path))
    (sources / "data.txt").write_bytes(b"new")
    assert open(get_file("f", origin, cache_dir=str(tmp_path)), "rb").read() == b"plain data"
    get_file("f", origin, cache_dir=str(tmp_path), force_download=True)
    assert open(path, "rb").read() == b"new"


def test_offline_error_names_url_and_destination(tmp_path, monkeypatch):
    def no_network(url):
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(_cache, "_open_url", no_network)
    url = "https://example.invalid/data/big.npz"
    with pytest.raises(DatasetNotFoundError) as error:
        get_file(origin=url, file_hash="a" * 64, cache_dir=str(tmp_path))
    message = str(error.value)
    assert url in message and "network disabled" in message and "sha256 " + "a" * 64 in message
    assert str(tmp_path / "datasets" / "big.npz") in message
    assert os.listdir(tmp_path / "datasets") == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "origin"),
        ({"origin": "https://example.invalid/"}, "fname"),
        ({"origin": "https://x.invalid/a", "fname": "sub/a"}, "not a path"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        get_file(cache_dir=str(tmp_path), **kwargs)


def hostile_tar(path):
    with tarfile.open(path, "w") as tar:
        for name in ("ok/good.txt", "../escape.txt", "/abs.txt"):
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"hi"))
        for kind, name, target in (
            (tarfile.SYMTYPE, "ok/link", "/etc/passwd"),
            (tarfile.SYMTYPE, "ok/inner_link", "good.txt"),
            (tarfile.LNKTYPE, "ok/hard", "ok/good.txt"),
        ):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            tar.addfile(info)
        fifo = tarfile.TarInfo("ok/fifo")
        fifo.type = tarfile.FIFOTYPE
        tar.addfile(fifo)
    return path


def test_tar_members_that_escape_or_link_are_refused(tmp_path):
    archive = hostile_tar(tmp_path / "evil.tar")
    with pytest.warns(UserWarning) as record:
        assert extract_archive(archive, tmp_path / "out")
    refused = " ".join(str(w.message) for w in record)
    for name in ("../escape.txt", "/abs.txt", "ok/link", "ok/inner_link", "ok/hard", "ok/fifo"):
        assert repr(name) in refused
    assert tree(tmp_path / "out") == {"ok/good.txt": b"hi"}
    assert not (tmp_path / "escape.txt").exists()


def test_zip_members_that_escape_or_link_are_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok/good.txt", b"hi")
        zf.writestr("../escape.txt", b"no")
        link = zipfile.ZipInfo("ok/link")
        link.external_attr = 0o120777 << 16  # a symbolic link entry
        zf.writestr(link, "/etc/passwd")
    with pytest.warns(UserWarning, match="escape.txt|ok/link"):
        assert get_file("e.zip", "file://" + str(archive), extract=True, cache_dir=str(tmp_path))
    assert tree(tmp_path / "datasets" / "e_extracted") == {"ok/good.txt": b"hi"}
    assert not (tmp_path / "datasets" / "escape.txt").exists()


def test_a_failed_extraction_leaves_no_folder(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", {"x.txt": b"x" * 10_000})
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])  # truncated: a gzip error halfway
    with pytest.raises((tarfile.TarError, EOFError, OSError)):
        extract_archive(archive, tmp_path / "out", "tar")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["a.tar.gz"]


@pytest.mark.parametrize("algorithm", ["sha256", "md5", "auto"])
def test_hash_file_and_validate_file_match_keras(tmp_path, algorithm):
    reference("keras")
    from keras.src.utils import file_utils

    path = tmp_path / "f.bin"
    path.write_bytes(bytes(range(256)) * 1000)
    assert hash_file(path, algorithm) == file_utils.hash_file(str(path), algorithm)
    for good in (hashlib.sha256(path.read_bytes()).hexdigest(), hash_file(path, "md5")):
        assert validate_file(path, good, algorithm) == file_utils.validate_file(
            str(path), good, algorithm
        )
