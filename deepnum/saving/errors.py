"""The one error type for files that cannot be loaded, and the guard that turns the raw errors
of ``zipfile``, ``h5py``, ``json`` and NumPy into it.

Whatever is wrong with a file — truncated, byte-flipped, hostile, asking for more memory than
it can hold, or not matching the model — loading raises :class:`FileLoadError`, a
``ValueError`` whose message names the file, the member or dataset, and the cause. Errors about
reaching the file itself (``FileNotFoundError``, ``PermissionError``) pass through unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


class FileLoadError(ValueError):
    """A file (``.keras``, ``.weights.h5``, legacy ``.h5``, a backup, a data set) could not be
    loaded: it is damaged, truncated or hostile, or it does not fit the model.

    Args:
        path: the file.
        reason: what is wrong.
        where: the archive member and/or HDF5 dataset or group concerned, if any.

    Attributes:
        path, reason, where: as given.

    Example:
        >>> e = FileLoadError("m.keras", "the zip archive is truncated", "member 'config.json'")
        >>> str(e)
        "m.keras (member 'config.json'): the zip archive is truncated"
        >>> isinstance(e, ValueError)
        True
    """

    def __init__(self, path: Any, reason: str, where: str | None = None) -> None:
        self.path, self.reason, self.where = str(path), reason, where
        place = f"{self.path} ({where})" if where else self.path
        super().__init__(f"{place}: {reason}")

    def __reduce__(self) -> tuple:
        return type(self), (self.path, self.reason, self.where)


# Errors about reaching the file, not about its content: they keep their own type.
_ACCESS_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def describe(error: BaseException) -> str:
    """A short account of a raw error raised while parsing a file."""
    if isinstance(error, MemoryError):
        return (
            "reading it asks for more memory than this machine has, far more than such a file "
            "can hold (damaged or hostile?)"
        )
    if isinstance(error, RecursionError):
        return "its structure is nested too deeply (damaged or hostile?)"
    text = str(error) or repr(error)
    if isinstance(error, KeyError) and error.args:
        text = str(error.args[0])
    return f"damaged or truncated ({type(error).__name__}: {text})"


@contextlib.contextmanager
def reading(path: Any, where: str | None = None) -> Iterator[None]:
    """Run the body, turning any error about the file's content into a :class:`FileLoadError`.

    Args:
        path: the file being read, named in the error.
        where: the member/dataset being read, named in the error.

    Example:
        >>> import json
        >>> try:
        ...     with reading("c.json", "member 'config.json'"):
        ...         json.loads("{")
        ... except FileLoadError as e:
        ...     print(e.where)
        member 'config.json'
    """
    try:
        yield
    except (FileLoadError, *_ACCESS_ERRORS):
        raise
    except Exception as e:  # MemoryError and RecursionError included
        raise FileLoadError(path, describe(e), where) from e


__all__ = ["FileLoadError", "describe", "reading"]
