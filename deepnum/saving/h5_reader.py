"""Reading an HDF5 weights file safely: no links followed, no external or virtual data, no
dataset larger than the file can hold, a SHA-256 of the weights checked when the file has one,
and every failure a :class:`~deepnum.saving.errors.FileLoadError` naming the file, the member
and the dataset.

HDF5 stores no checksums, so a flipped byte in the weights would load silently. deepnum writes
``sha256(weights)`` as the root attribute ``deepnum_sha256`` (Keras ignores it) and checks it
when present; files without it (written by Keras) load as before. The digest covers every
dataset, in the order of their paths:

    sha256( Σ_path  path ∖0 dtype ∖0 shape ∖0 bytes )
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from deepnum.saving.errors import FileLoadError, reading

DIGEST_ATTR = "deepnum_sha256"
_COMPRESSED_FLOOR = 1 << 26  # bytes: a compressed dataset may declare this much whatever its size
_MAX_RATIO = 1100  # deflate cannot expand more than ~1032:1
_MAX_OBJECTS = 1 << 20  # groups + datasets walked when checking the digest


def h5py_module() -> Any:
    """Import h5py, or explain how to install it."""
    try:
        import h5py
    except ImportError as e:
        raise ImportError(
            "Saving and loading weights in Keras's HDF5 format needs h5py: "
            "pip install deepnum[h5] (or pip install h5py)."
        ) from e
    return h5py


def weights_digest(arrays: Mapping[str, np.ndarray]) -> str:
    """The SHA-256 (hex) of datasets given as ``{path: array}`` (see the module docstring).

    Example:
        >>> import numpy as np
        >>> len(weights_digest({"vars/0": np.zeros(3, "float32")}))
        64
    """
    h = hashlib.sha256()
    for path in sorted(arrays):
        a = np.asarray(arrays[path], order="C")
        h.update(f"{path}\0{a.dtype.str}\0{tuple(a.shape)}\0".encode())
        h.update(repr(a.tolist()).encode() if a.dtype.hasobject else a.reshape(-1).view(np.uint8))
    return h.hexdigest()


class H5Reader:
    """Checked access to the groups and datasets of one open ``h5py.File``.

    Args:
        h5file: the open file.
        source: the file's path (or name), named in every error.
        member: the archive member holding the HDF5 data (``model.weights.h5``), if any.
        size: bytes of the HDF5 data; no uncompressed dataset may declare more.
    """

    def __init__(
        self, h5file: Any, source: str, member: str | None = None, size: int | None = None
    ) -> None:
        self.file, self.source, self.member, self.size = h5file, source, member, size
        self._arrays: dict[str, np.ndarray] = {}

    # ---------------------------------------------------------------- errors
    def where(self, item: str | None = None) -> str | None:
        parts = [f"member '{self.member}'"] if self.member else []
        if item:
            parts.append(f"at '{item}'")
        return ", ".join(parts) or None

    def error(self, reason: str) -> FileLoadError:
        """A FileLoadError naming the file and member (``reason`` names the dataset)."""
        return FileLoadError(self.source, reason, self.where())

    def guard(self, item: str | None = None) -> Any:
        """A context that turns h5py's raw errors into a FileLoadError naming ``item``."""
        return reading(self.source, self.where(item))

    # ---------------------------------------------------------------- objects
    def _link(self, parent: Any, key: str, path: str) -> None:
        h5py = h5py_module()
        link = parent.get(key, default=None, getclass=True, getlink=True)
        if link in (h5py.SoftLink, h5py.ExternalLink):
            raise self.error(f"refusing the {link.__name__} at '{path}' in the HDF5 file.")

    def group(self, path: str, parent: Any = None) -> Any:
        """The group at ``path`` (under ``parent``, default the root), or None if absent."""
        h5py = h5py_module()
        with self.guard(path):
            current = self.file if parent is None else parent
            for part in [p for p in path.split("/") if p]:
                if part not in current:
                    return None
                self._link(current, part, path)
                current = current[part]
                if not isinstance(current, h5py.Group):
                    raise self.error(f"'{path}' should be an HDF5 group, found a dataset.")
            return current

    def dataset(self, group: Any, key: str, path: str) -> Any:
        """The dataset ``key`` of ``group`` (``path`` names it), checked to hold local data."""
        h5py = h5py_module()
        with self.guard(path):
            if key not in group:
                raise self.error(f"missing dataset '{path}'.")
            self._link(group, key, path)
            dataset = group[key]
            if not isinstance(dataset, h5py.Dataset):
                raise self.error(f"'{path}' should be an HDF5 dataset, found a group.")
            if dataset.external:
                raise self.error(f"refusing '{path}': it points to data in external files.")
            if dataset.is_virtual:
                raise self.error(f"refusing '{path}': it is a virtual dataset.")
            return dataset

    def read(self, dataset: Any, path: str) -> np.ndarray:
        """The values of ``dataset``, after checking the file can hold what it declares."""
        if path in self._arrays:
            return self._arrays[path]
        with self.guard(path):
            dtype = dataset.dtype
            if dtype.kind not in "biuf" or dtype.shape or dtype.names:
                raise self.error(f"'{path}' holds {dtype}, not numbers.")
            declared = int(np.prod(dataset.shape, dtype=object)) * dtype.itemsize
            self._check_size(dataset, declared, path)
            array = np.asarray(dataset[()])
        self._arrays[path] = array
        return array

    def _check_size(self, dataset: Any, declared: int, path: str) -> None:
        filters = dataset.id.get_create_plist().get_nfilters()
        stored = dataset.id.get_storage_size()
        limit = self.size
        if filters and limit is not None:
            limit = max(_COMPRESSED_FLOOR, _MAX_RATIO * limit)
        if limit is not None and declared > limit:
            raise self.error(
                f"refusing '{path}': it declares {declared} bytes of data but the file holds "
                f"only {self.size} bytes (damaged or hostile?)."
            )
        if declared > _COMPRESSED_FLOOR and declared > _MAX_RATIO * stored:
            raise self.error(
                f"refusing '{path}': it declares {declared} bytes but stores {stored} (a "
                "decompression bomb)."
            )

    # ---------------------------------------------------------------- integrity
    def datasets(self) -> dict[str, Any]:
        """Every dataset of the file by path (hard links only, each group once)."""
        h5py = h5py_module()
        out: dict[str, Any] = {}
        seen: set[int] = set()
        stack: list[tuple[str, Any]] = [("", self.file)]
        while stack:
            prefix, group = stack.pop()
            with self.guard(prefix or "/"):
                keys = list(group)
            for key in keys:
                path = f"{prefix}/{key}" if prefix else key
                with self.guard(path):
                    self._link(group, key, path)
                    obj = group[key]
                    if isinstance(obj, h5py.Dataset):
                        out[path] = self.dataset(group, key, path)
                    elif isinstance(obj, h5py.Group):
                        address = h5py.h5o.get_info(obj.id).addr
                        if address in seen:
                            raise self.error(f"the group '{path}' is linked twice.")
                        seen.add(address)
                        stack.append((path, obj))
                if len(out) + len(seen) > _MAX_OBJECTS:
                    raise self.error(f"more than {_MAX_OBJECTS} HDF5 objects.")
        return out

    def verify_digest(self) -> bool:
        """Check the weights against the stored SHA-256; False when the file has none."""
        with self.guard():
            if DIGEST_ATTR not in self.file.attrs:
                return False
            stored = self.file.attrs[DIGEST_ATTR]
        stored = stored.decode("ascii", "replace") if isinstance(stored, bytes) else str(stored)
        arrays = {path: self.read(d, path) for path, d in self.datasets().items()}
        if weights_digest(arrays) != stored:
            raise self.error(
                f"the weights do not match the SHA-256 stored with them ({DIGEST_ATTR}): the "
                "file is damaged."
            )
        return True


__all__ = ["DIGEST_ATTR", "H5Reader", "h5py_module", "weights_digest"]
