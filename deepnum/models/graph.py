"""The directed acyclic graph behind a Functional model: nodes in topological order and their
execution (both without recursion)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.models.functional import (
    InputLayer,
    KerasTensor,
    Node,
    _flatten,
    _OpLayer,
    map_structure,
)


class Graph:
    """The layer calls between ``inputs`` and ``outputs``, ready to be replayed on data."""

    def __init__(self, inputs: Any, outputs: Any) -> None:
        self.inputs, self.outputs = inputs, outputs
        self.flat_inputs: list[KerasTensor] = _flatten(inputs)
        self.flat_outputs: list[KerasTensor] = _flatten(outputs)
        for t in self.flat_inputs + self.flat_outputs:
            if not isinstance(t, KerasTensor):
                raise TypeError(
                    "Model(inputs, outputs): expected symbolic tensors from deepnum.Input and "
                    f"layer calls, received {type(t).__name__}."
                )
        self.nodes = self._topological_nodes()
        self._check_connected()
        self._release_after = self._last_uses()

    def _last_uses(self) -> list[list[int]]:
        """For each node, the ids of the values no later node reads (outputs excepted): ``run``
        drops them once the node has run, so inference holds only the live activations."""
        last: dict[int, int] = {}
        for i, node in enumerate(self.nodes):
            for t in _flatten([node.args, node.kwargs]):
                if isinstance(t, KerasTensor):
                    last[id(t)] = i
        kept = {id(t) for t in self.flat_outputs}
        release: list[list[int]] = [[] for _ in self.nodes]
        for tid, i in last.items():
            if tid not in kept:
                release[i].append(tid)
        return release

    def _topological_nodes(self) -> list[Node]:
        order: list[Node] = []
        seen: set[int] = set()
        stack: list[tuple[Node, bool]] = [(t.node, False) for t in reversed(self.flat_outputs)]
        input_ids = {id(t) for t in self.flat_inputs}
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for parent in reversed(node.parents):
                if id(parent) not in input_ids and id(parent.node) not in seen:
                    stack.append((parent.node, False))
        return order

    def _check_connected(self) -> None:
        available = {id(t) for t in self.flat_inputs}
        for node in self.nodes:
            if isinstance(node.layer, InputLayer) and not node.parents:
                if id(node.outputs[0]) not in available:
                    raise ValueError(
                        f'Graph disconnected: the model uses the input "{node.layer.name}" '
                        f"{shape_str(node.outputs[0].shape)}, which is not among the model's "
                        "inputs. Pass it in Model(inputs=[...])."
                    )
                continue
            for parent in node.parents:
                if id(parent) not in available:
                    raise ValueError(
                        f'Graph disconnected: cannot obtain a value for "{parent.name}" needed '
                        f'by layer "{node.layer.name}".'
                    )
            available.update(id(t) for t in node.outputs)

    def keras_layers(self) -> list[Any]:
        """The layers as Keras lists them (``model.layers``, ``get_weights`` order)."""
        return keras_layer_order(self)

    @property
    def layers(self) -> list[Any]:
        """Each layer once, inputs first, in execution order (operator layers included)."""
        out, seen = [], set()
        for t in self.flat_inputs:
            layer = t.node.layer
            if id(layer) not in seen:
                seen.add(id(layer))
                out.append(layer)
        for node in self.nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                out.append(node.layer)
        return out

    def run(self, flat_values: list[Any], training: Any = None) -> Any:
        """Execute the graph on values for ``flat_inputs``; return the outputs' structure.

        As in Keras 3, a ``training`` value given to the model (e.g. ``True`` by ``fit``)
        reaches every layer call, over a ``training=`` written when the graph was built
        (``base_model(inputs, training=False)`` runs in training mode inside ``fit``)."""
        values: dict[int, Any] = {id(t): v for t, v in zip(self.flat_inputs, flat_values)}
        release = self._release_after
        for i, node in enumerate(self.nodes):
            if isinstance(node.layer, InputLayer):
                continue
            args = map_structure(
                lambda t: values[id(t)] if isinstance(t, KerasTensor) else t, node.args
            )
            kwargs = map_structure(
                lambda t: values[id(t)] if isinstance(t, KerasTensor) else t, node.kwargs
            )
            if training is not None:
                kwargs["training"] = training
            out = node.layer(*args, **kwargs)
            for t, v in zip(node.outputs, _flatten(out)):
                values[id(t)] = v
            for tid in release[i]:
                values.pop(tid, None)
        return map_structure(lambda t: values[id(t)], self.outputs)


def adjust_input_rank(spec: KerasTensor, value: Any) -> Any:
    """As Keras's Functional: a value one axis short of an input whose last axis is 1 gains
    that axis (e.g. strings of shape (batch,) for ``Input(shape=(1,))``), and a value with an
    extra trailing axis of 1 loses it."""
    shape = getattr(value, "shape", None)
    if shape is None or not spec.shape:
        return value
    rank, expected = len(shape), len(spec.shape)
    if rank == expected - 1 and spec.shape[-1] == 1:
        return _ops().expand_dims(value, -1) if isinstance(value, Tensor) else value[..., None]
    if rank == expected + 1 and shape[-1] == 1:
        return _ops().squeeze(value, -1) if isinstance(value, Tensor) else value[..., 0]
    return value


def _ops() -> Any:
    from deepnum import ops  # models import before ops finish loading

    return ops


def check_model_input(model_name: str, spec: KerasTensor, value: Any, index: int) -> None:
    """Compare a value with the model's symbolic input; name both shapes and suggest a fix."""
    shape = tuple(getattr(value, "shape", ()))
    expected = spec.shape
    # As Keras, the batch axis is not checked: a model built on one batch runs on any other.
    ok = len(shape) == len(expected) and all(
        e is None or e == s for e, s in zip(expected[1:], shape[1:])
    )
    if ok:
        return
    hint = ""
    if len(shape) > len(expected) and len(expected) == 2 and expected[1] is not None:
        size = 1
        for s in shape[1:]:
            size *= s
        if size == expected[1]:
            hint = " Flatten the input (x.reshape(len(x), -1)) or add a Flatten layer."
    elif len(shape) == len(expected) - 1:
        hint = " Add the missing axis, e.g. x[..., None] for a channel axis."
    raise ValueError(
        f'Input {index} of model "{model_name}" is incompatible: expected shape '
        f"{shape_str((None,) + tuple(expected[1:]))}, received "
        f"{shape_str((None,) + shape[1:])}.{hint}"
    )


def flatten_model_inputs(graph: Graph, inputs: Any) -> list[Any]:
    """Match user-given inputs (a value, list/tuple, or dict by input name) to the graph."""
    specs = graph.flat_inputs
    if isinstance(inputs, dict):
        names = [t.node.layer.name for t in specs]
        missing = [n for n in names if n not in inputs]
        if missing:
            raise ValueError(
                f"Missing model inputs {missing}; the model's inputs are named {names}."
            )
        return [inputs[n] for n in names]
    if isinstance(inputs, (list, tuple)) and not (len(specs) == 1 and isinstance(inputs, Tensor)):
        if len(specs) == 1 and len(inputs) != 1:
            return [inputs]
        if len(inputs) != len(specs):
            raise ValueError(f"The model expects {len(specs)} inputs, but received {len(inputs)}.")
        return list(inputs)
    if len(specs) != 1:
        raise ValueError(f"The model expects {len(specs)} inputs (a list or dict), received one.")
    return [inputs]


def keras_layer_order(graph: Graph) -> list[Any]:
    """The graph's layers in Keras's order (``keras.src.ops.function.map_graph``): by
    decreasing depth (distance to the outputs), ties by first visit in a depth-first walk from
    the outputs. Operator layers (``x + y`` on symbolic tensors) are not layers in Keras."""
    order, first_visit = _build_map(graph)
    in_graph = {id(n) for n in order}
    node_depth: dict[int, int] = {}
    op_depth: dict[int, int] = {}
    layers: dict[int, Any] = {}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), op_depth.get(id(node.layer), 0))
        op_depth[id(node.layer)] = node_depth[id(node)] = depth
        layers[id(node.layer)] = node.layer
        for parent in node.parents:
            if id(parent.node) in in_graph:
                node_depth[id(parent.node)] = max(depth + 1, node_depth.get(id(parent.node), 0))
    for t in graph.flat_inputs:  # inputs that no output depends on
        if id(t.node.layer) not in op_depth:
            op_depth[id(t.node.layer)] = 0
            layers[id(t.node.layer)] = t.node.layer
            first_visit[id(t.node.layer)] = -1
    ranked = sorted(layers, key=lambda k: (-op_depth[k], first_visit.get(k, -1)))
    return [layers[k] for k in ranked if not isinstance(layers[k], _OpLayer)]


def _build_map(graph: Any) -> tuple[list, dict[int, int]]:
    """Nodes from inputs to outputs (Keras's ``_build_map``) and each layer's first-visit
    index in the depth-first walk from the outputs."""
    input_ids = {id(t) for t in graph.flat_inputs}
    finished: set[int] = set()
    order: list = []
    first_visit: dict[int, int] = {}
    for output in graph.flat_outputs:
        stack: list[tuple[Any, bool]] = [(output, False)]
        while stack:
            tensor, expanded = stack.pop()
            node = tensor.node
            if expanded:
                finished.add(id(node))
                order.append(node)
                continue
            if id(node) in finished:
                continue
            if id(tensor) in input_ids and node.parents:
                finished.add(id(node))  # an intermediate tensor used as a model input
                continue
            first_visit.setdefault(id(node.layer), len(first_visit))
            stack.append((tensor, True))
            for parent in reversed(node.parents):
                stack.append((parent, False))
    return order, first_visit
