"""The ``.keras`` file: a zip archive with ``metadata.json``, ``config.json`` (Keras 3's
serialization schema) and ``model.weights.h5`` (see ``weights_h5``), as Keras 3 writes it.

Writing is atomic: the whole archive is prepared first (a ``get_config`` that raises leaves
nothing behind), then written to a temporary file in the same directory, flushed and renamed
over the target, so a failure at any point leaves the previous file byte-for-byte intact.
``metadata.json`` carries the SHA-256 of ``model.weights.h5`` (``weights_sha256``, a key Keras
ignores), checked on load when present.

Reading refuses members with absolute paths or ``..``, duplicate members and decompression
bombs; reads no more than a member may need (a config is small, the weights are bounded by the
model the config describes, and the model by the weights stored); and raises
:class:`~deepnum.saving.errors.FileLoadError`, naming the file, the member and the cause, for
anything wrong with the file.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from typing import Any

from deepnum.saving import serialization, weights_h5
from deepnum.saving.atomic import atomic_write
from deepnum.saving.errors import FileLoadError, reading
from deepnum.saving.h5_reader import H5Reader
from deepnum.saving.limits import WeightBudget, allocation_budget

KERAS_VERSION = "3.15.1"  # the Keras 3 release whose file layout deepnum writes
CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
SHA256_KEY = "weights_sha256"
_JSON_LIMIT = 64 << 20  # bytes: far more than the config of any real model
_RATIO_FLOOR = 1 << 20  # bytes: a member declaring more must not expand more than _MAX_RATIO
_MAX_RATIO = 100  # Keras and deepnum store members uncompressed (ratio 1)


# ------------------------------------------------------------------------ saving
def archive_members(model: Any) -> dict[str, bytes]:
    """The three members of ``model``'s ``.keras`` archive, as bytes."""
    config = serialization.serialize_keras_object(model)
    try:
        config_json = json.dumps(config)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f'Cannot save model "{model.name}": its config is not JSON-serializable ({e}). '
            "Every value returned by get_config() must be a plain value, list or dict."
        ) from None
    weights = weights_h5.state_bytes(model)
    metadata = {
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        SHA256_KEY: hashlib.sha256(weights).hexdigest(),
    }
    return {
        METADATA: json.dumps(metadata).encode(),
        CONFIG: config_json.encode(),
        WEIGHTS: weights,
        **asset_members(model),
    }


# ------------------------------------------------------------------------ assets
ASSETS = "assets"
_ASSET_LIMIT = 1 << 30  # bytes in all: a vocabulary of tens of millions of tokens


def _asset_owners(model: Any) -> list[tuple[str, Any]]:
    """(path, layer) of the layers that keep files (Keras's ``save_assets``, e.g. a lookup's
    ``vocabulary.txt``), in the order of the weights file."""
    return [
        (e.path, e.owner)
        for e in weights_h5.entries(model)
        if weights_h5.keyed_state(e.owner) and callable(getattr(e.owner, "save_assets", None))
    ]


def _asset_prefix(path: str) -> str:
    return f"{ASSETS}/{path}/" if path else f"{ASSETS}/"


def asset_members(model: Any) -> dict[str, bytes]:
    """``assets/<object path>/<file>`` members, as Keras's ``DiskIOStore`` lays them out."""
    members: dict[str, bytes] = {}
    for path, owner in _asset_owners(model):
        with tempfile.TemporaryDirectory() as tmp:
            owner.save_assets(tmp)
            for name in sorted(os.listdir(tmp)):
                full = os.path.join(tmp, name)
                if os.path.isfile(full):
                    with open(full, "rb") as f:
                        members[_asset_prefix(path) + name] = f.read()
    return members


def _direct_file(name: str, prefix: str) -> bool:
    rest = name[len(prefix) :]
    return name.startswith(prefix) and bool(rest) and "/" not in rest


def load_assets(model: Any, archive: Archive) -> None:
    """Give each layer that keeps files its own ``assets/<path>/`` members (read with a bound,
    written to a temporary directory for its ``load_assets``)."""
    for path, owner in _asset_owners(model):
        loader = getattr(owner, "load_assets", None)
        prefix = _asset_prefix(path)
        names = [n for n in archive.sizes if _direct_file(n, prefix)]
        if loader is None or not names:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            for name in names:
                data = archive.read(name, _ASSET_LIMIT, "a layer's assets")
                with open(os.path.join(tmp, name[len(prefix) :]), "wb") as f:
                    f.write(data)
            try:
                loader(tmp)
            except (ValueError, OSError, UnicodeDecodeError) as e:
                raise FileLoadError(archive.name, f"cannot load the assets of {path!r}: {e}") from e


def save_model(
    model: Any, filepath: Any, overwrite: bool = True, zipped: bool | None = None, **kwargs: Any
) -> None:
    """Save architecture, weights, compile configuration and optimizer state (Keras 3's
    ``.keras`` format, readable by ``keras.saving.load_model``).

    Args:
        model: the model.
        filepath: a path ending in ``.keras``, a directory (``zipped=False``) or a binary file
            object.
        overwrite: if False, refuse to replace an existing file.
        zipped: False writes the three files into a directory instead of a zip archive.

    Example:
        >>> import os, tempfile, deepnum as dn
        >>> model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> save_model(model, path)
        >>> dn.models.load_model(path).count_params()
        8
    """
    kwargs.pop("include_optimizer", None)
    if kwargs:
        raise TypeError(f"save_model: unexpected arguments {sorted(kwargs)}.")
    if isinstance(filepath, io.IOBase):
        members = archive_members(model)
        _write_zip(filepath, members)
        return
    path = os.fspath(filepath)
    zipped = True if zipped is None else zipped
    if str(path).endswith((".h5", ".hdf5")) and not path.endswith(".weights.h5"):
        raise ValueError(
            f"save: deepnum writes Keras 3's `.keras` format; received filepath={path!r}. Use "
            "model.save('model.keras'), or model.save_weights('model.weights.h5')."
        )
    if not zipped and path.endswith(".keras"):
        raise ValueError(
            f"save: with zipped=False the path names a directory and must not end in `.keras`, "
            f"received filepath={path!r}."
        )
    if zipped and not path.endswith(".keras"):
        raise ValueError(
            f"save: the filename must end in `.keras` (or pass zipped=False to write a "
            f"directory), received filepath={path!r}."
        )
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save: {path!r} exists and overwrite=False.")
    members = archive_members(model)
    if not zipped:
        os.makedirs(path, exist_ok=True)
        for name, data in members.items():
            os.makedirs(os.path.dirname(os.path.join(path, name)), exist_ok=True)
            with atomic_write(os.path.join(path, name), "wb") as f:
                f.write(data)
        return
    with atomic_write(path, "wb") as f:
        _write_zip(f, members)


def _write_zip(fileobj: Any, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(fileobj, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


# ------------------------------------------------------------------------ loading
class Archive:
    """The members of a ``.keras`` file — a zip archive, or a directory written with
    ``zipped=False`` — read with bounds. Use :func:`open_archive`.

    Attributes:
        name: the file's name, used in errors.
        sizes: member name -> the size it declares (uncompressed bytes).
    """

    def __init__(self, name: str, zf: zipfile.ZipFile | None, directory: str | None) -> None:
        self.name, self._zip, self._dir = name, zf, directory
        self.sizes: dict[str, int] = {}
        if directory is not None:
            for member in (CONFIG, METADATA, WEIGHTS):
                member_path = os.path.join(directory, member)
                if os.path.isfile(member_path):
                    self.sizes[member] = os.path.getsize(member_path)
            for root, _, files in os.walk(os.path.join(directory, ASSETS), followlinks=False):
                for name in files:
                    full = os.path.join(root, name)
                    if os.path.isfile(full) and not os.path.islink(full):
                        member = os.path.relpath(full, directory).replace(os.sep, "/")
                        self.sizes[member] = os.path.getsize(full)
            return
        with reading(name):
            infos = zf.infolist()
        for info in infos:
            self._check_member(info)
            self.sizes[info.filename] = info.file_size

    def _check_member(self, info: zipfile.ZipInfo) -> None:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (parts[0][1:2] == ":"):
            raise FileLoadError(
                self.name,
                f"refusing archive member {name!r}: absolute paths and '..' are not allowed in "
                "a .keras file.",
            )
        if name in self.sizes:
            raise FileLoadError(self.name, f"archive member {name!r} appears twice.")
        if info.file_size > _RATIO_FLOOR and info.file_size > _MAX_RATIO * info.compress_size:
            raise FileLoadError(
                self.name,
                f"refusing archive member {name!r}: it declares {info.file_size} bytes but "
                f"stores {info.compress_size} (a decompression bomb).",
            )

    def require(self, member: str) -> None:
        """Raise a FileLoadError when ``member`` is absent."""
        if member in self.sizes:
            return
        if member == CONFIG:
            raise FileLoadError(self.name, f"not a .keras archive: it has no {CONFIG}.")
        npz = "model.weights.npz" in self.sizes
        other = " (Keras's npz weights are not supported)" if npz else ""
        raise FileLoadError(self.name, f"the archive has no {member}{other}.")

    def read(self, member: str, limit: int, what: str) -> bytes:
        """The bytes of ``member``, refused when it declares more than ``limit`` bytes (the
        most that ``what`` can need)."""
        self.require(member)
        where = f"member '{member}'"
        if self.sizes[member] > limit:
            raise FileLoadError(
                self.name,
                f"it declares {self.sizes[member]} bytes, more than the {limit} that {what} "
                "can need (damaged or hostile?).",
                where,
            )
        with reading(self.name, where):
            if self._dir is not None:
                with open(os.path.join(self._dir, member), "rb") as f:
                    data = f.read(limit + 1)
            else:
                data = self._zip.read(member)  # at most the declared size; CRC-32 checked
        if len(data) > limit:
            raise FileLoadError(self.name, f"it holds more than {limit} bytes.", where)
        return data

    def json(self, member: str) -> Any:
        """``member`` parsed as JSON (at most 64 MiB)."""
        data = self.read(member, _JSON_LIMIT, "a model's configuration")
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
            raise FileLoadError(self.name, f"{member} is not valid JSON ({e}).") from None


@contextlib.contextmanager
def open_archive(source: Any, name: str) -> Iterator[Archive]:
    """Open a ``.keras`` zip (a path or binary file object) or a ``zipped=False`` directory.

    Raises:
        FileLoadError: naming the file for a damaged/truncated archive, a forbidden member
            name, a duplicate member or a decompression bomb.
    """
    if isinstance(source, (str, os.PathLike)) and os.path.isdir(source):
        yield Archive(name, None, os.fspath(source))
        return
    with reading(name):
        try:
            zf = zipfile.ZipFile(source, "r")
        except zipfile.BadZipFile as e:
            raise FileLoadError(
                name, f"not a valid .keras file: the zip archive is damaged or truncated ({e})."
            ) from None
    with zf:
        yield Archive(name, zf, None)


def check_sha256(metadata: Any, weights: bytes, source: str) -> None:
    """Compare ``weights`` with the SHA-256 in ``metadata.json`` (when present)."""
    if not isinstance(metadata, dict):
        raise FileLoadError(source, f"{METADATA} does not hold a JSON object.")
    expected = metadata.get(SHA256_KEY)
    if expected is None:
        return
    if hashlib.sha256(weights).hexdigest() != expected:
        raise FileLoadError(
            source,
            f"{WEIGHTS} does not match the SHA-256 in {METADATA}: the file is damaged.",
            f"member '{WEIGHTS}'",
        )


def read_weights_member(path: str, limit: int) -> bytes:
    """The checked bytes of a ``.keras`` file's weights (``limit``: the most they may take)."""
    with open_archive(path, path) as archive:
        metadata = archive.json(METADATA) if METADATA in archive.sizes else {}
        data = archive.read(WEIGHTS, limit, "the weights of this model")
    check_sha256(metadata, data, path)
    return data


def load_model(
    filepath: Any,
    custom_objects: dict | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Any:
    """Load a model saved with ``model.save`` by deepnum or Keras 3 (``.keras``, a directory
    written with ``zipped=False``), or a legacy Keras ``.h5`` file.

    Args:
        filepath: the file (or a binary file object holding a ``.keras`` archive).
        custom_objects: name -> class or function for registered/custom objects.
        compile: restore the compile configuration and optimizer state (default True).
        safe_mode: refuse Python bytecode (Lambda layers saved from lambdas) unless False.

    Returns:
        The model, with its weights; compiled and with its optimizer state if it was saved
        compiled, so that training continues exactly where it stopped.

    Raises:
        FileLoadError: a ``ValueError`` naming the file, the member and what is wrong
            (damaged archive, unknown class, missing weight, shape mismatch, a checksum that
            does not match, a size the file cannot hold, refused lambda).
    """
    from deepnum.saving import legacy_h5

    if isinstance(filepath, io.IOBase):
        name = str(getattr(filepath, "name", "<file object>"))
        return _load_archive(filepath, name, custom_objects, compile, safe_mode)
    path = os.fspath(filepath)
    if os.path.isdir(path) and os.path.exists(os.path.join(path, CONFIG)):
        return _load_archive(path, path, custom_objects, compile, safe_mode)
    if path.endswith(".weights.h5"):
        raise ValueError(
            f"load_model: {path!r} holds only weights; build the model in code and call "
            "model.load_weights(path)."
        )
    if path.endswith((".h5", ".hdf5")):
        return legacy_h5.load_model(path, custom_objects, compile, safe_mode)
    if not path.endswith(".keras"):
        raise ValueError(
            f"load_model: expected a `.keras` file, a legacy `.h5` file or a directory saved "
            f"with zipped=False, received filepath={path!r}."
        )
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_model: no such file: {path!r}.")
    return _load_archive(path, path, custom_objects, compile, safe_mode)


def _load_archive(
    source: Any, name: str, custom_objects: dict | None, compile: bool, safe_mode: bool
) -> Any:
    with open_archive(source, name) as archive:
        config = archive.json(CONFIG)
        metadata = archive.json(METADATA) if METADATA in archive.sizes else {}
        if not isinstance(config, dict) or "class_name" not in config:
            raise FileLoadError(name, f"{CONFIG} does not describe a model.")
        archive.require(WEIGHTS)
        budget = WeightBudget(name, archive.sizes[WEIGHTS], f"member '{CONFIG}'")
        model = build_from_config(config, name, custom_objects, compile, safe_mode, budget)
        limit = weights_h5.weights_size_limit(model)
        data = archive.read(WEIGHTS, limit, "the weights of this model")
        check_sha256(metadata, data, name)
        with weights_h5.open_h5(data, name, WEIGHTS) as f:
            weights_h5.load_state(model, H5Reader(f, name, WEIGHTS, len(data)))
        load_assets(model, archive)
    return model


def build_from_config(
    config: dict,
    source: str,
    custom_objects: dict | None,
    compile: bool,
    safe_mode: bool,
    budget: WeightBudget | None = None,
) -> Any:
    """Rebuild (and compile) the model of a config, naming ``source`` in any error; with a
    ``budget``, weights the file cannot hold are refused before they are allocated."""
    try:
        with allocation_budget(budget):
            return serialization.deserialize_keras_object(
                config, custom_objects, safe_mode=safe_mode, compile=compile
            )
    except FileLoadError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        raise FileLoadError(source, f"cannot rebuild the model from {CONFIG}: {message}") from e
    except MemoryError as e:
        raise FileLoadError(source, f"cannot rebuild the model from {CONFIG}: {e}") from None
