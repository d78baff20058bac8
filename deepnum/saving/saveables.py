"""Where each object's variables live in a Keras 3 weights file, and the orders Keras uses.

Keras 3 keys the state of a model by *attribute paths*, not by layer names: a Sequential's or
Functional's layers sit in the container ``layers`` under their snake-case class names made
unique (``layers/dense``, ``layers/dense_1``, ...), in the order of Keras's ``model.layers``;
a subclassed model or custom layer puts each sub-layer under the attribute holding it
(``block/d1``), visiting attributes in sorted order (private ones last) and each object once;
the optimizer sits at ``optimizer``. Every object's own variables are ``<path>/vars/0``,
``<path>/vars/1``, ... This module computes those paths for deepnum objects, so that files
move between Keras and deepnum unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from deepnum.autodiff.variable import Variable
from deepnum.layers.layer import Layer
from deepnum.optimizers.base import Optimizer


@dataclass
class Entry:
    """One object of the weights file: its group path, metadata name and own variables."""

    path: str
    name: str
    variables: list[Variable] = field(default_factory=list)
    owner: Any = None

    @property
    def vars_path(self) -> str:
        return f"{self.path}/vars" if self.path else "vars"


def snake_case(name: str) -> str:
    """Keras's ``naming.to_snake_case``: ``BatchNormalization`` → ``batch_normalization``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def keras_class_name(obj: Any) -> str:
    """The class name Keras gives ``obj``: a deepnum ``Model`` built from a graph is a
    ``Functional``."""
    from deepnum.models.model import Model

    if type(obj) is Model and getattr(obj, "_graph", None) is not None:
        return "Functional"
    return type(obj).__name__


def is_functional(model: Any) -> bool:
    from deepnum.models.model import Model
    from deepnum.models.sequential import Sequential

    return (
        isinstance(model, Model)
        and not isinstance(model, Sequential)
        and getattr(model, "_graph", None) is not None
    )


# ------------------------------------------------------------------------ Keras's orders
def functional_layers(model: Any) -> list[Layer]:
    """A Functional model's layers in Keras's order (see ``Graph.keras_layers``)."""
    return model._graph.keras_layers()


def model_layers(model: Any) -> list[Layer]:
    """``model.layers`` as Keras lists them (Sequential: without its InputLayer)."""
    from deepnum.models.sequential import Sequential

    if isinstance(model, Sequential):
        return list(model._stack)
    if is_functional(model):
        return functional_layers(model)
    return list(model._sublayers())


def own_variables(layer: Layer) -> list[Variable]:
    """A layer's own variables, trainable first (Keras's ``save_own_variables`` order)."""
    own = list(layer._own_weights) + layer._attribute_variables()
    return [w for w in own if w.trainable] + [w for w in own if not w.trainable]


def trainable_variables(obj: Any) -> list[Variable]:
    """``model.trainable_variables`` in Keras's order (the order Keras builds optimizers in)."""
    if not obj.trainable:
        return []
    out = [w for w in own_variables(obj) if w.trainable]
    seen = {id(w) for w in out}
    from deepnum.models.model import Model

    children = model_layers(obj) if isinstance(obj, Model) else list(obj._sublayers())
    for child in children:
        for w in trainable_variables(child):
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
    return out


# ------------------------------------------------------------------------ the walk
def _base_attributes() -> frozenset[str]:
    """Attributes every deepnum Layer/Model has: never user sub-objects."""
    global _BASE
    if _BASE is None:
        from deepnum.models.model import Model
        from deepnum.models.sequential import Sequential

        names: set[str] = set()
        for obj in (Layer(name="__probe__"), Model(name="__probe__"), Sequential(name="__probe__")):
            names.update(vars(obj))
        _BASE = frozenset(names)
    return _BASE


_BASE: frozenset[str] | None = None


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


def _children(obj: Any) -> Iterator[tuple[str, Any]]:
    """(attribute, value) pairs that Keras's ``_walk_saveable`` visits, in its order."""
    from deepnum.models.model import Model
    from deepnum.models.sequential import Sequential

    if isinstance(obj, Optimizer):
        # Wrappers (LossScaleOptimizer, MultiOptimizer) name the optimizers Keras nests.
        yield from getattr(obj, "_saveable_children", list)()
        return
    attrs: dict[str, Any] = {}
    if isinstance(obj, Sequential) or is_functional(obj):
        yield "layers", model_layers(obj)
    else:
        base = _base_attributes()
        attrs = {k: v for k, v in vars(obj).items() if k not in base}
        if isinstance(obj, Model):
            attrs["layers"] = model_layers(obj)
    if isinstance(obj, Model) and obj.optimizer is not None:
        attrs["optimizer"] = obj.optimizer
    for name in sorted(attrs, key=_name_key):
        yield name, attrs[name]


def _unique(name: str, used: dict[str, int]) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def walk(root: Any, optimizer_variables: Any = None) -> list[Entry]:
    """Every object of ``root`` (a layer, model or optimizer) with its path in a Keras 3
    weights file, each object once.

    Args:
        root: the model (or layer) to walk.
        optimizer_variables: optional ``optimizer -> list[Variable]`` giving an optimizer's
            variables in the order to save (see ``optimizer_state_in_keras_order``).

    Returns:
        Entries with ``path`` (``""`` for the root), ``name`` and own ``variables``.

    Example:
        >>> import deepnum as dn
        >>> model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2)])
        >>> [(e.path, len(e.variables)) for e in walk(model)]
        [('', 0), ('layers/dense', 2)]
    """
    out: list[Entry] = []
    visited: set[int] = set()
    _visit(root, "", visited, out, optimizer_variables)
    return out


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _visit(obj: Any, path: str, visited: set[int], out: list[Entry], opt_vars: Any) -> None:
    if id(obj) in visited:
        return
    visited.add(id(obj))
    if isinstance(obj, Optimizer):
        variables = opt_vars(obj) if opt_vars is not None else obj.variables
        out.append(Entry(path, obj.name, list(variables), obj))
    else:  # recurrent layers hold their weights in `cell`, as Keras's: the walk finds it there
        out.append(Entry(path, obj.name, own_variables(obj), obj))
    for attr, child in _children(obj):
        if isinstance(child, (Layer, Optimizer)):
            _visit(child, _join(path, attr), visited, out, opt_vars)
        elif isinstance(child, (list, tuple, dict)):
            _visit_container(child, _join(path, attr), visited, out, opt_vars, set())


def _visit_container(
    container: Any,
    path: str,
    visited: set[int],
    out: list[Entry],
    opt_vars: Any,
    seen_containers: set[int],
) -> None:
    if id(container) in seen_containers:
        return
    seen_containers.add(id(container))
    items = list(container.values()) if isinstance(container, dict) else list(container)
    used: dict[str, int] = {}
    for item in items:
        if isinstance(item, (Layer, Optimizer)):
            name = _unique(snake_case(keras_class_name(item)), used)
            _visit(item, _join(path, name), visited, out, opt_vars)
        elif isinstance(item, (list, tuple, dict)):
            name = _unique("container", used)
            _visit_container(item, _join(path, name), visited, out, opt_vars, seen_containers)


# ------------------------------------------------------------------------ optimizer state
def optimizer_state_in_keras_order(optimizer: Optimizer, model: Any) -> list[Variable]:
    """The optimizer's variables as Keras would list them for ``model``.

    Keras builds the optimizer with ``model.trainable_variables`` in its own layer order; a
    deepnum optimizer built with another order holds the same slots in another order. Slots
    are created in loops over the variables, so slot ``p`` of the Keras list is the slot of
    the same kind as deepnum's slot ``p``, for the variable at the same index in Keras's order.
    """
    variables = optimizer.variables
    built = list(getattr(optimizer, "_trainable_variables", []) or [])
    if not built:
        return variables
    keras_order = trainable_variables(model)
    if [id(v) for v in built] == [id(v) for v in keras_order] or len(built) != len(keras_order):
        return variables
    if {id(v) for v in built} != {id(v) for v in keras_order}:
        return variables
    index = {id(v): i for i, v in enumerate(built)}
    slot_of: dict[tuple[str, int], Variable] = {}
    kind_of: dict[int, tuple[str, int]] = {}
    by_array = {id(v.data): v for v in variables}
    for kind, arrays in optimizer._slot_arrays.items():
        for var_id, array in arrays.items():
            slot = by_array.get(id(array))
            if slot is not None and var_id in index:
                slot_of[(kind, var_id)] = slot
                kind_of[id(slot)] = (kind, index[var_id])
    ordered = []
    for v in variables:
        if id(v) not in kind_of:
            ordered.append(v)
            continue
        kind, i = kind_of[id(v)]
        ordered.append(slot_of[(kind, id(keras_order[i]))])
    return ordered
