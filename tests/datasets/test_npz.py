"""Hostile data set archives: a 1 KB file may not make deepnum allocate terabytes, run code or
expand without bound; each is refused with a FileLoadError naming the file and the member."""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np
import pytest

from deepnum.datasets import imdb, mnist
from deepnum.datasets._npz import load_npz
from deepnum.saving import FileLoadError

_reconstruct = np._core.multiarray._reconstruct  # what NumPy's pickles of arrays call


def npy(header: dict, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + payload


def object_npy(reduce_value) -> bytes:
    class Hostile:
        def __reduce__(self):
            return reduce_value

    header = {"descr": "|O", "fortran_order": False, "shape": (1,)}
    return npy(header, pickle.dumps(Hostile(), protocol=3))


def archive(path, members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> str:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


HUGE = (10**12,)
CASES = {
    "numeric header asks for 8 TB": (
        npy({"descr": "<f8", "fortran_order": False, "shape": HUGE}, b"\0" * 8),
        r"member 'x_train\.npy'\): its header declares an array of shape \(1000000000000,\)",
    ),
    "pickle rebuilds a 1 TB array": (
        object_npy((_reconstruct, (np.ndarray, HUGE, b"b"))),
        r"refusing to rebuild .* of shape \(1000000000000,\)",
    ),
    "pickled state declares 10^12 objects": (
        object_npy((_reconstruct, (np.ndarray, (0,), b"b"), (1, HUGE, np.dtype("O"), False, [1]))),
        r"needs 1000000000000 values, the pickle holds 1",
    ),
    "pickle runs code": (
        object_npy((__import__("os").system, ("echo pwned",))),
        r"refusing to load posix\.system",
    ),
    "data shorter than the header": (
        npy({"descr": "<i4", "fortran_order": False, "shape": (4,)}, b"\0" * 8),
        r"\(16 bytes\), but the member holds 8 bytes",
    ),
    "not an npy member": (b"garbage", r"member 'x_train\.npy'\): damaged or truncated"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_members_are_refused_before_allocating(tmp_path, name):
    data, message = CASES[name]
    path = archive(tmp_path / "imdb.npz", {"x_train.npy": data})
    with pytest.raises(FileLoadError, match=message) as error:
        load_npz(path)
    assert error.value.path == path


def test_a_decompression_bomb_is_refused(tmp_path):
    zeros = npy({"descr": "|u1", "fortran_order": False, "shape": (8 << 20,)}, bytes(8 << 20))
    path = archive(tmp_path / "bomb.npz", {"x_train.npy": zeros}, zipfile.ZIP_DEFLATED)
    with pytest.raises(FileLoadError, match=r"bomb\.npz: .*a decompression bomb"):
        load_npz(path)


def test_truncated_archive_and_good_ragged_arrays(tmp_path):
    reviews = np.empty(3, dtype=object)
    reviews[:] = [[1, 14, 22], [1, 5], [1, 7, 8, 9]]
    good = tmp_path / "good.npz"
    np.savez_compressed(good, x_train=reviews, y_train=np.array([0, 1, 1]))
    arrays = load_npz(good)
    assert [list(r) for r in arrays["x_train"]] == [[1, 14, 22], [1, 5], [1, 7, 8, 9]]
    np.testing.assert_array_equal(arrays["y_train"], [0, 1, 1])
    bad = tmp_path / "bad.npz"
    bad.write_bytes(good.read_bytes()[:100])
    with pytest.raises(FileLoadError, match=r"bad\.npz: damaged or truncated"):
        load_npz(bad)


def test_loaders_refuse_hostile_files_in_the_cache(tmp_path):
    hostile = npy({"descr": "<u1", "fortran_order": False, "shape": (10**6, 10**6)}, b"\0")
    path = archive(tmp_path / "mnist.npz", {"x_train.npy": hostile})
    with pytest.raises(FileLoadError, match=r"mnist\.npz \(member 'x_train\.npy'\)"):
        mnist.load_data(path=path)
    path = archive(tmp_path / "imdb.npz", {"x_train.npy": CASES["pickle rebuilds a 1 TB array"][0]})
    with pytest.raises(FileLoadError, match=r"imdb\.npz \(member 'x_train\.npy'\)"):
        imdb.load_data(path=path, download=False)
    path = archive(
        tmp_path / "other.npz",
        {"x_train.npy": npy({"descr": "<u1", "fortran_order": False, "shape": (1,)}, b"\0")},
    )
    with pytest.raises(
        FileLoadError, match=r"not an MNIST archive: it has no x_test, y_test, y_train"
    ):
        mnist.load_data(path=path)
