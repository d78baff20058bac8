"""KerasFileEditor: inspect and edit the weights in a ``.keras`` or ``.weights.h5`` file."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from deepnum.saving.atomic import atomic_write
from deepnum.saving.h5_reader import DIGEST_ATTR, H5Reader, h5py_module, weights_digest

_MEMBER_LIMIT = 1 << 32  # bytes of weights read from a .keras archive (Keras's dataset limit)


class KerasFileEditor:
    """Read the weights of a ``.keras`` or ``.weights.h5`` file as a tree, edit it, and write
    a new ``.weights.h5`` — Keras 3's ``keras.saving.KerasFileEditor``.

    ``weights_dict`` is a nested dict in the file's layout: an object's path
    (``layers/dense_1``) leads to ``{"0": kernel, "1": bias}``. Objects are named by path, or
    by their last path element when it is unique. Reading is checked like every deepnum load
    (no links, no external or virtual data, sizes bounded). Unlike Keras 3.15, an object that
    holds both variables and sub-objects (an LSTM and its cell, an optimizer wrapper) keeps
    both in the tree.

    Args:
        filepath: a ``.keras`` or ``.weights.h5`` file.

    Example:
        >>> import os, tempfile, numpy as np, deepnum as dn
        >>> model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2, name="out")])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.h5")
        >>> model.save_weights(path)
        >>> editor = KerasFileEditor(path)    # doctest: +ELLIPSIS
        Keras model file '...m.weights.h5'
        >>> editor.summary()
        layers
          dense (out)
            0: shape=(3, 2), dtype=float32
            1: shape=(2,), dtype=float32
        >>> editor.delete_weight("layers/dense", "1")
        >>> editor.add_weights("dense", {"1": np.ones(2, "float32")})
        >>> editor.save(path)
        >>> model.load_weights(path)
        >>> model.layers[0].bias.numpy().tolist()
        [1.0, 1.0]
    """

    def __init__(self, filepath: Any) -> None:
        self.filepath = os.fspath(filepath)
        self.metadata: dict | None = None
        self.config: dict | None = None
        self.model = None
        if self.filepath.endswith(".keras"):
            from deepnum.saving.keras_format import CONFIG, METADATA, WEIGHTS, open_archive

            with open_archive(self.filepath, self.filepath) as archive:
                self.config = archive.json(CONFIG)
                self.metadata = archive.json(METADATA) if METADATA in archive.sizes else None
                data = archive.read(WEIGHTS, _MEMBER_LIMIT, "an edited weights file")
            self.weights_dict, self.object_metadata = _read_tree(data, self.filepath, WEIGHTS)
        elif self.filepath.endswith(".weights.h5"):
            self.weights_dict, self.object_metadata = _read_tree(self.filepath, self.filepath)
        else:
            raise ValueError(
                "KerasFileEditor: invalid filename: expected a `.keras` or `.weights.h5` "
                f"extension. Received: filepath={self.filepath}"
            )
        print(f"Keras model file '{self.filepath}'")
        if self.metadata:
            version = self.metadata.get("keras_version", "?")
            print(f"Saved with Keras {version} on {self.metadata.get('date_saved', '?')}")

    # ------------------------------------------------------------------ inspecting
    def summary(self) -> None:
        """Print the tree: each object's path and name, then each weight's shape and dtype."""
        for line in _tree_lines(self.weights_dict, self.object_metadata):
            print(line)

    def compare(self, reference_model: Any) -> dict[str, Any]:
        """List every difference between the file and ``reference_model``'s weights.

        The file's tree is checked against the model's, then the model's against the file's;
        the counts follow Keras's own tally (which adds up nested counts cumulatively), so
        they equal Keras's for the same file and model.

        Args:
            reference_model: a built deepnum model (its optimizer state counts when it has
                one).

        Returns:
            ``{"status": "success" | "error", "error_count": int, "match_count": int}``.
        """
        print("Running comparison")
        spec = _model_spec(reference_model)
        checked: set[str] = set()
        errors, matches = _compare(self.weights_dict, spec, "", "saved file", "reference model",
                                   0, 0, checked)  # fmt: skip
        more, _ = _compare(spec, self.weights_dict, "", "reference model", "saved file",
                           0, 0, checked)  # fmt: skip
        errors += more
        print("─────────────────────")
        if errors:
            print(
                f"Found {errors} error{'s' * (errors != 1)}: saved file is not compatible with "
                "the reference model"
            )
        else:
            print("Comparison successful: saved file is compatible with the reference model")
            print(f"    Found {matches} matching weight{'s' * (matches != 1)}")
        status = "error" if errors else "success"
        return {"status": status, "error_count": errors, "match_count": matches}

    # ------------------------------------------------------------------ editing
    def rename_object(self, object_name: str, new_name: str) -> None:
        """Rename an object (e.g. ``"dense_2"`` or ``"layers/dense_2"``) to ``new_name``."""

        def rename(parent: dict, key: str) -> None:
            parent[new_name] = parent.pop(key)

        self._edit(rename, object_name, new_name)

    def delete_object(self, object_name: str) -> None:
        """Remove an object (name or path) and all its weights."""
        self._edit(lambda parent, key: parent.pop(key), object_name)

    def add_object(self, object_path: str, weights: dict[str, Any]) -> None:
        """Add an object at ``object_path`` (e.g. ``"layers/dense_2"``) with
        ``weights = {"0": kernel, "1": bias}``; its parent path must exist."""
        _check_weights(weights)
        *parents, leaf = object_path.split("/")
        tree = self.weights_dict
        for part in parents:
            if not isinstance(tree.get(part), dict):
                raise ValueError(f"Path '{'/'.join(parents)}' not found in model.")
            tree = tree[part]
        tree[leaf] = {k: np.asarray(v) for k, v in weights.items()}

    def delete_weight(self, object_name: str, weight_name: str) -> None:
        """Remove the weight ``weight_name`` (e.g. ``"0"``) of an object (name or path)."""

        def delete(parent: dict, key: str) -> None:
            if weight_name not in parent[key]:
                raise ValueError(
                    f"Weight {weight_name} not found in object {object_name}. Weights found: "
                    f"{list(parent[key])}"
                )
            parent[key].pop(weight_name)

        self._edit(delete, object_name)

    def add_weights(self, object_name: str, weights: dict[str, Any]) -> None:
        """Add (or replace) weights ``{"name": array}`` of an existing object."""
        _check_weights(weights)
        arrays = {k: np.asarray(v) for k, v in weights.items()}
        self._edit(lambda parent, key: parent[key].update(arrays), object_name)

    def _edit(self, edit: Any, source_name: str, target_name: str | None = None) -> None:
        if target_name is not None and "/" in target_name:
            raise ValueError(
                "Argument `target_name` should be a leaf name, not a full path name. "
                f"Received: target_name='{target_name}'"
            )
        if "/" in source_name:
            *parents, leaf = source_name.split("/")
            tree = self.weights_dict
            for part in parents:
                if not isinstance(tree.get(part), dict):
                    raise ValueError(f"Path '{source_name}' not found in model.")
                tree = tree[part]
            if leaf not in tree:
                raise ValueError(f"Path '{source_name}' not found in model.")
            edit(tree, leaf)
            return
        holders = [tree for tree in _groups(self.weights_dict) if source_name in tree]
        if len(holders) > 1:
            raise ValueError(
                f"Name '{source_name}' occurs more than once in the model; try passing a "
                "complete path"
            )
        if not holders:
            raise ValueError(
                f"Source name '{source_name}' does not appear in the model. Use "
                "`editor.summary()` to list all objects."
            )
        edit(holders[0], source_name)

    # ------------------------------------------------------------------ writing
    def save(self, filepath: Any) -> None:
        """Write the edited tree as a Keras 3 ``.weights.h5`` file (atomically).

        Args:
            filepath: the new file; it must end in ``.weights.h5``.
        """
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(
                "Invalid `filepath` argument: expected a `.weights.h5` extension. "
                f"Received: filepath={filepath}"
            )
        h5py = h5py_module()
        with atomic_write(filepath, "wb") as f, h5py.File(f, "w") as h5:
            written: dict[str, np.ndarray] = {}
            _write_tree(h5, self.weights_dict, "", self.object_metadata, written)
            h5.attrs[DIGEST_ATTR] = weights_digest(written)

    def resave_weights(self, filepath: Any) -> None:
        """The same as :meth:`save`."""
        self.save(filepath)


def _model_spec(model: Any) -> dict:
    """The model's weights as the file would hold them: a tree of shapes, weight names in
    Keras's (string) order, objects without weights left out."""
    from deepnum.saving.weights_h5 import entries

    spec: dict[str, Any] = {}
    for entry in entries(model):
        if not entry.variables:
            continue
        node = spec
        for part in [p for p in entry.path.split("/") if p]:
            node = node.setdefault(part, {})
        for key in sorted(str(i) for i in range(len(entry.variables))):
            node[key] = _Shape(tuple(entry.variables[int(key)].shape))
    return spec


class _Shape:
    """A stand-in for a weight in a spec: only its shape."""

    def __init__(self, shape: tuple) -> None:
        self.shape = shape


def _compare(
    target: dict,
    reference: dict,
    path: str,
    target_name: str,
    ref_name: str,
    errors: int,
    matches: int,
    checked: set[str],
) -> tuple[int, int]:
    """Keras's comparison walk, with its tally: counts are passed down and the returned totals
    added again, so nested objects count cumulatively."""
    for key, value in reference.items():
        inner = f"{path}/{key}"
        if inner in checked:
            continue
        if key not in target:
            errors += 1
            checked.add(inner)
            kind = "Object" if isinstance(value, dict) else "Weight"
            print(f"...{kind} {inner} present in {ref_name}, missing from {target_name}")
            if isinstance(value, dict):
                print(f"    In {ref_name}, {inner} contains the following keys: {list(value)}")
        elif isinstance(value, dict):
            more_errors, more_matches = _compare(
                target[key], value, inner, target_name, ref_name, errors, matches, checked
            )
            errors += more_errors
            matches += more_matches
        elif tuple(target[key].shape) != tuple(value.shape):
            errors += 1
            checked.add(inner)
            print(f"...Weight shape mismatch for {inner}")
            print(f"    In {ref_name}: shape={tuple(value.shape)}")
            print(f"    In {target_name}: shape={tuple(target[key].shape)}")
        else:
            matches += 1
    return errors, matches


def _check_weights(weights: Any) -> None:
    if not isinstance(weights, dict):
        raise ValueError(
            "Argument `weights` should be a dict where keys are weight names (usually '0', "
            f"'1', etc.) and values are NumPy arrays. Received: type(weights)={type(weights)}"
        )


def _groups(tree: dict) -> list[dict]:
    """Every dict of the tree (the tree first), without recursion."""
    out, stack = [], [tree]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(v for v in current.values() if isinstance(v, dict))
    return out


def _tree_lines(tree: dict, metadata: dict[str, Any], prefix: str = "", depth: int = 0) -> list:
    lines = []
    for key, value in tree.items():
        path = f"{prefix}/{key}" if prefix else key
        indent = "  " * depth
        if isinstance(value, dict):
            name = metadata.get(f"/{path}", {}).get("name")
            lines.append(f"{indent}{key}" + (f" ({name})" if name else ""))
            lines.extend(_tree_lines(value, metadata, path, depth + 1))
        else:
            lines.append(f"{indent}{key}: shape={tuple(value.shape)}, dtype={value.dtype}")
    return lines


def _read_tree(source: Any, name: str, member: str | None = None) -> tuple[dict, dict]:
    """The weights tree and the object names (``{path: {"name": ...}}``) of an HDF5 file."""
    from deepnum.saving.weights_h5 import open_h5

    size = len(source) if isinstance(source, bytes) else os.path.getsize(source)
    with open_h5(source, name, member) as f:
        reader = H5Reader(f, name, member, size)
        datasets = reader.datasets()
        tree: dict[str, Any] = {}
        metadata: dict[str, Any] = {}
        for path in sorted(datasets, key=lambda p: p.split("/")):  # h5py's order, per level
            parts = path.split("/")
            if len(parts) < 2 or parts[-2] != "vars":
                continue  # only variables (``<object>/vars/<i>``) belong to the tree
            node = tree
            for part in parts[:-2]:
                node = node.setdefault(part, {})
            node[parts[-1]] = reader.read(datasets[path], path)
            owner = "/" + "/".join(parts[:-2])  # Keras's keys: "/layers/dense"
            group = reader.group("/".join(parts[:-1]))
            if group is not None and "name" in group.attrs and owner not in metadata:
                value = group.attrs["name"]
                metadata[owner] = {"name": value.decode() if isinstance(value, bytes) else value}
    return tree, metadata


def _write_tree(h5: Any, tree: dict, prefix: str, metadata: dict, written: dict) -> None:
    weights = {k: v for k, v in tree.items() if not isinstance(v, dict)}
    if weights:
        group = h5.require_group(f"{prefix}/vars" if prefix else "vars")
        name = metadata.get(f"/{prefix}", {}).get("name")
        if name is not None:
            group.attrs["name"] = name
        for key, value in weights.items():
            array = np.asarray(value, order="C")
            group.create_dataset(key, data=array)
            written[f"{group.name.lstrip('/')}/{key}"] = array
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            _write_tree(h5, value, f"{prefix}/{key}" if prefix else key, metadata, written)
