"""Finding data set files: the local cache, a system copy, then a verified download.

Lookup order for every file a loader needs:

1. the cache folder, ``$DEEPNUM_DATA`` or else ``~/.deepnum/datasets`` (files placed there by
   hand are used as they are);
2. system copies, e.g. the files Debian's ``dataset-fashion-mnist`` package installs under
   ``/usr/share/datasets/fashion-mnist``;
3. a download from the canonical URL into the cache, checked against its known SHA-256 (MD5
   where only that is published) and written atomically: a temporary file in the same folder,
   ``fsync``, then ``os.replace`` -- an interrupted download never leaves a partial file behind.

Keras's own cache (``$KERAS_HOME/datasets``, default ``~/.keras/datasets``) is searched right
after deepnum's, so files that Keras downloaded are used as they are.

Without network access the error says exactly where to put the files.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

ENV_VAR = "DEEPNUM_DATA"
"""Environment variable naming the cache folder (default ``~/.deepnum/datasets``)."""

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
"""Where Keras's ``load_data()`` functions download from."""

_CHUNK = 1 << 20
_TIMEOUT_S = 60


class DatasetNotFoundError(FileNotFoundError):
    """A data set file is not on this machine and could not be downloaded."""


@dataclass(frozen=True)
class RemoteFile:
    """A file a loader needs: its name, where to download it, and its known hash.

    Args:
        name: the file name in the cache folder (and in system folders).
        urls: download URLs, tried in order.
        sha256: the SHA-256 hex digest of the file, or ``None``.
        md5: the MD5 hex digest, used only where no SHA-256 is published.
        alternatives: other names accepted locally (e.g. the uncompressed ``...-ubyte``).
    """

    name: str
    urls: tuple[str, ...]
    sha256: str | None = None
    md5: str | None = None
    alternatives: tuple[str, ...] = ()


def data_dir() -> Path:
    """The cache folder: ``$DEEPNUM_DATA`` if set, else ``~/.deepnum/datasets``.

    Example:
        >>> import os
        >>> os.environ["DEEPNUM_DATA"] = "/tmp/data"
        >>> str(data_dir())
        '/tmp/data'
        >>> del os.environ["DEEPNUM_DATA"]
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path.home() / ".deepnum" / "datasets"


def keras_home() -> Path:
    """Keras's home folder: ``$KERAS_HOME`` if set, else ``~/.keras`` (read at each call).

    Example:
        >>> import os
        >>> os.environ["KERAS_HOME"] = "/tmp/kh"
        >>> str(keras_home())
        '/tmp/kh'
        >>> del os.environ["KERAS_HOME"]
    """
    override = os.environ.get("KERAS_HOME")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".keras"


def find_local(names: Iterable[str], folders: Iterable[Path]) -> Path | None:
    """The first existing ``folder / name``, trying every name in each folder in order."""
    names = list(names)
    for folder in folders:
        for name in names:
            candidate = Path(folder) / name
            if candidate.is_file():
                return candidate
    return None


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def hash_algorithm(file_hash: str | None, algorithm: str = "auto") -> str:
    """Keras's choice of hash: ``"sha256"``, or ``"auto"`` with a 64-digit hash; else MD5.

    Example:
        >>> hash_algorithm("0" * 64), hash_algorithm("0" * 32), hash_algorithm("0" * 64, "md5")
        ('sha256', 'md5', 'md5')
    """
    if algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(
            'hash_algorithm must be "auto", "sha256" or "md5", received '
            f"hash_algorithm={algorithm!r}."
        )
    if algorithm == "sha256" or (algorithm == "auto" and file_hash and len(file_hash) == 64):
        return "sha256"
    return "md5"


def _open_url(url: str) -> BinaryIO:
    """Open ``url`` for reading (tests replace this to stay offline)."""
    return urllib.request.urlopen(url, timeout=_TIMEOUT_S)  # noqa: S310 - fixed https URLs


def _open(url: str) -> BinaryIO:
    """Open ``url``: a ``file://`` address as a local file, anything else through the network."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return open(urllib.request.url2pathname(parts.path), "rb")
    return _open_url(url)


def _total_size(response: BinaryIO) -> int | None:
    """The size announced by an HTTP response, or a local file's size; ``None`` if unknown."""
    headers = getattr(response, "headers", None)
    length = headers.get("Content-Length") if headers is not None else None
    if length is not None:
        return int(length) if str(length).isdigit() else None
    try:
        return os.fstat(response.fileno()).st_size
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None


class ByteProgress:
    """A one-line progress bar for downloads: ``12.5/170.5 MB [==>.....] 7%``.

    Args:
        total: the expected number of bytes, or ``None`` when unknown.
        stream: where the bar is drawn (redrawn in place with a carriage return).
        width: the bar's width in characters.
    """

    def __init__(self, total: int | None, stream: TextIO | None = None, width: int = 30) -> None:
        self.total, self.stream, self.width = total, stream or sys.stdout, width
        self.done = 0

    def update(self, n: int) -> None:
        """Add ``n`` bytes and redraw."""
        self.done += n
        mb = f"{self.done / 1e6:.1f}"
        if self.total:
            filled = min(self.width, self.width * self.done // self.total)
            bar = (
                "=" * filled
                + (">" if filled < self.width else "")
                + "." * (self.width - filled - 1)
            )
            line = f"{mb}/{self.total / 1e6:.1f} MB [{bar}] {100 * self.done // self.total}%"
        else:
            line = f"{mb} MB"
        self.stream.write("\r" + line)
        self.stream.flush()

    def close(self) -> None:
        """End the line."""
        self.stream.write("\n")
        self.stream.flush()


def download(
    url: str,
    dest: Path,
    sha256: str | None = None,
    md5: str | None = None,
    progress: bool = False,
) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying its hash before it appears.

    The data go to a temporary file in ``dest``'s folder, which is flushed, ``fsync``-ed,
    checked and only then renamed over ``dest`` with ``os.replace``: readers never see a partial
    or unverified file, and a failed download leaves nothing behind.

    Args:
        url: the address to fetch (``https://``, ``http://`` or ``file://``).
        dest: the final path (its folder is created).
        sha256: the expected SHA-256 hex digest, or ``None``.
        md5: the expected MD5 hex digest, checked when ``sha256`` is ``None``.
        progress: draw a progress bar on standard output.

    Returns:
        ``dest``.

    Raises:
        ValueError: the downloaded data do not have the expected hash (nothing is written).
        OSError: the download failed (e.g. no network) or the folder is not writable.
    """
    dest = Path(dest)
    algorithm, expected = ("sha256", sha256) if sha256 else ("md5", md5)
    digest = hashlib.new(algorithm)
    with _open(url) as response:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        bar = ByteProgress(_total_size(response)) if progress else None
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
                out.flush()
                os.fsync(out.fileno())
            if bar is not None:
                bar.close()
            if expected and digest.hexdigest() != expected.lower():
                raise ValueError(
                    f"the data have {algorithm} {digest.hexdigest()}, expected {expected}: "
                    "corrupted in transit or changed at the source. Nothing was saved."
                )
            os.replace(tmp_name, dest)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    return dest


def fetch_all(
    remotes: Sequence[RemoteFile],
    subdir: str = "",
    system_dirs: Sequence[Path | str] = (),
    dataset: str = "deepnum.datasets",
    download: bool = True,
) -> list[Path]:
    """Local paths to all ``remotes``: each from the cache, a system copy, or a download.

    Args:
        remotes: the files and where they come from.
        subdir: the folder inside the cache (e.g. ``"fashion-mnist"``); an absolute path is used
            as it is.
        system_dirs: read-only folders searched after the cache.
        dataset: the loader's name, for the error message.
        download: fetch missing files; ``False`` only looks on this machine.

    Returns:
        The paths of existing files, in the order of ``remotes``.

    Raises:
        DatasetNotFoundError: some file is nowhere and every download of it failed; the message
            lists each missing file, where it was looked for, the URL to get it from and the
            path to put it at.
    """
    cache = data_dir() / subdir
    folders = [cache, *_keras_folder(cache), *map(Path, system_dirs)]
    paths: list[Path] = []
    missing: list[tuple[RemoteFile, list[str]]] = []
    for remote in remotes:
        found = find_local([remote.name, *remote.alternatives], folders)
        if found is None:
            if download:
                found, failures = _download_any(remote, cache)
            else:
                failures = ["    not downloaded: download=False"]
            if found is None:
                missing.append((remote, failures))
        paths.append(found)
    if missing:
        raise DatasetNotFoundError(_not_found_message(missing, folders, cache, dataset))
    return paths


def _keras_folder(cache: Path) -> list[Path]:
    """The folder of Keras's cache that matches ``cache`` (``~/.keras/datasets/<subdir>``), or
    none when ``cache`` lies outside deepnum's cache folder (an absolute path of the user's)."""
    try:
        inside = cache.relative_to(data_dir())
    except ValueError:
        return []
    return [keras_home() / "datasets" / inside]


def fetch(
    remote: RemoteFile,
    subdir: str = "",
    system_dirs: Sequence[Path | str] = (),
    dataset: str = "deepnum.datasets",
    download: bool = True,
) -> Path:
    """Like :func:`fetch_all` for one file."""
    return fetch_all([remote], subdir, system_dirs, dataset, download)[0]


def _download_any(remote: RemoteFile, cache: Path) -> tuple[Path | None, list[str]]:
    failures = []
    for url in remote.urls:
        try:
            return download(url, cache / remote.name, sha256=remote.sha256, md5=remote.md5), []
        except (OSError, ValueError) as error:
            failures.append(f"    {url} failed: {error}")
    return None, failures


def _not_found_message(
    missing: Sequence[tuple[RemoteFile, list[str]]],
    folders: Sequence[Path],
    cache: Path,
    dataset: str,
) -> str:
    lines = [
        f"{dataset}: {len(missing)} file(s) are not on this machine and were not downloaded.",
        f"Looked in: {', '.join(map(str, folders))}.",
    ]
    for remote, failures in missing:
        checksum = f"sha256 {remote.sha256}" if remote.sha256 else f"md5 {remote.md5}"
        lines += [
            f"  {cache / remote.name}",
            f"    get it from {remote.urls[0]} ({checksum})",
            *failures,
        ]
    try:
        inside = str(cache.relative_to(data_dir()))
    except ValueError:  # an absolute path outside the cache
        inside = "."
    where = f"in its subfolder {inside!r}" if inside != "." else "in it"
    lines.append(
        "To fix: download these files on a machine with network access and put them at the "
        f"paths above, or keep them in a folder of your own and set {ENV_VAR} to that folder "
        f"(with the files {where})."
    )
    return "\n".join(lines)
