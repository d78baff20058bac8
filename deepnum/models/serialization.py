"""Model configs in Keras 3's JSON schema (Sequential and Functional), and their inverse."""

from __future__ import annotations

from typing import Any

from deepnum.layers.serialization import deserialize, serialize
from deepnum.models.functional import InputLayer, KerasTensor, map_structure


def sequential_config(model: Any) -> dict:
    layers = []
    if model._input_layer is not None:
        layers.append(serialize(model._input_layer))
    layers.extend(serialize(layer) for layer in model._stack)
    config = {
        "name": model.name,
        "trainable": model.trainable,
        "dtype": model.dtype,
        "layers": layers,
    }
    if model._input_layer is not None:
        config["build_input_shape"] = list(model._input_layer.batch_shape)
    return config


def _tensor_ref(t: KerasTensor) -> dict:
    layer = t.node.layer
    return {
        "class_name": "__keras_tensor__",
        "config": {
            "shape": list(t.shape),
            "dtype": t.dtype,
            "keras_history": [layer.name, layer._inbound_nodes.index(t.node), t.index],
        },
    }


def _history(t: KerasTensor) -> list:
    """A model input/output reference. Keras counts a nested Functional model's own
    input-to-output node first, so its call nodes are numbered from 1 here."""
    layer = t.node.layer
    return [layer.name, layer._inbound_nodes.index(t.node) + _is_functional(layer), t.index]


def _is_functional(layer: Any) -> int:
    from deepnum.models.model import Model
    from deepnum.models.sequential import Sequential

    return int(
        isinstance(layer, Model)
        and not isinstance(layer, Sequential)
        and getattr(layer, "_graph", None) is not None
    )


def _structure_refs(structure: Any, fn: Any) -> Any:
    if isinstance(structure, KerasTensor):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: _structure_refs(v, fn) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)) and any(
        isinstance(s, (KerasTensor, list, tuple, dict)) for s in structure
    ):
        return [_structure_refs(s, fn) for s in structure]
    return structure


def model_config(model: Any) -> dict:
    """The Functional config: layers with their inbound nodes, input and output layers."""
    graph = model._graph
    if graph is None:
        return {"name": model.name, "trainable": model.trainable}
    nodes_in_graph = {id(n) for n in graph.nodes} | {id(t.node) for t in graph.flat_inputs}
    layers = []
    for layer in graph.layers:
        entry = serialize(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {
                "args": _structure_refs(list(node.args), _tensor_ref),
                "kwargs": _structure_refs(dict(node.kwargs), _tensor_ref),
            }
            for node in layer._inbound_nodes
            if id(node) in nodes_in_graph and not isinstance(layer, InputLayer)
        ]
        layers.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": _structure_refs(graph.inputs, _history),
        "output_layers": _structure_refs(graph.outputs, _history),
    }


def model_from_config(cls: type, config: dict, custom_objects: dict | None = None) -> Any:
    """Rebuild a model: a Sequential from its layer list, a Functional by replaying its nodes."""
    from deepnum.models.model import Model
    from deepnum.models.sequential import Sequential

    if issubclass(cls, Sequential):
        model = cls(name=config.get("name"))
        for layer_config in config.get("layers", []):
            model.add(deserialize(layer_config, custom_objects), rebuild=False)
        if config.get("build_input_shape") and model._input_layer is None:
            model.build(tuple(config["build_input_shape"]))
        else:
            model._maybe_build_graph()
        return model
    functional = all(k in config for k in ("layers", "input_layers", "output_layers"))
    if functional and _revivable_as_functional(cls):
        return _functional_from_config(Model if cls is Model else cls, config, custom_objects)
    try:
        return cls(**config)
    except TypeError as e:
        raise TypeError(
            f"Unable to revive model {cls.__name__} from its config (keys {sorted(config)}): "
            f"{e}. A subclassed model's get_config() must return every argument of its "
            "__init__ (and from_config must rebuild nested layers)."
        ) from e


def _revivable_as_functional(cls: type) -> bool:
    """Keras's rule: Model itself, or a subclass whose __init__ takes Model's arguments."""
    import inspect

    from deepnum.models.model import Model

    if cls is Model or cls.__init__ is Model.__init__:
        return True
    params = inspect.signature(cls.__init__).parameters
    kinds = {p.kind for p in params.values()}
    return {"inputs", "outputs"} <= set(params) or (
        inspect.Parameter.VAR_POSITIONAL in kinds and inspect.Parameter.VAR_KEYWORD in kinds
    )


def _functional_from_config(cls: type, config: dict, custom_objects: dict | None) -> Any:
    created: dict[str, Any] = {}
    outputs: dict[tuple[str, int], list] = {}
    for entry in config["layers"]:
        layer = deserialize({k: v for k, v in entry.items() if k != "build_config"}, custom_objects)
        created[entry["name"]] = layer
        if isinstance(layer, InputLayer):
            outputs[(entry["name"], 0)] = [layer.output]
    # Replay the calls in file order; a call waits until all its inputs exist.
    pending = [
        (e["name"], i, node)
        for e in config["layers"]
        for i, node in enumerate(e.get("inbound_nodes", []))
    ]
    progress = True
    while pending and progress:
        progress = False
        for item in list(pending):
            name, index, node = item
            try:
                args = _resolve(node.get("args", []), outputs)
                kwargs = _resolve(node.get("kwargs", {}), outputs)
            except KeyError:
                continue
            out = created[name](*args, **kwargs)
            outputs[(name, index)] = out if isinstance(out, list) else [out]
            pending.remove(item)
            progress = True
    if pending:
        raise ValueError(f"Model config is inconsistent: cannot connect layers {pending[:3]}.")

    def lookup(ref: list) -> Any:
        name, index, tensor_index = ref
        return outputs[(name, index - _is_functional(created[name]))][tensor_index]

    inputs = _map_refs(config["input_layers"], lookup)
    outs = _map_refs(config["output_layers"], lookup)
    return cls(inputs=inputs, outputs=outs, name=config.get("name"))


def _is_ref(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and isinstance(value[1], int)
    )


def _map_refs(structure: Any, fn: Any) -> Any:
    if _is_ref(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: _map_refs(v, fn) for k, v in structure.items()}
    return [_map_refs(s, fn) for s in structure]


def _resolve(structure: Any, outputs: dict) -> Any:
    def one(value: Any) -> Any:
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            name, index, tensor_index = value["config"]["keras_history"]
            return outputs[(name, index)][tensor_index]
        if isinstance(value, dict):
            return {k: one(v) for k, v in value.items()}
        if isinstance(value, list):
            return [one(v) for v in value]
        return value

    return map_structure(lambda v: v, one(structure))
