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

import numpy as np

from deepnum.autodiff.tensor import shape_str
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


def load_weights_from_group(
    model: Any, h5file: Any, source: str, skip_mismatch: bool = False
) -> None:
    """Assign the weights of a legacy file (``model_weights`` group or a weights-only file)
    layer by layer, after checking every shape."""
    from deepnum.saving.weights_h5 import _safe_dataset, _safe_group

    group = _safe_group(h5file, "model_weights", source) if "model_weights" in h5file else h5file
    names = [
        n
        for n in _attr_list(group, "layer_names")
        if _attr_list(_safe_group(group, n, source), "weight_names")
    ]
    layers = _weight_layers(model)
    if len(names) != len(layers):
        raise ValueError(
            f"{source}: the file has weights for {len(names)} layers ({names}), the model has "
            f"{len(layers)} layers with weights ({[layer.name for layer in layers]})."
        )
    plan = []
    for name, layer in zip(names, layers):
        layer_group = _safe_group(group, name, source)
        weight_names = _attr_list(layer_group, "weight_names")
        variables = _legacy_weights(layer)
        if len(weight_names) != len(variables):
            raise ValueError(
                f"{source}: layer {layer.name!r} expects {len(variables)} weights, the file "
                f"stores {len(weight_names)} for {name!r} ({weight_names})."
            )
        for weight_name, variable in zip(weight_names, variables):
            parent, _, key = f"{name}/{weight_name}".rpartition("/")
            dataset = _safe_dataset(_safe_group(group, parent, source), key, weight_name, source)
            if tuple(dataset.shape) != tuple(variable.shape):
                message = (
                    f"{source}: shape mismatch for weight {variable.path!r} "
                    f"({weight_name}): the file has {shape_str(tuple(dataset.shape))}, "
                    f"the model expects {shape_str(tuple(variable.shape))}."
                )
                if skip_mismatch:
                    warnings.warn(message + " Skipped.", stacklevel=3)
                    continue
                raise ValueError(message)
            if dataset.dtype.kind not in "biuf":
                raise ValueError(f"{source}: weight {weight_name!r} has dtype {dataset.dtype}.")
            plan.append((variable, np.asarray(dataset[()])))
    for variable, array in plan:
        variable.assign(array)


# ------------------------------------------------------------------------ whole models
def load_model(
    path: str,
    custom_objects: dict | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Any:
    """Load a whole model from a legacy ``.h5`` file (see the module docstring)."""
    from deepnum.saving.keras_format import build_from_config
    from deepnum.saving.weights_h5 import open_h5

    if not os.path.exists(path):
        raise FileNotFoundError(f"load_model: no such file: {path!r}.")
    with open_h5(path, path) as f:
        text = _attr_text(f, "model_config")
        if text is None:
            raise ValueError(
                f"{path}: no model config in this .h5 file (it holds only weights); build the "
                "model in code and call model.load_weights(path)."
            )
        try:
            config = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(
                f"{path}: the model_config attribute is not valid JSON ({e})."
            ) from None
        model = build_from_config(config, path, custom_objects, False, safe_mode)
        load_weights_from_group(model, f, path)
        training = _attr_text(f, "training_config")
        if compile and training:
            _compile_legacy(model, f, json.loads(training), path, custom_objects)
    return model


def _compile_legacy(
    model: Any, h5file: Any, training: dict, source: str, custom_objects: dict | None
) -> None:
    from deepnum import optimizers
    from deepnum.saving.serialization import compile_from_config

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
    _load_optimizer_weights(model, h5file, source)


def _load_optimizer_weights(model: Any, h5file: Any, source: str) -> None:
    """Optimizer state written by Keras 3's legacy writer (Keras's variable order); Keras 2
    orders slots differently, so its state is not restored."""
    version = _attr_text(h5file, "keras_version") or ""
    if "optimizer_weights" not in h5file:
        return
    if not version.startswith("3."):
        warnings.warn(
            f"{source}: optimizer state of Keras {version or '?'} is not restored; "
            "training restarts with fresh optimizer slots.",
            stacklevel=4,
        )
        return
    from deepnum.saving.weights_h5 import _safe_dataset, _safe_group

    group = _safe_group(h5file, "optimizer_weights", source)
    names = _attr_list(group, "weight_names")
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
        dataset = _safe_dataset(
            _safe_group(group, parent, source) if parent else group, key, name, source
        )
        if tuple(dataset.shape) != tuple(variable.shape):
            warnings.warn(
                f"{source}: optimizer state skipped: {name} has shape "
                f"{shape_str(tuple(dataset.shape))}, expected "
                f"{shape_str(tuple(variable.shape))}.",
                stacklevel=4,
            )
            return
        values.append(np.asarray(dataset[()]))
    for variable, value in zip(variables, values):
        variable.assign(value)


__all__ = ["convert_legacy_nodes", "is_legacy", "load_model", "load_weights_from_group"]
