"""mnist, fashion_mnist and imdb on tiny hand-made files, against Keras's loaders on the same
files; digits on scikit-learn's real bundled data."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from deepnum.datasets import DatasetNotFoundError, digits, fashion_mnist, imdb, mnist, write_idx
from tests.conftest import reference


@pytest.fixture(scope="module")
def keras_datasets():
    reference("keras")
    from keras.src.datasets import fashion_mnist as k_fashion
    from keras.src.datasets import imdb as k_imdb
    from keras.src.datasets import mnist as k_mnist

    return {"mnist": k_mnist, "fashion_mnist": k_fashion, "imdb": k_imdb}


def tiny_images(n_train=6, n_test=4, seed=0):
    rng = np.random.default_rng(seed)
    x_train = rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, n_train).astype(np.uint8)
    y_test = rng.integers(0, 10, n_test).astype(np.uint8)
    return (x_train, y_train), (x_test, y_test)


def write_idx_set(folder, data, compress=True):
    (x_train, y_train), (x_test, y_test) = data
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    for name, array in (
        ("train-images-idx3-ubyte", x_train),
        ("train-labels-idx1-ubyte", y_train),
        ("t10k-images-idx3-ubyte", x_test),
        ("t10k-labels-idx1-ubyte", y_test),
    ):
        write_idx(folder / (name + suffix), array)
    return folder


def assert_same(got, expected):
    for (gx, gy), (ex, ey) in zip(got, expected):
        assert gx.dtype == ex.dtype and gy.dtype == ey.dtype
        np.testing.assert_array_equal(gx, ex)
        np.testing.assert_array_equal(gy, ey)


# -- mnist -----------------------------------------------------------------------------------------
def test_mnist_npz_in_cache_matches_keras(offline_cache, monkeypatch, keras_datasets):
    data = tiny_images()
    offline_cache.mkdir()
    (x_train, y_train), (x_test, y_test) = data
    path = offline_cache / "mnist.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    k_mnist = keras_datasets["mnist"]
    monkeypatch.setattr(k_mnist, "get_file", lambda **kwargs: str(path))
    assert_same(mnist.load_data(), k_mnist.load_data())
    assert_same(mnist.load_data(), data)
    assert_same(mnist.load_data(str(path)), data)


@pytest.mark.parametrize("compress", [True, False])
def test_mnist_from_idx_files_in_cache_or_system(offline_cache, tmp_path, compress):
    data = tiny_images(5, 3)
    write_idx_set(offline_cache / "mnist", data, compress)
    assert_same(mnist.load_data(), data)
    other = tiny_images(2, 2, seed=1)
    write_idx_set(tmp_path / "system" / "mnist", other, compress)
    assert_same(mnist.load_data(), data)  # the cache comes first
    for f in (offline_cache / "mnist").iterdir():
        f.unlink()
    assert_same(mnist.load_data(), other)


def test_mnist_idx_files_of_the_wrong_kind(offline_cache):
    folder = write_idx_set(offline_cache / "mnist", tiny_images(3, 2))
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros(3, np.uint8))  # a labels file
    with pytest.raises(ValueError, match="labels file"):
        mnist.load_data()
    write_idx_set(offline_cache / "mnist", tiny_images(3, 2))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match="expected 2 labels"):
        mnist.load_data()


# -- fashion_mnist ---------------------------------------------------------------------------------
def test_fashion_mnist_matches_keras(offline_cache, monkeypatch, keras_datasets):
    data = tiny_images(7, 3)
    folder = write_idx_set(offline_cache / "fashion-mnist", data)
    k_fashion = keras_datasets["fashion_mnist"]
    monkeypatch.setattr(k_fashion, "get_file", lambda fname, **kwargs: str(folder / fname))
    assert_same(fashion_mnist.load_data(), k_fashion.load_data())
    assert_same(fashion_mnist.load_data(), data)
    assert len(fashion_mnist.CLASS_NAMES) == 10


def test_fashion_mnist_debian_system_copy(tmp_path):
    # Debian's dataset-fashion-mnist installs the upstream *-ubyte.gz files here.
    data = tiny_images(4, 2)
    write_idx_set(tmp_path / "system" / "fashion-mnist", data, compress=True)
    assert_same(fashion_mnist.load_data(), data)


def test_fashion_mnist_uncompressed_cache_files(offline_cache):
    data = tiny_images(3, 3)
    write_idx_set(offline_cache / "fashion-mnist", data, compress=False)
    assert_same(fashion_mnist.load_data(), data)


def test_fashion_mnist_offline_error_lists_every_missing_file(offline_cache, tmp_path):
    folder = offline_cache / "fashion-mnist"
    write_idx_set(folder, tiny_images(2, 2))
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError) as error:
        fashion_mnist.load_data()
    message = str(error.value)
    assert "2 file(s)" in message
    assert str(folder / "t10k-images-idx3-ubyte.gz") in message
    assert str(folder / "train-labels-idx1-ubyte.gz") in message
    assert "train-images" not in message
    assert str(tmp_path / "system" / "fashion-mnist") in message  # where else it looked
    assert "'fashion-mnist'" in message and "DEEPNUM_DATA" in message


# -- imdb ------------------------------------------------------------------------------------------
def tiny_imdb(path, seed=0):
    rng = np.random.default_rng(seed)

    def reviews(n):
        out = np.empty(n, dtype=object)
        out[:] = [rng.integers(1, 30, rng.integers(1, 9)).tolist() for _ in range(n)]
        return out

    x_train, x_test = reviews(12), reviews(9)
    y_train, y_test = rng.integers(0, 2, 12), rng.integers(0, 2, 9)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"num_words": 10},
        {"num_words": 12, "skip_top": 5},
        {"maxlen": 7},
        {"maxlen": 7, "num_words": 15, "oov_char": None},
        {"start_char": None},
        {"start_char": None, "index_from": 0},
        {"index_from": 0, "skip_top": 2},
        {"seed": 1, "oov_char": 9, "num_words": 20},
    ],
)
def test_imdb_matches_keras(offline_cache, monkeypatch, keras_datasets, kwargs):
    offline_cache.mkdir()
    path = tiny_imdb(offline_cache / "imdb.npz")
    k_imdb = keras_datasets["imdb"]
    monkeypatch.setattr(k_imdb, "get_file", lambda **kw: str(path))
    (kx_train, ky_train), (kx_test, ky_test) = k_imdb.load_data(**kwargs)
    (x_train, y_train), (x_test, y_test) = imdb.load_data(**kwargs)
    assert x_train.dtype == object and x_train.shape == kx_train.shape
    assert [list(r) for r in x_train] == [list(r) for r in kx_train]
    assert [list(r) for r in x_test] == [list(r) for r in kx_test]
    np.testing.assert_array_equal(y_train, ky_train)
    np.testing.assert_array_equal(y_test, ky_test)


def test_imdb_maxlen_too_small(offline_cache):
    offline_cache.mkdir()
    tiny_imdb(offline_cache / "imdb.npz")
    with pytest.raises(ValueError, match="maxlen=1"):
        imdb.load_data(maxlen=1)


def test_imdb_refuses_pickled_code(offline_cache, tmp_path):
    from deepnum.saving import FileLoadError

    class Exploit:
        def __reduce__(self):
            return (sys.exit, ("pwned",))

    offline_cache.mkdir()
    payload = np.empty(1, dtype=object)
    payload[0] = Exploit()
    path = offline_cache / "imdb.npz"
    np.savez(path, x_train=payload, y_train=np.zeros(1), x_test=payload, y_test=np.zeros(1))
    with pytest.raises(
        FileLoadError, match=r"imdb\.npz \(member 'x_train\.npy'\): refusing to load sys\.exit"
    ):
        imdb.load_data()


def test_imdb_word_index(offline_cache):
    offline_cache.mkdir()
    (offline_cache / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 2}))
    assert imdb.get_word_index() == {"the": 1, "movie": 2}


def test_imdb_offline_errors(offline_cache):
    with pytest.raises(DatasetNotFoundError, match="imdb.npz"):
        imdb.load_data()
    with pytest.raises(DatasetNotFoundError, match="md5 bfafd718b763782e994055a2d397834f"):
        imdb.get_word_index()


# -- digits ----------------------------------------------------------------------------------------
def test_digits_are_scikit_learns_real_data():
    sklearn_datasets = reference("sklearn.datasets")
    bunch = sklearn_datasets.load_digits()
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    order = np.arange(1797)
    np.random.RandomState(113).shuffle(order)
    np.testing.assert_array_equal(np.concatenate([x_train, x_test]), bunch.images[order])
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), bunch.target[order])
    assert set(np.unique(y_train)) == set(range(10))


def test_digits_split_and_seed():
    (x_a, _), (x_test, _) = digits.load_data(test_split=0.5, seed=3)
    assert len(x_a) == 898 and len(x_test) == 899
    (x_b, _), _ = digits.load_data(test_split=0.5, seed=3)
    (x_c, _), _ = digits.load_data(test_split=0.5, seed=4)
    np.testing.assert_array_equal(x_a, x_b)
    assert not np.array_equal(x_a, x_c)
    (x_all, _), (x_none, _) = digits.load_data(test_split=0.0)
    assert len(x_all) == 1797 and len(x_none) == 0
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=1.0)


def test_digits_without_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import now fails
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        digits.load_data()
