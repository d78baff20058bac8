"""``get_file``: Keras's download cache (``~/.keras/datasets``), on the verified atomic
downloads of :mod:`deepnum.datasets._cache` and the safe extraction of
:mod:`deepnum.datasets._archive`.

The code lives beside the data set loaders, which use it, and is exported as
``deepnum.utils.get_file`` (the data layer does not import from ``deepnum.utils``).
"""

from __future__ import annotations

import os
import tempfile
import urllib.parse
import warnings
from pathlib import Path

from deepnum.datasets._archive import extract_archive
from deepnum.datasets._cache import (
    DatasetNotFoundError,
    download,
    file_digest,
    keras_home,
)
from deepnum.datasets._cache import hash_algorithm as choose_algorithm


def hash_file(fpath: str | os.PathLike, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """The SHA-256 (or MD5) hex digest of a file.

    Args:
        fpath: the file.
        algorithm: ``"sha256"``, ``"md5"`` or ``"auto"`` (with no hash to look at, MD5, as
            Keras's ``hash_file``).
        chunk_size: accepted for Keras's signature; the file is read in 1 MiB chunks.

    Returns:
        The hex digest.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "empty")
        >>> open(p, "wb").close()
        >>> hash_file(p)[:16]
        'e3b0c44298fc1c14'
    """
    return file_digest(Path(fpath), choose_algorithm(None, algorithm))


def validate_file(
    fpath: str | os.PathLike, file_hash: str, algorithm: str = "auto", chunk_size: int = 65535
) -> bool:
    """Whether a file has the hash ``file_hash`` (SHA-256 or MD5, see ``hash_algorithm``).

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "empty")
        >>> open(p, "wb").close()
        >>> validate_file(p, "d41d8cd98f00b204e9800998ecf8427e")
        True
    """
    return file_digest(Path(fpath), choose_algorithm(file_hash, algorithm)) == str(file_hash)


def cache_folder(cache_dir: str | os.PathLike | None, cache_subdir: str) -> str:
    """Keras's cache folder: ``cache_dir`` (default ``$KERAS_HOME`` or ``~/.keras``), or
    ``/tmp/.keras`` when that is not writable, joined with ``cache_subdir`` (created)."""
    base = os.path.expanduser(os.fspath(cache_dir if cache_dir is not None else keras_home()))
    probe = base if os.path.exists(base) else os.path.dirname(os.path.abspath(base))
    if not os.access(probe, os.W_OK):
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    folder = os.path.join(base, cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def _targets(fname: str | None, origin: str, folder: str, extract: bool) -> tuple[str, str]:
    """Keras's layout: the path the download is saved at, and the extraction folder."""
    provided = fname is not None and os.fspath(fname) != ""
    name = os.fspath(fname) if provided else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name:
        raise ValueError(
            f"get_file: cannot take a file name from origin={origin!r}; pass fname as well."
        )
    if provided and os.sep in name:
        raise ValueError(
            "get_file: fname must be a file name, not a path; give the parent folder as "
            f"cache_dir (or an absolute cache_subdir). Received fname={name!r}."
        )
    if not extract:
        return os.path.join(folder, name), ""
    if provided and "." in name:
        stem = name[: name.find(".")]
        return os.path.join(folder, name), os.path.join(folder, f"{stem}_extracted")
    return os.path.join(folder, f"{name}_archive"), os.path.join(folder, name)


def _fetch(origin: str, target: str, file_hash: str | None, algorithm: str, stale: bool) -> None:
    expected = {algorithm: file_hash} if file_hash else {}
    print(f"Downloading data from {origin}")
    try:
        download(origin, Path(target), progress=True, **expected)
    except ValueError as error:
        raise ValueError(
            f"get_file: the data downloaded from {origin} for {target} do not match "
            f"file_hash: {error}"
        ) from None
    except OSError as error:
        checksum = f" ({algorithm} {file_hash})" if file_hash else ""
        found = (
            f"The file at {target} does not match file_hash {file_hash} ({algorithm}). "
            if stale
            else ""
        )
        raise DatasetNotFoundError(
            f"get_file: could not download {origin}: {error}. {found}Without network access, "
            f"download the file on another machine{checksum} and put it at {target}; get_file "
            "then uses it without downloading."
        ) from error


def get_file(
    fname: str | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: str = "auto",
    cache_dir: str | None = None,
    force_download: bool = False,
) -> str:
    """Download a file from a URL unless it is already in the cache; Keras's ``get_file``.

    The file is saved as ``<cache_dir>/<cache_subdir>/<fname>`` (by default
    ``~/.keras/datasets/<fname>``, or under ``$KERAS_HOME``), so files Keras downloaded are found
    and reused. With ``extract=True`` the download is kept as ``<fname>_archive`` and unpacked
    into the folder ``<fname>`` (or, when ``fname`` has an extension, kept as ``<fname>`` and
    unpacked into ``<stem>_extracted``), as Keras does. Downloads are written atomically and
    checked against ``file_hash`` before they appear; a cached file whose hash does not match
    is downloaded again. Archive members that are links or lie outside the folder are refused.

    Args:
        fname: the file name in the cache (default: the last part of ``origin``).
        origin: the URL (``https://``, ``http://`` or ``file://``).
        untar: deprecated: ``extract=True`` with ``archive_format="tar"``.
        md5_hash: deprecated: ``file_hash`` with ``hash_algorithm="md5"``.
        file_hash: the expected SHA-256 or MD5 hex digest.
        cache_subdir: the folder inside ``cache_dir`` (an absolute path is used as it is).
        hash_algorithm: ``"auto"`` (SHA-256 for a 64-digit hash, else MD5), ``"sha256"`` or
            ``"md5"``.
        extract: unpack a tar / tar.gz / tar.bz2 / zip archive.
        archive_format: ``"auto"``, ``"tar"``, ``"zip"``, a list of them, or ``None``.
        cache_dir: the cache root (default ``$KERAS_HOME`` or ``~/.keras``; ``/tmp/.keras`` when
            that is not writable).
        force_download: download even when the file is cached.

    Returns:
        The path of the file, or of the extraction folder when ``extract`` is set.

    Raises:
        ValueError: no ``origin``; a path as ``fname``; the download does not match
            ``file_hash`` (nothing is saved).
        FileNotFoundError: the file is not cached and cannot be downloaded (the message names
            the URL and the path to put the file at).

    Example:
        >>> import os, tempfile
        >>> src = os.path.join(tempfile.mkdtemp(), "data.txt")
        >>> _ = open(src, "w").write("42")
        >>> cache = tempfile.mkdtemp()
        >>> path = get_file(origin="file://" + src, cache_dir=cache)  # doctest: +ELLIPSIS
        Downloading data from file://...
        >>> open(path).read()
        '42'
    """
    if origin is None:
        raise ValueError("get_file: give origin, the URL of the file to download.")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    algorithm = choose_algorithm(file_hash, hash_algorithm)
    folder = cache_folder(cache_dir, cache_subdir)
    target, extraction_dir = _targets(fname, origin, folder, extract or untar)
    fetched = False
    if force_download or not os.path.exists(target):
        _fetch(origin, target, file_hash, algorithm, stale=False)
        fetched = True
    elif file_hash is not None and not validate_file(target, file_hash, algorithm):
        print(
            f"A local file was found at {target}, but its {algorithm} hash does not match "
            f"{file_hash} (incomplete or outdated): downloading it again."
        )
        _fetch(origin, target, file_hash, algorithm, stale=True)
        fetched = True
    if not (extract or untar):
        return target
    if fetched or not os.path.isdir(extraction_dir):
        if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
            warnings.warn(
                f"get_file: could not extract {target}: it is not a tar or zip archive "
                f"(archive_format={archive_format!r}).",
                stacklevel=2,
            )
    return extraction_dir
