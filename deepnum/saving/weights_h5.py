"""Model state in Keras 3's HDF5 layout (``model.weights.h5``, ``*.weights.h5``), read safely.

Layout: one group per object (see ``saveables``), each holding ``vars/0``, ``vars/1``, ... and
the object's name as the ``name`` attribute of ``vars``. Reading follows no soft or external
links, reads no external or virtual datasets, and checks every dataset's shape and dtype
against the variable it is meant for *before* reading it; nothing is assigned until the whole
file has been checked, so a bad file leaves the model as it was.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import shape_str
from deepnum.optimizers.base import Optimizer
from deepnum.saving.saveables import Entry, optimizer_state_in_keras_order, trainable_variables
from deepnum.saving.saveables import walk as walk_saveables
from deepnum.utils.io import atomic_write

_BOMB_FLOOR = 1 << 32  # bytes: a dataset declaring more than this must be really stored


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


def entries(model: Any) -> list[Entry]:
    """The objects of ``model`` with their paths; optimizer slots in Keras's order."""
    return walk_saveables(model, lambda opt: optimizer_state_in_keras_order(opt, model))


# ------------------------------------------------------------------------ writing
def write_state(model: Any, h5file: Any) -> None:
    """Write every object's variables into an open, empty ``h5py.File``."""
    for entry in entries(model):
        group = h5file.create_group(entry.vars_path)
        group.attrs["name"] = entry.name
        for i, variable in enumerate(entry.variables):
            group.create_dataset(str(i), data=variable.numpy())


def state_bytes(model: Any) -> bytes:
    """The bytes of a Keras 3 weights file for ``model``."""
    h5py = h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        write_state(model, f)
    return buffer.getvalue()


def save_weights(model: Any, filepath: Any, overwrite: bool = True) -> None:
    """Write ``model``'s weights (and optimizer state) to ``filepath`` (``*.weights.h5``),
    atomically.

    Args:
        model: a built model.
        filepath: a path ending in ``.weights.h5``.
        overwrite: if False, refuse to replace an existing file.

    Example:
        >>> import os, tempfile, deepnum as dn
        >>> model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.h5")
        >>> save_weights(model, path)
        >>> load_weights(model, path)
    """
    path = os.fspath(filepath)
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
def _link_class(parent: Any, name: str) -> Any:
    return parent.get(name, default=None, getclass=True, getlink=True)


def _safe_group(h5file: Any, path: str, source: str) -> Any:
    """The group at ``path``, or None; links other than hard links are refused."""
    h5py = h5py_module()
    current = h5file
    for part in path.split("/"):
        if part not in current:
            return None
        link = _link_class(current, part)
        if link in (h5py.SoftLink, h5py.ExternalLink):
            raise ValueError(f"{source}: refusing {link.__name__} at '{path}' in the HDF5 file.")
        current = current[part]
        if not isinstance(current, h5py.Group):
            raise ValueError(f"{source}: '{path}' should be an HDF5 group, found a dataset.")
    return current


def _safe_dataset(group: Any, key: str, path: str, source: str) -> Any:
    h5py = h5py_module()
    link = _link_class(group, key)
    if link in (h5py.SoftLink, h5py.ExternalLink):
        raise ValueError(f"{source}: refusing {link.__name__} at '{path}' in the HDF5 file.")
    dataset = group[key]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"{source}: '{path}' should be an HDF5 dataset, found a group.")
    if dataset.external:
        raise ValueError(f"{source}: refusing '{path}': it points to data in external files.")
    if dataset.is_virtual:
        raise ValueError(f"{source}: refusing '{path}': it is a virtual dataset.")
    return dataset


def _dtype_fits(file_dtype: np.dtype, var_dtype: np.dtype) -> bool:
    if file_dtype.kind not in "biuf" or file_dtype.shape or file_dtype.names:
        return False
    if var_dtype.kind == "f":
        return file_dtype.kind == "f"
    return file_dtype.kind in "biu"


def _read_variable(
    group: Any, index: int, variable: Any, entry: Entry, source: str, skip_mismatch: bool
) -> Any:
    """The checked array for ``variable`` (None when skipped), or a ValueError."""
    path = f"{entry.vars_path}/{index}"
    label = getattr(variable, "path", variable.name)
    if str(index) not in group:
        raise ValueError(
            f"{source}: missing weight {label!r} (expected dataset '{path}' of shape "
            f"{shape_str(variable.shape)})."
        )
    dataset = _safe_dataset(group, str(index), path, source)
    if tuple(dataset.shape) != tuple(variable.shape):
        message = (
            f"{source}: shape mismatch for weight {label!r} at '{path}': the file has "
            f"{shape_str(tuple(dataset.shape))}, the model expects "
            f"{shape_str(tuple(variable.shape))}."
        )
        if skip_mismatch:
            warnings.warn(message + " Skipped (skip_mismatch=True).", stacklevel=4)
            return None
        raise ValueError(message)
    if not _dtype_fits(dataset.dtype, np.dtype(variable.dtype)):
        raise ValueError(
            f"{source}: dtype mismatch for weight {label!r} at '{path}': the file has "
            f"{dataset.dtype}, the model expects {np.dtype(variable.dtype).name}."
        )
    declared = int(np.prod(dataset.shape)) * dataset.dtype.itemsize
    if declared > _BOMB_FLOOR and declared > 1000 * dataset.id.get_storage_size():
        raise ValueError(
            f"{source}: refusing '{path}': it declares {declared} bytes but "
            "stores almost nothing (a decompression bomb)."
        )
    return np.asarray(dataset[()])


def read_state(model: Any, h5file: Any, source: str, skip_mismatch: bool = False) -> None:
    """Check the whole file against ``model``, then assign every variable.

    Args:
        model: the model to fill (built; its optimizer built if the file has its state).
        h5file: an open ``h5py.File`` in Keras 3's layout.
        source: the file's name, for error messages.
        skip_mismatch: skip (with a warning) weights whose shape differs instead of raising.

    Raises:
        ValueError: naming the file and the first problem (missing weight, shape or dtype
            mismatch, a link or external dataset, a wrong number of variables).
    """
    plan: list[tuple[Any, Any]] = []
    for entry in entries(model):
        group = _safe_group(h5file, entry.vars_path, source)
        if isinstance(entry.owner, Optimizer) and entry.path:
            plan.extend(_optimizer_plan(entry, group, source, skip_mismatch))
            continue
        if not entry.variables:
            continue
        if group is None:
            first = entry.variables[0]
            raise ValueError(
                f"{source}: missing weight {getattr(first, 'path', first.name)!r}: the file has "
                f"no group '{entry.vars_path}' for layer {entry.name!r} "
                f"({len(entry.variables)} variables expected)."
            )
        extra = sorted(set(group.keys()) - {str(i) for i in range(len(entry.variables))})
        if extra and not skip_mismatch:
            raise ValueError(
                f"{source}: layer {entry.name!r} has {len(entry.variables)} variables, but the "
                f"file stores {len(group.keys())} at '{entry.vars_path}'."
            )
        for i, variable in enumerate(entry.variables):
            array = _read_variable(group, i, variable, entry, source, skip_mismatch)
            if array is not None:
                plan.append((variable, array))
    for variable, array in plan:
        variable.assign(array)


def _optimizer_plan(entry: Entry, group: Any, source: str, skip_mismatch: bool) -> list:
    """Keras's rule: an optimizer whose variable count differs is skipped with a warning."""
    if group is None:
        return []
    if len(group.keys()) != len(entry.variables):
        warnings.warn(
            f"{source}: skipping the state of optimizer {entry.name!r}: it has "
            f"{len(entry.variables)} variables, the file stores {len(group.keys())}.",
            stacklevel=4,
        )
        return []
    plan = []
    for i, variable in enumerate(entry.variables):
        array = _read_variable(group, i, variable, entry, source, skip_mismatch)
        if array is not None:
            plan.append((variable, array))
    return plan


def prepare_optimizer(model: Any, h5file: Any, source: str) -> None:
    """Build the model's optimizer (with Keras's variable order) when the file holds the
    state of a built optimizer and the model's is not built yet."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or optimizer.built:
        return
    for entry in entries(model):
        if entry.owner is optimizer:
            group = _safe_group(h5file, entry.vars_path, source)
            if group is not None and len(group.keys()) > len(optimizer.variables):
                optimizer.build(trainable_variables(model))
            return


def load_state(model: Any, h5file: Any, source: str, skip_mismatch: bool = False) -> None:
    """Build the optimizer if needed, then :func:`read_state`."""
    prepare_optimizer(model, h5file, source)
    read_state(model, h5file, source, skip_mismatch)


def open_h5(data_or_path: Any, source: str) -> Any:
    """Open an HDF5 file (a path or bytes) read-only, naming ``source`` if it is damaged."""
    h5py = h5py_module()
    target = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    try:
        return h5py.File(target, "r")
    except OSError as e:
        raise ValueError(
            f"{source}: not a readable HDF5 file (damaged or truncated?): {e}"
        ) from None


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False) -> None:
    """Load weights saved by ``save_weights`` or ``save`` (deepnum's or Keras 3's), or a
    Keras 2 ``.h5`` weights file.

    Args:
        model: a built model with the saved architecture.
        filepath: ``*.weights.h5``, ``*.keras`` or a legacy ``*.h5``.
        skip_mismatch: skip weights whose shape differs (with a warning).
    """
    path = os.fspath(filepath)
    if not getattr(model, "built", False):
        raise ValueError(
            f'load_weights: model "{model.name}" is not built yet; call it on data or '
            f"build(input_shape) before loading {path!r}."
        )
    if str(path).endswith(".keras"):
        from deepnum.saving.keras_format import read_archive

        members = read_archive(path, want_weights=True)
        with open_h5(members["model.weights.h5"], path) as f:
            load_state(model, f, path, skip_mismatch)
        return
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_weights: no such file: {path!r}.")
    with open_h5(path, path) as f:
        from deepnum.saving import legacy_h5

        if legacy_h5.is_legacy(f):
            legacy_h5.load_weights_from_group(model, f, path, skip_mismatch)
        else:
            load_state(model, f, path, skip_mismatch)
