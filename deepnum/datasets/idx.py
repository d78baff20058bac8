"""A standalone reader (and writer) for the IDX format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number, one 4-byte big-endian size per dimension, then the data
in C order, big-endian::

    magic = 0x00 0x00 <type code> <number of dimensions>
    type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64

``train-images-idx3-ubyte`` is ``0x00000803`` (uint8, 3 dimensions: n, 28, 28) and the labels
file ``0x00000801``. Files may be gzip-compressed (``*.gz``); the reader looks at the content, not
the name.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
"""IDX type code -> big-endian NumPy dtype."""

_GZIP_MAGIC = b"\x1f\x8b"


class IDXFormatError(ValueError):
    """The bytes are not a valid IDX file (bad magic number, unknown type, wrong size)."""


def read_idx(source: str | os.PathLike | BinaryIO) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a NumPy array in native byte order.

    Args:
        source: a path, or a binary file object positioned at the start of the file.

    Returns:
        An array with the file's shape and dtype (e.g. ``(60000, 28, 28)`` uint8).

    Raises:
        IDXFormatError: the magic number, type code, dimensions or data size are invalid; the
            message says what was found and what was expected.

    Example:
        >>> import io
        >>> raw = bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9])
        >>> read_idx(io.BytesIO(raw))
        array([7, 8, 9], dtype=uint8)
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            data = f.read()
        name = str(source)
    else:
        data = source.read()
        name = getattr(source, "name", "<file object>")
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise IDXFormatError(
                f"{name}: a damaged gzip file ({error}); download it again."
            ) from error
    return parse_idx(data, name)


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse the uncompressed bytes of an IDX file (see :func:`read_idx`)."""
    if len(data) < 4:
        raise IDXFormatError(
            f"{name}: {len(data)} bytes is too short for an IDX file (a 4-byte magic number, "
            "then the dimensions); the file is empty or truncated."
        )
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise IDXFormatError(
            f"{name}: bad magic number 0x{data[:4].hex()}: an IDX file starts with two zero "
            "bytes (e.g. 0x00000803 for images, 0x00000801 for labels). Is this an IDX file?"
        )
    if type_code not in IDX_DTYPES:
        known = ", ".join(f"0x{code:02X} {dt.name}" for code, dt in IDX_DTYPES.items())
        raise IDXFormatError(
            f"{name}: unknown IDX type code 0x{type_code:02X} in magic number "
            f"0x{data[:4].hex()}; expected one of {known}."
        )
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise IDXFormatError(
            f"{name}: the magic number announces {ndim} dimensions, which needs a "
            f"{header}-byte header, but the file has {len(data)} bytes."
        )
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise IDXFormatError(
            f"{name}: shape {shape} of {dtype.name} needs {expected} data bytes after the "
            f"header, but the file has {len(data) - header}; it is truncated or not this shape."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file (gzip-compressed if ``compress``, default: name ends .gz).

    Args:
        path: the output file.
        array: an array of one of the IDX dtypes (uint8, int8, int16, int32, float32, float64).
        compress: gzip the file; ``None`` decides from the ``.gz`` suffix.

    Returns:
        The path written.

    Example:
        >>> import tempfile
        >>> p = write_idx(tempfile.mkdtemp() + "/x-idx1-ubyte.gz", np.arange(3, dtype=np.uint8))
        >>> read_idx(p)
        array([0, 1, 2], dtype=uint8)
    """
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise ValueError(
            f"write_idx: IDX stores uint8, int8, int16, int32, float32 or float64, received "
            f"dtype {array.dtype}; convert with array.astype(...) first."
        )
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"write_idx: needs 1 to 255 dimensions, received shape {array.shape}.")
    header = struct.pack(">HBB", 0, codes[native], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + np.ascontiguousarray(array, dtype=IDX_DTYPES[codes[native]]).tobytes()
    path = Path(path)
    if compress is None:
        compress = path.suffix == ".gz"
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path
