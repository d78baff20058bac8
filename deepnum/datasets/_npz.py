"""Reading ``.npz`` archives whose ragged arrays are stored as NumPy object arrays (IMDB).

NumPy can only store an object array as a pickle stream, and ``np.load(allow_pickle=True)`` would
run any code a tampered file carries. Here numeric arrays are read with pickling disabled, and
object arrays with an unpickler that resolves nothing but the three globals NumPy needs to
rebuild an array of Python lists; anything else is refused.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from typing import Any

import numpy as np

_ARRAY_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),  # files written by NumPy 1.x
        ("numpy._core.multiarray", "_reconstruct"),  # files written by NumPy 2.x
    }
)


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ARRAY_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name}: a data set file may only contain NumPy arrays. "
            "The file is corrupted or was tampered with; delete it and download it again."
        )


def _read_npy(stream: io.BytesIO) -> np.ndarray:
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        _, _, dtype = np.lib.format.read_array_header_1_0(stream)
    else:  # 2.0 and 3.0 share the header layout (3.0 only allows UTF-8 field names)
        _, _, dtype = np.lib.format.read_array_header_2_0(stream)
    stream.seek(0)
    if not dtype.hasobject:
        return np.lib.format.read_array(stream, allow_pickle=False)
    np.lib.format.read_magic(stream)
    reader = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    reader(stream)
    return _ArrayOnlyUnpickler(stream).load()


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` archive, refusing pickled code.

    Args:
        path: the archive.

    Returns:
        A dict from member name (without ``.npy``) to array.

    Raises:
        pickle.UnpicklingError: an object array refers to anything but NumPy's array globals.
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                arrays[member[: -len(".npy")]] = _read_npy(io.BytesIO(archive.read(member)))
    return arrays
