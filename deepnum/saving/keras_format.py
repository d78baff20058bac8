"""The ``.keras`` file: a zip archive with ``metadata.json``, ``config.json`` (Keras 3's
serialization schema) and ``model.weights.h5`` (see ``weights_h5``), as Keras 3 writes it.

Writing is atomic: the whole archive is prepared first (a ``get_config`` that raises leaves
nothing behind), then written to a temporary file in the same directory, flushed and renamed
over the target, so a failure at any point leaves the previous file byte-for-byte intact.
Reading refuses members with absolute paths or ``..``, duplicate members and decompression
bombs, and names the file in every error.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
import zlib
from typing import Any

from deepnum.saving import serialization, weights_h5
from deepnum.utils.io import atomic_write

KERAS_VERSION = "3.15.1"  # the Keras 3 release whose file layout deepnum writes
CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
_MEMBER_FLOOR = 1 << 28  # bytes: a member declaring more must be stored at >= 1/100 ratio


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
    metadata = {
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    return {
        METADATA: json.dumps(metadata).encode(),
        CONFIG: config_json.encode(),
        WEIGHTS: weights_h5.state_bytes(model),
    }


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
def _check_member_name(name: str, source: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (parts[0][1:2] == ":"):
        raise ValueError(
            f"{source}: refusing archive member {name!r}: absolute paths and '..' are not "
            "allowed in a .keras file."
        )


def read_archive(source: Any, want_weights: bool = True) -> dict[str, bytes]:
    """Read and check the members of a ``.keras`` file (a path or a binary file object).

    Returns:
        ``{"config.json": bytes, "model.weights.h5": bytes, "metadata.json": bytes}`` (the
        weights only with ``want_weights``; metadata when present).

    Raises:
        ValueError: naming the file for a damaged/truncated archive, a forbidden member name,
            a decompression bomb, or a missing member.
    """
    name = (
        source
        if isinstance(source, (str, os.PathLike))
        else getattr(source, "name", "<file object>")
    )
    name = os.fspath(name) if isinstance(name, os.PathLike) else str(name)
    if isinstance(source, (str, os.PathLike)) and not os.path.exists(source):
        raise FileNotFoundError(f"load_model: no such file: {name!r}.")
    wanted = [CONFIG, METADATA] + ([WEIGHTS] if want_weights else [])
    try:
        with zipfile.ZipFile(source, "r") as zf:
            infos = zf.infolist()
            seen: set[str] = set()
            for info in infos:
                _check_member_name(info.filename, name)
                if info.filename in seen:
                    raise ValueError(f"{name}: archive member {info.filename!r} appears twice.")
                seen.add(info.filename)
                if info.file_size > _MEMBER_FLOOR and info.file_size > 100 * info.compress_size:
                    raise ValueError(
                        f"{name}: refusing archive member {info.filename!r}: it declares "
                        f"{info.file_size} bytes but stores {info.compress_size} (a "
                        "decompression bomb)."
                    )
            if CONFIG not in seen:
                raise ValueError(f"{name}: not a .keras archive: it has no {CONFIG}.")
            if want_weights and WEIGHTS not in seen:
                other = (
                    " (Keras's npz weights are not supported)"
                    if "model.weights.npz" in seen
                    else ""
                )
                raise ValueError(f"{name}: the archive has no {WEIGHTS}{other}.")
            return {m: zf.read(m) for m in wanted if m in seen}
    except (zipfile.BadZipFile, EOFError, zlib.error) as e:
        raise ValueError(
            f"{name}: not a valid .keras file: the zip archive is damaged or truncated ({e})."
        ) from None


def _parse_json(data: bytes, member: str, source: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ValueError(f"{source}: {member} is not valid JSON ({e}).") from None


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
        ValueError: naming the file and what is wrong (unknown class, damaged archive,
            missing weight, shape mismatch, refused lambda).
    """
    from deepnum.saving import legacy_h5

    if isinstance(filepath, io.IOBase):
        return _load_members(
            read_archive(filepath),
            getattr(filepath, "name", "<file object>"),
            custom_objects,
            compile,
            safe_mode,
        )
    path = os.fspath(filepath)
    if os.path.isdir(path) and os.path.exists(os.path.join(path, CONFIG)):
        members = {}
        for member in (CONFIG, WEIGHTS):
            with open(os.path.join(path, member), "rb") as f:
                members[member] = f.read()
        return _load_members(members, path, custom_objects, compile, safe_mode)
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
    return _load_members(read_archive(path), path, custom_objects, compile, safe_mode)


def _load_members(
    members: dict[str, bytes],
    source: str,
    custom_objects: dict | None,
    compile: bool,
    safe_mode: bool,
) -> Any:
    config = _parse_json(members[CONFIG], CONFIG, source)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{source}: {CONFIG} does not describe a model.")
    model = build_from_config(config, source, custom_objects, compile, safe_mode)
    with weights_h5.open_h5(members[WEIGHTS], source) as f:
        weights_h5.load_state(model, f, source)
    return model


def build_from_config(
    config: dict, source: str, custom_objects: dict | None, compile: bool, safe_mode: bool
) -> Any:
    """Rebuild (and compile) the model of a config, naming ``source`` in any error."""
    try:
        return serialization.deserialize_keras_object(
            config, custom_objects, safe_mode=safe_mode, compile=compile
        )
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        raise ValueError(f"{source}: cannot rebuild the model from {CONFIG}: {message}") from e
