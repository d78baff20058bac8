"""The IDX reader on hand-built files: every type code, raw and gzip, and broken headers."""

from __future__ import annotations

import gzip
import io
import struct

import numpy as np
import pytest

from deepnum.datasets import IDXFormatError, read_idx, write_idx


def idx_bytes(type_code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    """An IDX file built by hand: magic 0x0000<type><ndim>, big-endian sizes, then the data."""
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


@pytest.mark.parametrize(
    "type_code, fmt, dtype",
    [
        (0x08, "B", np.uint8),
        (0x09, "b", np.int8),
        (0x0B, "h", np.int16),
        (0x0C, "i", np.int32),
        (0x0D, "f", np.float32),
        (0x0E, "d", np.float64),
    ],
)
@pytest.mark.parametrize("compressed", [False, True])
def test_read_every_type_raw_and_gzip(tmp_path, type_code, fmt, dtype, compressed):
    values = [0, 1, 2, 100, 127, 5] if fmt in "Bb" else [-3, 0, 7, 1000, -250, 12]
    if fmt in "fd":
        values = [v + 0.25 for v in values]
    raw = idx_bytes(type_code, (2, 3), struct.pack(f">{len(values)}{fmt}", *values))
    path = tmp_path / ("data.gz" if compressed else "data")
    path.write_bytes(gzip.compress(raw) if compressed else raw)
    array = read_idx(path)
    assert array.dtype == np.dtype(dtype) and array.dtype.isnative
    assert array.shape == (2, 3)
    np.testing.assert_array_equal(array, np.array(values, dtype=dtype).reshape(2, 3))


def test_read_mnist_like_files_and_file_objects(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    raw = idx_bytes(0x08, (2, 28, 28), images.tobytes())
    assert raw[:4] == b"\x00\x00\x08\x03"  # the magic number of train-images-idx3-ubyte
    np.testing.assert_array_equal(read_idx(io.BytesIO(raw)), images)
    np.testing.assert_array_equal(read_idx(io.BytesIO(gzip.compress(raw))), images)
    labels = idx_bytes(0x08, (4,), bytes([7, 2, 1, 0]))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(labels)
    assert read_idx(str(tmp_path / "t10k-labels-idx1-ubyte")).tolist() == [7, 2, 1, 0]


CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D}
CODES[np.float64] = 0x0E


@pytest.mark.parametrize(
    "dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64, ">f4", "<i4"]
)
@pytest.mark.parametrize("name", ["x-idx3", "x-idx3.gz"])
def test_write_idx_round_trip_and_matches_hand_built(tmp_path, dtype, name):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = write_idx(tmp_path / name, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype).newbyteorder("=")
    np.testing.assert_array_equal(back, array)
    data = path.read_bytes()
    assert (data[:2] == b"\x1f\x8b") == name.endswith(".gz")
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    code = CODES[np.dtype(dtype).newbyteorder("=").type]
    assert data == idx_bytes(
        code, (2, 3, 4), array.astype(np.dtype(dtype).newbyteorder(">")).tobytes()
    )


@pytest.mark.parametrize(
    "data, match",
    [
        (b"", "too short"),
        (b"\x00\x00", "too short"),
        (b"\x12\x34\x08\x01" + struct.pack(">I", 1) + b"\x00", "bad magic number 0x12340801"),
        (b"PK\x03\x04" + b"\x00" * 8, "bad magic number"),  # e.g. a zip (npz) file
        (idx_bytes(0x0A, (1,), b"\x00"), "unknown IDX type code 0x0A"),
        (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "3 dimensions.*16-byte header"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (idx_bytes(0x08, (2, 3), b"\x00" * 5), r"needs 6 data bytes.*has 5"),
        (idx_bytes(0x0C, (2,), b"\x00" * 12), r"needs 8 data bytes.*has 12"),
    ],
)
def test_bad_files_raise_clear_errors(data, match):
    with pytest.raises(IDXFormatError, match=match):
        read_idx(io.BytesIO(data))
    assert issubclass(IDXFormatError, ValueError)


def test_damaged_gzip(tmp_path):
    good = gzip.compress(idx_bytes(0x08, (100,), bytes(100)))
    path = tmp_path / "cut.gz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(IDXFormatError, match="damaged gzip"):
        read_idx(path)


def test_write_idx_rejects_unsupported_arrays(tmp_path):
    with pytest.raises(ValueError, match="int64"):
        write_idx(tmp_path / "x", np.arange(3))
    with pytest.raises(ValueError, match="dimensions"):
        write_idx(tmp_path / "x", np.array(3, dtype=np.uint8))
