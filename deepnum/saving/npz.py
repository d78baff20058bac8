"""NumPy ``.npz`` archives of numeric arrays, read without trusting them: no pickle, and no
array allocated before its member is known to hold all of its bytes.

``np.load`` allocates the shape an ``.npy`` header declares before reading the data, so a
1 KB member declaring ``shape=(10**12,)`` asks for terabytes. Here the header is read first
and the declared size compared with the bytes the member stores (the archive's central
directory); a member that cannot hold its array is refused with a ``FileLoadError``.
"""

from __future__ import annotations

import zipfile
from typing import IO, Any

import numpy as np

from deepnum.saving.errors import FileLoadError, reading

_RATIO_FLOOR = 1 << 20  # bytes: a member declaring more must not expand more than _MAX_RATIO
_MAX_RATIO = 200  # real archives (MNIST, IMDB, backups) expand less than 10:1


def npy_header(stream: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype]:
    """``(shape, fortran_order, dtype)`` of the ``.npy`` data at ``stream``, which is left at
    the first byte of the array data."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    return np.lib.format.read_array_header_2_0(stream)  # 2.0 and 3.0 share the layout


def array_bytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    """Bytes of an array of ``shape`` and ``dtype``, as an exact Python int."""
    return int(np.prod(shape, dtype=object)) * dtype.itemsize


def check_member(info: zipfile.ZipInfo, source: str) -> None:
    """Refuse a member that declares far more bytes than it stores (a decompression bomb)."""
    if info.file_size > _RATIO_FLOOR and info.file_size > _MAX_RATIO * info.compress_size:
        raise FileLoadError(
            source,
            f"refusing archive member {info.filename!r}: it declares {info.file_size} bytes "
            f"but stores {info.compress_size} (a decompression bomb).",
        )


def read_npy(stream: IO[bytes], size: int, source: str, where: str) -> np.ndarray:
    """The numeric array of an ``.npy`` member of ``size`` bytes, checked before allocation.

    Raises:
        FileLoadError: an object (pickled) array, or a header declaring more or fewer bytes
            than the member holds.
    """
    with reading(source, where):
        shape, fortran, dtype = npy_header(stream)
        if dtype.hasobject:
            raise FileLoadError(source, "it holds Python objects (pickled data).", where)
        needed, held = array_bytes(shape, dtype), size - stream.tell()
        if needed != held:
            raise FileLoadError(
                source,
                f"its header declares an array of shape {tuple(shape)} and dtype {dtype} "
                f"({needed} bytes), but the member holds {held} bytes of data.",
                where,
            )
        data = stream.read(needed)
        if len(data) != needed:
            raise FileLoadError(source, "the array data is truncated.", where)
        array = np.frombuffer(data, dtype=dtype)
        return array.reshape(shape, order="F" if fortran else "C").copy()


def load_npz(path: Any) -> dict[str, np.ndarray]:
    """Every array of a ``.npz`` archive of numeric arrays, read safely.

    Args:
        path: the archive (a path or a binary file object).

    Returns:
        Member name (without ``.npy``) -> array.

    Raises:
        FileLoadError: naming the file and the member for any damage, a decompression bomb, a
            pickled (object) array, or an array its member cannot hold.

    Example:
        >>> import io, numpy as np
        >>> buffer = io.BytesIO()
        >>> np.savez(buffer, a=np.arange(3))
        >>> load_npz(buffer)["a"].tolist()
        [0, 1, 2]
    """
    source = str(getattr(path, "name", path))
    with reading(source):
        archive = zipfile.ZipFile(path)
    arrays = {}
    with archive:
        with reading(source):
            infos = archive.infolist()
        for info in infos:
            check_member(info, source)
            if not info.filename.endswith(".npy"):
                continue
            where = f"member '{info.filename}'"
            with reading(source, where), archive.open(info) as stream:
                arrays[info.filename[: -len(".npy")]] = read_npy(
                    stream, info.file_size, source, where
                )
    return arrays


__all__ = ["array_bytes", "check_member", "load_npz", "npy_header", "read_npy"]
