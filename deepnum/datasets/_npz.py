"""Reading ``.npz`` data set archives (MNIST, IMDB) without trusting them.

Numeric arrays go through ``deepnum.saving.npz``: the ``.npy`` header is compared with the
bytes its member stores before anything is allocated. NumPy can only store an object array
(IMDB's ragged reviews) as a pickle stream, and ``np.load(allow_pickle=True)`` would run any
code a tampered file carries; here it is read by an unpickler that resolves nothing but the
globals NumPy needs to rebuild an array of Python lists, and that checks every array it
rebuilds against the data the stream really holds (a 1 KB pickle may not ask for terabytes).
Every failure is a ``deepnum.saving.FileLoadError`` naming the file, the member and the cause.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from typing import IO, Any

import numpy as np

_RECONSTRUCT = frozenset(
    {
        ("numpy.core.multiarray", "_reconstruct"),  # files written by NumPy 1.x
        ("numpy._core.multiarray", "_reconstruct"),  # files written by NumPy 2.x
    }
)


class _CheckedArray(np.ndarray):
    """The ndarray class an unpickled array is rebuilt as: its state must hold its data."""

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise pickle.UnpicklingError(f"an array state of {type(state).__name__} is invalid")
        shape, dtype, data = state[-4], np.dtype(state[-3]), state[-1]
        if not isinstance(shape, tuple) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise pickle.UnpicklingError(f"an array of shape {shape!r} is invalid")
        count = int(np.prod(shape, dtype=object))
        kind = list if dtype.hasobject else bytes
        held = len(data) if isinstance(data, kind) else -1
        needed = count if dtype.hasobject else count * dtype.itemsize
        if held != needed:
            raise pickle.UnpicklingError(
                f"an array of shape {shape} and dtype {dtype} needs {needed} "
                f"{'values' if dtype.hasobject else 'bytes'}, the pickle holds {max(held, 0)}"
            )
        super().__setstate__(state)


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Resolves only NumPy's array globals; rebuilt arrays are checked (see _CheckedArray)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _RECONSTRUCT:
            return _reconstruct
        if (module, name) == ("numpy", "ndarray"):
            return _CheckedArray
        if (module, name) == ("numpy", "dtype"):
            return np.dtype
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name}: a data set file may only contain NumPy arrays. "
            "The file is corrupted or was tampered with; delete it and download it again."
        )


def _reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    """NumPy's ``_reconstruct`` (an empty array filled by ``__setstate__``), refusing any
    other class and any initial size: NumPy always writes an empty one."""
    if subtype is not _CheckedArray or tuple(np.atleast_1d(shape)) != (0,):
        raise pickle.UnpicklingError(f"refusing to rebuild {subtype!r} of shape {shape!r}")
    return np.ndarray.__new__(_CheckedArray, (0,), dtype)


def _read_object_array(stream: IO[bytes], shape: tuple, source: str, where: str) -> np.ndarray:
    from deepnum.saving.errors import FileLoadError

    try:
        array = _ArrayOnlyUnpickler(stream).load()
    except pickle.UnpicklingError as e:
        raise FileLoadError(source, str(e).rstrip(".") + ".", where) from None
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise FileLoadError(
            source,
            f"the pickled array does not have the shape {tuple(shape)} of its header.",
            where,
        )
    return array.view(np.ndarray)


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` archive, refusing pickled code and sizes the file cannot
    hold.

    Args:
        path: the archive.

    Returns:
        A dict from member name (without ``.npy``) to array.

    Raises:
        deepnum.saving.FileLoadError: naming the file and the member: damage, a decompression
            bomb, a pickle that refers to anything but NumPy's array globals, or an array that
            declares more data than its member holds.
    """
    from deepnum.saving.errors import reading
    from deepnum.saving.npz import check_member, npy_header, read_npy

    source = os.fspath(path)
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
                shape, _, dtype = npy_header(stream)
                if dtype.hasobject:
                    array = _read_object_array(stream, shape, source, where)
                else:
                    stream.seek(0)
                    array = read_npy(stream, info.file_size, source, where)
            arrays[info.filename[: -len(".npy")]] = array
    return arrays
