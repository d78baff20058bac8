"""Model state in Keras 3's HDF5 layout (``model.weights.h5``, ``*.weights.h5``), read safely.

Layout: one group per object (see ``saveables``), each holding ``vars/0``, ``vars/1``, ... and
the object's name as the ``name`` attribute of ``vars``; deepnum adds the SHA-256 of the weights
as the root attribute ``deepnum_sha256`` (see ``h5_reader``). Reading follows no soft or
external links, reads no external or virtual datasets, checks the SHA-256 when present and
every dataset's shape and dtype against the variable it is meant for *before* reading it;
nothing is assigned until the whole file has been checked, so a bad file leaves the model as it
was. Every failure is a ``FileLoadError`` naming the file, the member and the dataset.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import shape_str
from deepnum.layers.layer import Layer
from deepnum.optimizers.base import Optimizer
from deepnum.saving.atomic import atomic_write
from deepnum.saving.errors import FileLoadError, reading
from deepnum.saving.h5_reader import DIGEST_ATTR, H5Reader, h5py_module, weights_digest
from deepnum.saving.saveables import Entry, optimizer_state_in_keras_order, trainable_variables
from deepnum.saving.saveables import walk as walk_saveables


def entries(model: Any) -> list[Entry]:
    """The objects of ``model`` with their paths; optimizer slots in Keras's order."""
    return walk_saveables(model, lambda opt: optimizer_state_in_keras_order(opt, model))


# ------------------------------------------------------------------------ writing
def keyed_state(owner: Any) -> bool:
    """Whether a layer saves its own state under named keys (Keras's ``save_own_variables``,
    e.g. the lookup layers' ``idf_weights``) instead of its variables as ``0, 1, ...``."""
    return isinstance(owner, Layer) and callable(getattr(owner, "save_own_variables", None))


def _entry_arrays(entry: Entry) -> list[tuple[str, np.ndarray]]:
    if keyed_state(entry.owner):
        store: dict[str, Any] = {}
        entry.owner.save_own_variables(store)
        return [(str(k), np.asarray(v, order="C")) for k, v in store.items()]
    return [(str(i), np.asarray(v.numpy(), order="C")) for i, v in enumerate(entry.variables)]


def write_state(model: Any, h5file: Any) -> None:
    """Write every object's variables, and their SHA-256, into an open, empty ``h5py.File``."""
    written: dict[str, np.ndarray] = {}
    for entry in entries(model):
        group = h5file.create_group(entry.vars_path)
        group.attrs["name"] = entry.name
        for key, array in _entry_arrays(entry):
            group.create_dataset(key, data=array)
            written[f"{entry.vars_path}/{key}"] = array
    h5file.attrs[DIGEST_ATTR] = weights_digest(written)


def state_bytes(model: Any) -> bytes:
    """The bytes of a Keras 3 weights file for ``model``."""
    h5py = h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        write_state(model, f)
    return buffer.getvalue()


def save_weights(
    model: Any,
    filepath: Any,
    overwrite: bool = True,
    max_shard_size: float | None = None,
    **kwargs: Any,
) -> None:
    """Write ``model``'s weights (and optimizer state) to ``filepath`` (``*.weights.h5``),
    atomically.

    Args:
        model: a built model.
        filepath: a path ending in ``.weights.h5``.
        overwrite: if False, refuse to replace an existing file.
        max_shard_size: Keras's sharded ``.weights.json`` files; deepnum writes one file, so
            only ``None`` is accepted.
        **kwargs: Keras's extra options; none is accepted (a clear error names them).

    Example:
        >>> import os, tempfile, deepnum as dn
        >>> model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.h5")
        >>> save_weights(model, path)
        >>> load_weights(model, path)
    """
    path = os.fspath(filepath)
    if max_shard_size is not None:
        raise ValueError(
            f"save_weights: max_shard_size={max_shard_size!r} asks for sharded weight files, "
            "which deepnum does not write; leave it None to write one .weights.h5 file."
        )
    if kwargs:
        raise ValueError(f"save_weights: invalid keyword arguments: {sorted(kwargs)}.")
    if not str(path).endswith(".weights.h5"):
        raise ValueError(
            f"save_weights: the filename must end in `.weights.h5`, received filepath={path!r}."
        )
    if not getattr(model, "built", False):
        raise ValueError(
            f'save_weights: model "{model.name}" is not built yet, so it has no weights; call '
            "it on data or build(input_shape) first."
        )
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save_weights: {path!r} exists and overwrite=False.")
    data = state_bytes(model)
    with atomic_write(path, "wb") as f:
        f.write(data)


# ------------------------------------------------------------------------ reading
def _dtype_fits(file_dtype: np.dtype, var_dtype: np.dtype) -> bool:
    if file_dtype.kind not in "biuf" or file_dtype.shape or file_dtype.names:
        return False
    if var_dtype.kind == "f":
        return file_dtype.kind == "f"
    return file_dtype.kind in "biu"


def _read_variable(
    reader: H5Reader, group: Any, index: int, variable: Any, entry: Entry, skip_mismatch: bool
) -> Any:
    """The checked array for ``variable`` (None when skipped), or a FileLoadError."""
    path = f"{entry.vars_path}/{index}"
    label = getattr(variable, "path", variable.name)
    with reader.guard(path):
        present = str(index) in group
    if not present:
        raise reader.error(
            f"missing weight {label!r} (expected dataset '{path}' of shape "
            f"{shape_str(variable.shape)})."
        )
    dataset = reader.dataset(group, str(index), path)
    with reader.guard(path):
        shape, dtype = tuple(dataset.shape), dataset.dtype
    if shape != tuple(variable.shape):
        message = (
            f"shape mismatch for weight {label!r} at '{path}': the file has "
            f"{shape_str(shape)}, the model expects {shape_str(tuple(variable.shape))}."
        )
        if skip_mismatch:
            warnings.warn(f"{reader.source}: {message} Skipped (skip_mismatch=True).", stacklevel=4)
            return None
        raise reader.error(message)
    if not _dtype_fits(dtype, np.dtype(variable.dtype)):
        raise reader.error(
            f"dtype mismatch for weight {label!r} at '{path}': the file has {dtype}, the model "
            f"expects {np.dtype(variable.dtype).name}."
        )
    return reader.read(dataset, path)


def _group_keys(reader: H5Reader, group: Any, path: str) -> list[str]:
    with reader.guard(path):
        return list(group.keys())


def read_state(model: Any, reader: H5Reader, skip_mismatch: bool = False) -> None:
    """Check the whole file against ``model``, then assign every variable.

    Args:
        model: the model to fill (built; its optimizer built if the file has its state).
        reader: an :class:`H5Reader` on a file in Keras 3's layout.
        skip_mismatch: skip (with a warning) weights whose shape differs instead of raising.

    Raises:
        FileLoadError: naming the file and the first problem (damaged data, a SHA-256 that
            does not match, a missing weight, a shape or dtype mismatch, a link or external
            dataset, a wrong number of variables).
    """
    reader.verify_digest()
    plan: list[tuple[Any, Any]] = []
    keyed: list[tuple[Any, dict]] = []
    for entry in entries(model):
        group = reader.group(entry.vars_path)
        if isinstance(entry.owner, Optimizer) and entry.path:
            plan.extend(_optimizer_plan(reader, entry, group, skip_mismatch))
            continue
        if keyed_state(entry.owner) and callable(getattr(entry.owner, "load_own_variables", None)):
            keyed.append((entry.owner, _read_keyed(reader, group, entry)))
            continue
        if not entry.variables:
            continue
        if group is None:
            first = entry.variables[0]
            raise reader.error(
                f"missing weight {getattr(first, 'path', first.name)!r}: the file has no group "
                f"'{entry.vars_path}' for layer {entry.name!r} ({len(entry.variables)} "
                "variables expected)."
            )
        keys = _group_keys(reader, group, entry.vars_path)
        extra = sorted(set(keys) - {str(i) for i in range(len(entry.variables))})
        if extra and not skip_mismatch:
            raise reader.error(
                f"layer {entry.name!r} has {len(entry.variables)} variables, but the file "
                f"stores {len(keys)} at '{entry.vars_path}'."
            )
        for i, variable in enumerate(entry.variables):
            array = _read_variable(reader, group, i, variable, entry, skip_mismatch)
            if array is not None:
                plan.append((variable, array))
    for variable, array in plan:
        variable.assign(array)
    for owner, store in keyed:
        owner.load_own_variables(store)


def _read_keyed(reader: H5Reader, group: Any, entry: Entry) -> dict[str, np.ndarray]:
    """Every dataset of a keyed-state group (numbers only, each checked before reading)."""
    store: dict[str, np.ndarray] = {}
    if group is None:
        return store
    for key in _group_keys(reader, group, entry.vars_path):
        path = f"{entry.vars_path}/{key}"
        dataset = reader.dataset(group, key, path)
        with reader.guard(path):
            dtype = dataset.dtype
        if dtype.kind not in "biuf" or dtype.shape or dtype.names:
            raise reader.error(f"dataset '{path}' of layer {entry.name!r} has dtype {dtype}.")
        store[key] = reader.read(dataset, path)
    return store


def _optimizer_plan(reader: H5Reader, entry: Entry, group: Any, skip_mismatch: bool) -> list:
    """Keras's rule: an optimizer whose variable count differs is skipped with a warning."""
    if group is None:
        return []
    keys = _group_keys(reader, group, entry.vars_path)
    if len(keys) != len(entry.variables):
        warnings.warn(
            f"{reader.source}: skipping the state of optimizer {entry.name!r}: it has "
            f"{len(entry.variables)} variables, the file stores {len(keys)}.",
            stacklevel=4,
        )
        return []
    plan = []
    for i, variable in enumerate(entry.variables):
        array = _read_variable(reader, group, i, variable, entry, skip_mismatch)
        if array is not None:
            plan.append((variable, array))
    return plan


def prepare_optimizer(model: Any, reader: H5Reader) -> None:
    """Build the model's optimizer (with Keras's variable order) when the file holds the
    state of a built optimizer and the model's is not built yet."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or optimizer.built:
        return
    for entry in entries(model):
        if entry.owner is optimizer:
            group = reader.group(entry.vars_path)
            if group is not None and len(_group_keys(reader, group, entry.vars_path)) > len(
                optimizer.variables
            ):
                optimizer.build(trainable_variables(model))
            return


def load_state(model: Any, reader: H5Reader, skip_mismatch: bool = False) -> None:
    """Build the optimizer if needed, then :func:`read_state`."""
    prepare_optimizer(model, reader)
    read_state(model, reader, skip_mismatch)


def open_h5(data_or_path: Any, source: str, member: str | None = None) -> Any:
    """Open an HDF5 file (a path or bytes) read-only, naming ``source`` if it is damaged."""
    h5py = h5py_module()
    target = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    with reading(source, f"member '{member}'" if member else None):
        try:
            return h5py.File(target, "r")
        except OSError as e:
            raise FileLoadError(
                source,
                f"not a readable HDF5 file (damaged or truncated?): {e}",
                f"member '{member}'" if member else None,
            ) from None


def weights_size_limit(model: Any) -> int:
    """The most bytes a weights file of ``model`` can need: its variables and up to three
    optimizer slots each, stored in float64, plus HDF5's bookkeeping per object."""
    elements = sum(int(np.prod(w.shape, dtype=np.int64)) for w in model.weights)
    listed = entries(model)
    # keyed state that is not a variable (a lookup's IDF weights): its layer tells the bound
    elements += sum(int(getattr(e.owner, "state_size_bound", lambda: 0)()) for e in listed)
    objects = len(listed) + len(model.weights)
    return 32 * elements + 16384 * (objects + 64) + (1 << 20)


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False, **kwargs: Any) -> None:
    """Load weights saved by ``save_weights`` or ``save`` (deepnum's or Keras 3's), or a
    Keras 2 ``.h5`` weights file.

    Args:
        model: a built model with the saved architecture.
        filepath: ``*.weights.h5``, ``*.keras`` or a legacy ``*.h5``.
        skip_mismatch: skip weights whose shape differs (with a warning).
        **kwargs: Keras's legacy options ``objects_to_skip`` and ``by_name``, accepted only
            unset (``None``); any other keyword is an error, as in Keras.

    Raises:
        FileLoadError: the file is damaged or does not fit the model (see ``read_state``).
    """
    path = os.fspath(filepath)
    _check_load_options(kwargs)
    if not getattr(model, "built", False):
        raise ValueError(
            f'load_weights: model "{model.name}" is not built yet; call it on data or '
            f"build(input_shape) before loading {path!r}."
        )
    if str(path).endswith(".keras"):
        from deepnum.saving.keras_format import WEIGHTS, read_weights_member

        data = read_weights_member(path, weights_size_limit(model))
        with open_h5(data, path, WEIGHTS) as f:
            load_state(model, H5Reader(f, path, WEIGHTS, len(data)), skip_mismatch)
        return
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_weights: no such file: {path!r}.")
    with open_h5(path, path) as f:
        from deepnum.saving import legacy_h5

        reader = H5Reader(f, path, size=os.path.getsize(path))
        with reader.guard():
            legacy = legacy_h5.is_legacy(f)
        if legacy:
            legacy_h5.load_weights_from_group(model, reader, skip_mismatch)
        else:
            load_state(model, reader, skip_mismatch)


def _check_load_options(kwargs: dict) -> None:
    """Keras's legacy ``load_weights`` keywords: accepted when None, else a clear error."""
    unknown = sorted(set(kwargs) - {"objects_to_skip", "by_name"})
    if unknown:
        raise ValueError(f"load_weights: invalid keyword arguments: {unknown}.")
    given = {k: v for k, v in kwargs.items() if v is not None}
    if given:
        raise ValueError(
            f"load_weights: {given} is not supported by deepnum (Keras's `by_name` loads "
            "legacy .h5 files by layer name, `objects_to_skip` skips objects of a "
            ".weights.h5 file); load the whole file, or set the weights with set_weights."
        )
