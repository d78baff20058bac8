"""Atomic writes for model files, weights and backups, and the clean-up of temporaries left by
writers that were killed.

A file is written under a temporary name in its own directory, flushed to disk, then renamed
over the target, so readers see the old file or the complete new one, never a part. The
temporary's name, ``.tmp-<pid>-<host>-<random>-<name>``, records which process on which machine
writes it: after each successful write, the temporaries of the same target whose writer has
ended (same machine, process gone) are removed. Temporaries of live processes, of other
machines and files of other patterns are never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import socket
from collections.abc import Iterator
from typing import IO

_PREFIX = ".tmp-"


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _pattern(name: str) -> re.Pattern:
    return re.compile(rf"^\.tmp-(\d+)-([0-9a-f]{{8}})-[0-9a-f]{{8}}-{re.escape(name)}$")


def _file_mode(path: str) -> int:
    """The existing file's permissions, else 0666 minus the process umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_directory(directory: str) -> None:
    """Make the rename durable (POSIX; directories cannot be opened on Windows)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _process_ended(pid: int) -> bool:
    """True when no process ``pid`` exists on this machine (never guessed on Windows, where
    ``os.kill(pid, 0)`` would signal the process)."""
    if os.name == "nt" or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it exists, owned by someone else
        return False
    return False


def stale_temporaries(path: str) -> list[str]:
    """The temporaries of ``path`` left by ended writers of this machine.

    Example:
        >>> import os, tempfile
        >>> d = tempfile.mkdtemp()
        >>> stale_temporaries(os.path.join(d, "m.keras"))
        []
    """
    directory = os.path.dirname(os.path.abspath(path)) or "."
    pattern, host = _pattern(os.path.basename(path)), _host_tag()
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    out = []
    for name in names:
        match = pattern.match(name) if name.startswith(_PREFIX) else None
        if match and match.group(2) == host and _process_ended(int(match.group(1))):
            out.append(os.path.join(directory, name))
    return sorted(out)


def remove_stale_temporaries(path: str) -> int:
    """Remove the temporaries of ``path`` left by ended writers; return how many."""
    removed = 0
    for tmp in stale_temporaries(path):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.unlink(tmp)
            removed += 1
    return removed


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Write ``path`` so that readers see either the old file or the complete new one.

    If the body raises (or the disk fills up), the temporary file is removed and the previous
    file stays byte-for-byte intact. After a successful write, the temporaries that killed
    writers left beside ``path`` are removed (see the module docstring).

    Args:
        path: the target file.
        mode: ``"wb"`` or ``"w"``.

    Example:
        >>> import os, tempfile
        >>> p = os.path.join(tempfile.mkdtemp(), "x.txt")
        >>> with atomic_write(p, "w") as f:
        ...     _ = f.write("hello")
        >>> open(p).read(), os.listdir(os.path.dirname(p))
        ('hello', ['x.txt'])
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    name = f"{_PREFIX}{os.getpid()}-{_host_tag()}-{secrets.token_hex(4)}-{os.path.basename(path)}"
    tmp = os.path.join(directory, name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_directory(directory)
    remove_stale_temporaries(path)


__all__ = ["atomic_write", "remove_stale_temporaries", "stale_temporaries"]
