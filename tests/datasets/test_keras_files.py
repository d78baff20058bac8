"""cifar10, cifar100, reuters, boston_housing, california_housing and imdb on tiny files in
Keras's on-disk formats and cache layout (KERAS_HOME/datasets), against Keras's own loaders on
the same files. Nothing is downloaded."""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest

from deepnum.datasets import (
    DatasetNotFoundError,
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    imdb,
    reuters,
)
from deepnum.datasets.cifar import load_batch
from deepnum.saving import FileLoadError


class Py2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 ``str`` opcodes (BINSTRING), as the CIFAR files were written."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def pickled(obj, py2=True) -> bytes:
    buffer = io.BytesIO()
    (Py2Pickler(buffer, protocol=2) if py2 else pickle.Pickler(buffer, protocol=4)).dump(obj)
    return buffer.getvalue()


def batch_dict(rng, n, label_keys=("labels",), classes=10):
    d = {b"batch_label": b"tiny batch", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8)}
    for key in label_keys:
        d[key.encode()] = rng.integers(0, classes, n).tolist()
    d[b"filenames"] = [f"img_{i}.png".encode() for i in range(n)]
    return d


def tarball(path, folder, members: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def sha256(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def without_hash(module, monkeypatch):
    """Keras's loader with its get_file told not to check the real data set's hash."""
    from keras.src.utils.file_utils import get_file

    def unchecked(*args, **kwargs):
        kwargs.pop("file_hash", None)
        return get_file(*args, **kwargs)

    monkeypatch.setattr(module, "get_file", unchecked)


# -- CIFAR -----------------------------------------------------------------------------------------
def tiny_cifar10(datasets, seed=0, py2=True):
    rng = np.random.default_rng(seed)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    dicts = {name: batch_dict(rng, 3 if name != "test_batch" else 4) for name in names}
    datasets.mkdir(parents=True, exist_ok=True)
    members = {name: pickled(d, py2) for name, d in dicts.items()}
    archive = datasets / "cifar-10-batches-py-target_archive"
    tarball(archive, "cifar-10-batches-py", members)
    return dicts, archive


@pytest.mark.parametrize("py2", [True, False])
def test_cifar10_from_keras_cache(keras_home, monkeypatch, py2):
    dicts, archive = tiny_cifar10(keras_home / "datasets", py2=py2)
    monkeypatch.setattr(cifar10, "SHA256", sha256(archive))
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    train = [dicts[f"data_batch_{i}"] for i in range(1, 6)]
    expected = np.concatenate([d[b"data"] for d in train]).reshape(-1, 3, 32, 32)
    np.testing.assert_array_equal(x_train, expected.transpose(0, 2, 3, 1))
    assert x_train.dtype == y_train.dtype == np.uint8 and y_train.shape == (15, 1)
    assert y_train[:, 0].tolist() == sum((d[b"labels"] for d in train), [])
    test = dicts["test_batch"]
    np.testing.assert_array_equal(x_test, test[b"data"].reshape(4, 3, 32, 32).transpose(0, 2, 3, 1))
    assert y_test.shape == (4, 1) and y_test.dtype == np.uint8
    assert (keras_home / "datasets" / "cifar-10-batches-py-target").is_dir()


def test_cifar_batches_match_keras_load_batch(keras_home, tmp_path):
    from keras.src.datasets.cifar import load_batch as keras_load_batch

    rng = np.random.default_rng(1)
    for py2 in (True, False):
        for key in ("labels", "fine_labels", "coarse_labels"):
            path = tmp_path / f"batch_{py2}"
            path.write_bytes(
                pickled(batch_dict(rng, 5, ("fine_labels", "coarse_labels", "labels")), py2)
            )
            x, y = load_batch(path, key)
            kx, ky = keras_load_batch(str(path), key)
            np.testing.assert_array_equal(x, kx)
            assert x.dtype == kx.dtype and list(y) == list(ky)


def test_cifar10_channels_first(keras_home, monkeypatch):
    import deepnum

    dicts, archive = tiny_cifar10(keras_home / "datasets")
    monkeypatch.setattr(cifar10, "SHA256", sha256(archive))
    deepnum.config.set_image_data_format("channels_first")
    try:
        (x_train, _), _ = cifar10.load_data()
    finally:
        deepnum.config.set_image_data_format("channels_last")
    np.testing.assert_array_equal(x_train[:3], dicts["data_batch_1"][b"data"].reshape(3, 3, 32, 32))


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_matches_keras(keras_home, monkeypatch, label_mode):
    from keras.src.datasets import cifar100 as k_cifar100

    rng = np.random.default_rng(2)
    keys = ("fine_labels", "coarse_labels")
    members = {
        "train": pickled(batch_dict(rng, 6, keys, 100)),
        "test": pickled(batch_dict(rng, 2, keys, 100)),
    }
    (keras_home / "datasets").mkdir(parents=True)
    archive = tarball(
        keras_home / "datasets" / "cifar-100-python-target_archive", "cifar-100-python", members
    )
    monkeypatch.setattr(cifar100, "SHA256", sha256(archive))
    without_hash(k_cifar100, monkeypatch)
    ours, theirs = cifar100.load_data(label_mode), k_cifar100.load_data(label_mode)
    for (x, y), (kx, ky) in zip(ours, theirs):
        np.testing.assert_array_equal(x, kx)
        np.testing.assert_array_equal(y, ky)
        assert x.dtype == kx.dtype and y.dtype == ky.dtype and y.shape == ky.shape
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data("medium")


def hostile_batch(reduce_value) -> bytes:
    class Hostile:
        def __reduce__(self):
            return reduce_value

    return pickle.dumps({b"data": Hostile(), b"labels": [0]}, protocol=4)


_reconstruct = np._core.multiarray._reconstruct


@pytest.mark.parametrize(
    "payload, message",
    [
        (hostile_batch((os.system, ("echo pwned",))), r"refusing to load posix\.system"),
        (
            hostile_batch(
                (
                    _reconstruct,
                    (np.ndarray, (0,), b"b"),
                    (1, (10**6, 3072), np.dtype("u1"), False, b"x"),
                )
            ),
            r"needs 3072000000 bytes, the pickle holds 1",
        ),
        (pickle.dumps([1, 2]), "not a CIFAR batch file: it holds a list"),
        (
            pickle.dumps({b"data": np.zeros((2, 5), np.uint8), b"labels": [0, 1]}),
            r"shape \(n, 3072\)",
        ),
        (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}), "2 labels"),
        (b"\x80\x04garbage", "pickle"),
    ],
)
def test_cifar_batch_refuses_hostile_or_broken_files(tmp_path, payload, message):
    path = tmp_path / "data_batch_1"
    path.write_bytes(payload)
    with pytest.raises(FileLoadError, match=message) as error:
        load_batch(path)
    assert str(path) in str(error.value)


def test_cifar10_offline_names_url_and_path(keras_home):
    with pytest.raises(DatasetNotFoundError) as error:
        cifar10.load_data()
    message = str(error.value)
    assert cifar10.ORIGIN in message and cifar10.SHA256 in message
    assert str(keras_home / "datasets" / "cifar-10-batches-py-target_archive") in message


def test_cifar10_cached_file_with_wrong_hash_is_fetched_again(keras_home):
    tiny_cifar10(keras_home / "datasets")  # the real SHA-256 does not match the tiny archive
    with pytest.raises(DatasetNotFoundError, match="could not download") as error:
        cifar10.load_data()
    archive = keras_home / "datasets" / "cifar-10-batches-py-target_archive"
    assert f"The file at {archive} does not match file_hash {cifar10.SHA256}" in str(error.value)


# -- Reuters ---------------------------------------------------------------------------------------
def tiny_reuters(path, seed=0, n=15):
    rng = np.random.default_rng(seed)
    x = np.empty(n, dtype=object)
    x[:] = [rng.integers(1, 40, rng.integers(1, 10)).tolist() for _ in range(n)]
    np.savez(path, x=x, y=rng.integers(0, 46, n))
    return path


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"num_words": 12},
        {"num_words": 20, "skip_top": 4, "oov_char": 9},
        {"maxlen": 6},
        {"maxlen": 8, "oov_char": None, "num_words": 15},
        {"start_char": None},
        {"start_char": None, "index_from": 0},
        {"test_split": 0.5, "seed": 7},
        {"test_split": 0.0},
    ],
)
def test_reuters_matches_keras(keras_home, monkeypatch, kwargs):
    from keras.src.datasets import reuters as k_reuters

    (keras_home / "datasets").mkdir(parents=True)
    path = tiny_reuters(keras_home / "datasets" / "reuters.npz")
    monkeypatch.setattr(reuters, "NPZ_SHA256", sha256(path))
    without_hash(k_reuters, monkeypatch)
    ours, theirs = reuters.load_data(**kwargs), k_reuters.load_data(**kwargs)
    for (x, y), (kx, ky) in zip(ours, theirs):
        assert x.dtype == object and x.ndim == 1
        assert [list(r) for r in x] == [list(r) for r in kx]
        np.testing.assert_array_equal(y, ky)


def test_reuters_word_index_and_labels(keras_home, monkeypatch):
    from keras.src.datasets import reuters as k_reuters

    (keras_home / "datasets").mkdir(parents=True)
    path = keras_home / "datasets" / "reuters_word_index.json"
    path.write_text(json.dumps({"said": 1, "the": 2}))
    monkeypatch.setattr(reuters, "WORD_INDEX_MD5", hashlib.md5(path.read_bytes()).hexdigest())
    assert reuters.get_word_index() == {"said": 1, "the": 2}
    assert reuters.get_label_names() == k_reuters.get_label_names()


def test_reuters_maxlen_too_small(keras_home, monkeypatch):
    (keras_home / "datasets").mkdir(parents=True)
    path = tiny_reuters(keras_home / "datasets" / "reuters.npz")
    monkeypatch.setattr(reuters, "NPZ_SHA256", sha256(path))
    with pytest.raises(ValueError, match="maxlen=1"):
        reuters.load_data(maxlen=1)


# -- housing ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "module, name, features, kwargs",
    [
        (boston_housing, "boston_housing", 13, {}),
        (boston_housing, "boston_housing", 13, {"test_split": 0.5, "seed": 3}),
        (boston_housing, "boston_housing", 13, {"test_split": 0.0}),
        (california_housing, "california_housing", 8, {}),
        (california_housing, "california_housing", 8, {"version": "small", "seed": 1}),
        (california_housing, "california_housing", 8, {"test_split": 0.33}),
    ],
)
def test_housing_matches_keras(keras_home, monkeypatch, module, name, features, kwargs):
    import importlib

    k_module = importlib.import_module(f"keras.src.datasets.{name}")
    rng = np.random.default_rng(0)
    n = 620 if name == "california_housing" else 31
    (keras_home / "datasets").mkdir(parents=True)
    path = keras_home / "datasets" / f"{name}.npz"
    np.savez(path, x=rng.normal(size=(n, features)), y=rng.uniform(1, 50, n))
    monkeypatch.setattr(module, "SHA256", sha256(path))
    without_hash(k_module, monkeypatch)
    for (x, y), (kx, ky) in zip(module.load_data(**kwargs), k_module.load_data(**kwargs)):
        np.testing.assert_array_equal(x, kx)
        np.testing.assert_array_equal(y, ky)
        assert x.dtype == kx.dtype


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: boston_housing.load_data(test_split=1.0), "test_split"),
        (lambda: california_housing.load_data(test_split=-0.1), "test_split"),
        (lambda: california_housing.load_data(version="tiny"), "version"),
    ],
)
def test_housing_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- imdb from Keras's cache -----------------------------------------------------------------------
def test_imdb_uses_the_file_keras_downloaded(keras_home, offline_cache):
    from tests.datasets.test_loaders import tiny_imdb

    (keras_home / "datasets").mkdir(parents=True)
    tiny_imdb(keras_home / "datasets" / "imdb.npz")
    (keras_home / "datasets" / "imdb_word_index.json").write_text('{"the": 1}')
    (x_train, _), (x_test, _) = imdb.load_data()
    assert len(x_train) == 12 and len(x_test) == 9
    assert imdb.get_word_index() == {"the": 1}
    assert not offline_cache.exists()


# -- signatures ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "module, function",
    [
        (cifar10, "load_data"),
        (cifar100, "load_data"),
        (reuters, "load_data"),
        (reuters, "get_word_index"),
        (reuters, "get_label_names"),
        (boston_housing, "load_data"),
        (california_housing, "load_data"),
        (imdb, "load_data"),
        (imdb, "get_word_index"),
    ],
)
def test_signatures_are_keras(module, function):
    import importlib

    from tests.conftest import reference

    reference("keras")
    name = module.__name__.rsplit(".", 1)[1]
    theirs = inspect.signature(getattr(importlib.import_module(f"keras.datasets.{name}"), function))
    ours = inspect.signature(getattr(module, function))
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD,)
    keras_params = [(p.name, p.default) for p in theirs.parameters.values() if p.kind in named]
    our_params = [(p.name, p.default) for p in ours.parameters.values() if p.kind in named]
    assert our_params == keras_params
    var_keyword = inspect.Parameter.VAR_KEYWORD
    assert any(p.kind is var_keyword for p in theirs.parameters.values()) == any(
        p.kind is var_keyword for p in ours.parameters.values()
    )
    extra = [p for p in ours.parameters.values() if p.name not in theirs.parameters]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extra)
