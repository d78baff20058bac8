"""Extracting downloaded ``.tar`` / ``.tar.gz`` / ``.tar.bz2`` / ``.zip`` archives safely and
atomically.

An archive from the network may hold members that escape the target folder (``../../x``, an
absolute path), links that point anywhere, or device files. Such members are refused: they are
skipped with a warning that names each of them, and the rest is extracted (as Keras's
``get_file`` does). The archive is unpacked into a temporary folder beside the target, which is
renamed into place only once everything is written, so a failed or interrupted extraction never
leaves a half-filled folder behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tarfile
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

ARCHIVE_FORMATS = ("tar", "zip")


def _inside(base: str, name: str) -> bool:
    """True when ``base / name`` resolves to a path inside ``base`` (and not ``base`` itself
    reached through ``..``)."""
    if os.path.isabs(name) or name.startswith(("/", "\\")):
        return False
    target = os.path.realpath(os.path.join(base, name))
    return os.path.commonpath([target, base]) == base


def _safe_tar_members(archive: tarfile.TarFile, base: str, source: str) -> Iterator:
    for member in archive:
        if member.issym() or member.islnk():
            reason = f"a link to {member.linkname!r}"
        elif not (member.isfile() or member.isdir()):
            reason = "not a regular file or folder"
        elif not _inside(base, member.name):
            reason = "a path outside the extraction folder"
        else:
            yield member
            continue
        _refuse(source, member.name, reason)


def _safe_zip_members(archive: zipfile.ZipFile, base: str, source: str) -> Iterator:
    for info in archive.infolist():
        if stat.S_ISLNK(info.external_attr >> 16):
            _refuse(source, info.filename, "a symbolic link")
        elif not _inside(base, info.filename):
            _refuse(source, info.filename, "a path outside the extraction folder")
        else:
            yield info


def _refuse(source: str, name: str, reason: str) -> None:
    warnings.warn(
        f"extract_archive: skipped member {name!r} of {source}: {reason}. Archives may only "
        "hold regular files and folders inside the extraction folder.",
        stacklevel=4,
    )


def _formats(archive_format: str | Iterable[str] | None) -> list[str]:
    if archive_format is None:
        return []
    if archive_format == "auto":
        return list(ARCHIVE_FORMATS)
    formats = [archive_format] if isinstance(archive_format, str) else list(archive_format)
    for name in formats:
        if name not in ARCHIVE_FORMATS:
            raise ValueError(
                f'extract_archive: archive_format must be "auto", "tar", "zip", None or a list '
                f"of them, received {archive_format!r}."
            )
    return formats


def _unpack(path: str, kind: str, folder: str) -> None:
    if kind == "tar":
        with tarfile.open(path) as archive:
            members = _safe_tar_members(archive, folder, path)
            if sys.version_info >= (3, 12) or hasattr(tarfile, "data_filter"):
                archive.extractall(folder, members=members, filter="data")
            else:  # pragma: no cover - Python < 3.11.4 has no extraction filters
                archive.extractall(folder, members=members)
    else:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder, members=list(_safe_zip_members(archive, folder, path)))


def extract_archive(
    file_path: str | os.PathLike, path: str | os.PathLike = ".", archive_format: str = "auto"
) -> bool:
    """Extract a tar or zip archive into the folder ``path``, refusing unsafe members.

    Args:
        file_path: the archive.
        path: the folder to create (replaced as a whole when the extraction succeeds).
        archive_format: ``"auto"`` (tar, then zip), ``"tar"`` (also ``.tar.gz`` / ``.tar.bz2``),
            ``"zip"``, a list of these, or ``None`` (extract nothing).

    Returns:
        ``True`` when ``file_path`` was an archive of one of the formats and was extracted,
        ``False`` otherwise (nothing is written).

    Example:
        >>> import io, tarfile, tempfile, os
        >>> d = tempfile.mkdtemp()
        >>> with tarfile.open(os.path.join(d, "a.tar"), "w") as t:
        ...     info = tarfile.TarInfo("hello.txt"); info.size = 2
        ...     t.addfile(info, io.BytesIO(b"hi"))
        >>> extract_archive(os.path.join(d, "a.tar"), os.path.join(d, "out"))
        True
        >>> open(os.path.join(d, "out", "hello.txt")).read()
        'hi'
    """
    file_path, path = os.fspath(file_path), os.path.abspath(os.fspath(path))
    for kind in _formats(archive_format):
        is_kind = tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile
        if not is_kind(file_path):
            continue
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", dir=parent)
        try:
            _unpack(file_path, kind, os.path.realpath(staging))
            _replace_folder(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return True
    return False


def _replace_folder(new: str, target: str) -> None:
    """Move the folder ``new`` to ``target``, replacing an older ``target`` as a whole."""
    os.chmod(new, 0o777 & ~_umask())  # mkdtemp makes 0700; give the usual permissions
    old = None
    if os.path.lexists(target):
        old = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.old.", dir=Path(target).parent)
        os.rmdir(old)
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        with contextlib.suppress(OSError):
            shutil.rmtree(old) if os.path.isdir(old) else os.unlink(old)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
