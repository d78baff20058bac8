"""Legacy Keras ``.h5`` files (Keras 2, and Keras 3's legacy writer): whole models and
weights-only files.

A whole-model file keeps its architecture as JSON in the ``model_config`` attribute and the
weights under ``model_weights/<layer>/`` (listed by the ``layer_names`` and ``weight_names``
attributes), assigned layer by layer in order as Keras does. A model loads when every class in
its config is one deepnum provides (or is registered); otherwise the error names the file and
the class.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

from deepnum.autodiff.tensor import shape_str
from deepnum.saving.errors import FileLoadError
from deepnum.saving.h5_reader import H5Reader
from deepnum.saving.saveables import model_layers, trainable_variables


def is_legacy(h5file: Any) -> bool:
    """Whether an open HDF5 file uses the legacy layout (rather than Keras 3's ``vars``)."""
    return (
        "layer_names" in h5file.attrs or "model_weights" in h5file or "model_config" in h5file.attrs
    )


def _attr_list(group: Any, name: str) -> list[str]:
    """A list-of-names attribute, also when Keras split it into ``name0``, ``name1``, ..."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values.extend(group.attrs[f"{name}{chunk}"])
            chunk += 1
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


def _attr_text(h5file: Any, name: str) -> str | None:
    value = h5file.attrs.get(name)
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


# ------------------------------------------------------------------------ config conversion
def convert_legacy_nodes(nodes: list) -> list:
    """Keras 2's ``inbound_nodes`` (``[[["dense", 0, 0, {}], ...]]``) in Keras 3's form."""
    out = []
    for node in nodes:
        if isinstance(node, dict):
            out.append(node)
            continue
        refs, kwargs = [], {}
        for item in node:
            if not isinstance(item, (list, tuple)) or len(item) not in (3, 4):
                raise ValueError(f"invalid legacy inbound node {item!r}.")
            refs.append(
                {
                    "class_name": "__keras_tensor__",
                    "config": {
                        "shape": None,
                        "dtype": None,
                        "keras_history": [item[0], int(item[1]), int(item[2])],
                    },
                }
            )
            if len(item) == 4 and item[3]:
                kwargs = dict(item[3])
        out.append({"args": [refs[0] if len(refs) == 1 else refs], "kwargs": kwargs})
    return out


# ------------------------------------------------------------------------ weights
def _weight_layers(model: Any) -> list[Any]:
    """Layers that own weights, in the order Keras saved them (``model.layers``)."""
    return [layer for layer in model_layers(model) if layer.weights]


def _legacy_weights(layer: Any) -> list[Any]:
    """Keras's legacy order: trainable weights, then non-trainable ones."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _names(reader: H5Reader, group: Any, attr: str, path: str) -> list[str]:
    with reader.guard(path):
        return _attr_list(group, attr)


def _existing_group(reader: H5Reader, path: str, parent: Any = None) -> Any:
    group = reader.group(path, parent)
    if group is None:
        raise reader.error(f"the file lists the group '{path}', but it is missing.")
    return group


def load_weights_from_group(model: Any, reader: H5Reader, skip_mismatch: bool = False) -> None:
    """Assign the weights of a legacy file (``model_weights`` group or a weights-only file)
    layer by layer, after checking every shape.

    Raises:
        FileLoadError: naming the file and the layer, group or dataset that is wrong.
    """
    with reader.guard():
        nested = "model_weights" in reader.file
    group = _existing_group(reader, "model_weights") if nested else reader.file
    names = [
        n
        for n in _names(reader, group, "layer_names", "model_weights")
        if _names(reader, _existing_group(reader, n, group), "weight_names", n)
    ]
    layers = _weight_layers(model)
    if len(names) != len(layers):
        raise reader.error(
            f"the file has weights for {len(names)} layers ({names}), the model has "
            f"{len(layers)} layers with weights ({[layer.name for layer in layers]})."
        )
    plan = []
    for name, layer in zip(names, layers):
        weight_names = _names(reader, _existing_group(reader, name, group), "weight_names", name)
        variables = _legacy_weights(layer)
        if len(weight_names) != len(variables):
            raise reader.error(
                f"layer {layer.name!r} expects {len(variables)} weights, the file stores "
                f"{len(weight_names)} for {name!r} ({weight_names})."
            )
        for weight_name, variable in zip(weight_names, variables):
            array = _read_weight(reader, group, f"{name}/{weight_name}", variable, skip_mismatch)
            if array is not None:
                plan.append((variable, array))
    for variable, array in plan:
        variable.assign(array)


def _read_weight(
    reader: H5Reader, group: Any, path: str, variable: Any, skip_mismatch: bool
) -> Any:
    parent, _, key = path.rpartition("/")
    dataset = reader.dataset(_existing_group(reader, parent, group), key, path)
    with reader.guard(path):
        shape, dtype = tuple(dataset.shape), dataset.dtype
    if shape != tuple(variable.shape):
        message = (
            f"shape mismatch for weight {variable.path!r} ({path}): the file has "
            f"{shape_str(shape)}, the model expects {shape_str(tuple(variable.shape))}."
        )
        if skip_mismatch:
            warnings.warn(f"{reader.source}: {message} Skipped.", stacklevel=4)
            return None
        raise reader.error(message)
    if dtype.kind not in "biuf":
        raise reader.error(f"weight {path!r} has dtype {dtype}.")
    return reader.read(dataset, path)


# ------------------------------------------------------------------------ whole models
def load_model(
    path: str,
    custom_objects: dict | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Any:
    """Load a whole model from a legacy ``.h5`` file (see the module docstring)."""
    from deepnum.saving.keras_format import build_from_config
    from deepnum.saving.limits import WeightBudget
    from deepnum.saving.weights_h5 import open_h5

    if not os.path.exists(path):
        raise FileNotFoundError(f"load_model: no such file: {path!r}.")
    size = os.path.getsize(path)
    with open_h5(path, path) as f:
        reader = H5Reader(f, path, size=size)
        with reader.guard():
            text = _attr_text(f, "model_config")
            training = _attr_text(f, "training_config")
        if text is None:
            raise FileLoadError(
                path,
                "no model config in this .h5 file (it holds only weights); build the model in "
                "code and call model.load_weights(path).",
            )
        config = _json(text, "model_config", path)
        budget = WeightBudget(path, size, "attribute 'model_config'")
        model = build_from_config(config, path, custom_objects, False, safe_mode, budget)
        load_weights_from_group(model, reader)
        if compile and training:
            _compile_legacy(model, reader, _json(training, "training_config", path), custom_objects)
    return model


def _json(text: str, attribute: str, path: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise FileLoadError(path, f"the {attribute} attribute is not valid JSON ({e}).") from None


def _compile_legacy(
    model: Any, reader: H5Reader, training: Any, custom_objects: dict | None
) -> None:
    from deepnum import optimizers
    from deepnum.saving.serialization import compile_from_config

    source = reader.source
    if not isinstance(training, dict):
        warnings.warn(f"{source}: the model was not compiled: bad training_config.", stacklevel=3)
        return
    optimizer = training.get("optimizer_config")
    if isinstance(optimizer, dict):
        optimizer = dict(optimizer)
        inner = dict(optimizer.get("config") or {})
        for key in ("is_legacy_optimizer", "jit_compile", "decay"):
            inner.pop(key, None)
        optimizer["config"] = inner
    config = {k: training.get(k) for k in ("loss", "loss_weights", "metrics", "weighted_metrics")}
    try:
        config["optimizer"] = (
            optimizers.deserialize(optimizer, custom_objects)
            if isinstance(optimizer, dict)
            else optimizer
        )
        compile_from_config(model, config, custom_objects)
    except (ValueError, TypeError) as e:
        warnings.warn(f"{source}: the model was not compiled: {e}", stacklevel=3)
        return
    _load_optimizer_weights(model, reader)


def _load_optimizer_weights(model: Any, reader: H5Reader) -> None:
    """Optimizer state written by Keras 3's legacy writer (Keras's variable order); Keras 2
    orders slots differently, so its state is not restored."""
    source = reader.source
    with reader.guard():
        version = _attr_text(reader.file, "keras_version") or ""
        if "optimizer_weights" not in reader.file:
            return
    if not version.startswith("3."):
        warnings.warn(
            f"{source}: optimizer state of Keras {version or '?'} is not restored; "
            "training restarts with fresh optimizer slots.",
            stacklevel=4,
        )
        return
    group = _existing_group(reader, "optimizer_weights")
    names = _names(reader, group, "weight_names", "optimizer_weights")
    optimizer = model.optimizer
    optimizer.build(trainable_variables(model))
    variables = optimizer.variables
    if len(names) != len(variables):
        warnings.warn(
            f"{source}: optimizer state skipped: {len(names)} saved variables, "
            f"{len(variables)} expected.",
            stacklevel=4,
        )
        return
    values = []
    for name, variable in zip(names, variables):
        parent, _, key = name.rpartition("/")
        dataset = reader.dataset(
            _existing_group(reader, parent, group) if parent else group, key, name
        )
        with reader.guard(name):
            shape = tuple(dataset.shape)
        if shape != tuple(variable.shape):
            warnings.warn(
                f"{source}: optimizer state skipped: {name} has shape {shape_str(shape)}, "
                f"expected {shape_str(tuple(variable.shape))}.",
                stacklevel=4,
            )
            return
        values.append(reader.read(dataset, name))
    for variable, value in zip(variables, values):
        variable.assign(value)


__all__ = ["convert_legacy_nodes", "is_legacy", "load_model", "load_weights_from_group"]
