"""The state side of a Layer: its weights (trainable or frozen, in Keras's order), its
sub-layers found by walking its attributes, and the losses of its latest call."""

from __future__ import annotations

import collections
import contextlib
import contextvars
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from deepnum import constraints, initializers, regularizers
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.autodiff.variable import Variable
from deepnum.backend import default_device, floatx, get_array_module, to_device
from deepnum.layers._layer_utils import flatten_structure

# While a model is rebuilt from a file, an object whose ``claim(layer, name, shape, dtype)``
# refuses a weight the file cannot hold, before it is allocated (see deepnum.saving.limits).
WEIGHT_BUDGET: contextvars.ContextVar[Any] = contextvars.ContextVar("weight_budget", default=None)


# Within one training or test step no layer, weight or metric comes or goes: the attribute
# walks behind sub-layers, weights and metrics are then memoized for the step (a 155-layer
# model's step otherwise spends a third of its time walking). See ``structure_fixed``.
_STEP_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("step_memo", default=None)


@contextlib.contextmanager
def structure_fixed() -> Iterator[None]:
    """Memoize the layers' structure (sub-layers, weights, metrics) while the block runs; for
    the steps of a built model, where nothing creates or removes layers or weights.

    Example:
        >>> import deepnum as dn
        >>> layer = dn.layers.Dense(2)
        >>> layer.build((None, 3))
        >>> with structure_fixed():
        ...     layer.weights[0] is layer.weights[0]
        True
    """
    if _STEP_MEMO.get() is not None:
        yield
        return
    token = _STEP_MEMO.set({})
    try:
        yield
    finally:
        _STEP_MEMO.reset(token)


def _step_memo(kind: str, layer: Any, compute: Any) -> list:
    memo = _STEP_MEMO.get()
    if memo is None:
        return compute()
    key = (kind, id(layer))
    found = memo.get(key)
    if found is None:
        found = memo[key] = compute()
    return found


class LayerState:
    """Weights, sub-layers and losses of a layer (the base of ``Layer``, which sets up the
    attributes used here in ``__init__``)."""

    # ---------------------------------------------------------------- tracking
    def _sublayers(self) -> Iterator[LayerState]:
        """Direct sub-layers in attribute order, also inside lists, tuples and dicts."""
        return iter(_step_memo("sublayers", self, self._find_sublayers))

    def _find_sublayers(self) -> list[LayerState]:
        out, seen = [], {id(self)}
        for item in _collect(self.__dict__.values(), LayerState, []):
            if id(item) not in seen:
                seen.add(id(item))
                out.append(item)
        return out

    def _flatten_layers(self) -> list[LayerState]:
        """Every sub-layer once, nested ones included, in Keras's visiting order."""
        return list(_step_memo("flat", self, self._find_all_layers))

    def _find_all_layers(self) -> list[LayerState]:
        out, seen = [], {id(self)}
        queue = collections.deque(self._sublayers())
        while queue:
            layer = queue.popleft()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            queue.extendleft(layer._sublayers())
        return out

    @property
    def layers(self) -> list[LayerState]:
        return list(self._sublayers())

    def _attribute_variables(self) -> list[Variable]:
        own = {id(v) for v in self._own_weights}
        out = []
        for item in _collect(self.__dict__.values(), Variable, []):
            if id(item) not in own:
                own.add(id(item))
                out.append(item)
        return out

    def _own_variables(self) -> list[Variable]:
        """This layer's weights, those created trainable first: a weight frozen after its
        creation (``layer.trainable = False``, a LoRA kernel) keeps its place, as in Keras."""
        attributes = self._attribute_variables()
        frozen = getattr(self, "_frozen_after_creation", ())  # ids, set by e.g. enable_lora
        created = self._created_trainable
        first = [id(w) in created or id(w) in frozen for w in self._own_weights]
        first += [w.trainable for w in attributes]
        own = self._own_weights + attributes
        return [w for w, f in zip(own, first) if f] + [w for w, f in zip(own, first) if not f]

    @property
    def weights(self) -> list[Variable]:
        """All weights: own trainable, own non-trainable, then those of sub-layers (Keras order)."""
        return list(_step_memo("weights", self, self._find_weights))

    def _find_weights(self) -> list[Variable]:
        out = self._own_variables()
        seen = {id(w) for w in out}
        for layer in self._sublayers():
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    variables = weights

    @property
    def trainable_weights(self) -> list[Variable]:
        """The weights that training updates (none while the layer is frozen)."""
        if not self.trainable:
            return []
        return [w for w in self.weights if w.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list[Variable]:
        """The weights that training leaves alone (all of them while the layer is frozen)."""
        if not self.trainable:
            return self.weights
        return [w for w in self.weights if not w.trainable]

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self) -> bool:
        """Whether training updates this layer's weights. Setting it sets it on every sub-layer
        and weight too (Keras's semantics: freezing a model freezes all it contains)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._set_trainable(bool(value), set())

    def _set_trainable(self, value: bool, seen: set[int]) -> None:
        seen.add(id(self))
        self._trainable = value
        own = self._own_weights + self._attribute_variables()
        for w in own:
            if w.trainable and id(w) not in self._created_trainable:
                self._created_trainable.add(id(w))  # a variable assigned as an attribute
        for w in own:
            if id(w) in self._created_trainable:
                w.trainable = value
            w.requires_grad = w.trainable and w.dtype.kind == "f"
        for layer in self._sublayers():
            if id(layer) not in seen:
                layer._set_trainable(value, seen)

    @property
    def metrics(self) -> list[Any]:
        """Metrics held as attributes (updated in ``call``), this layer's then its
        sub-layers'; a nested model's own metrics are its own business (Keras)."""
        out = self._own_metrics()
        for layer in self._flatten_layers():
            if not hasattr(layer, "compile"):  # a nested Model keeps its metrics to itself
                out.extend(layer._own_metrics())
        return out

    @property
    def metrics_variables(self) -> list[Any]:
        """The state variables of ``metrics``."""
        return [v for m in self.metrics for v in getattr(m, "variables", [])]

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        """Removed in Keras 3; raises with Keras's advice."""
        raise NotImplementedError(
            "Layer `add_metric()` method is deprecated. Add your metric in "
            "`Model.compile(metrics=[...])`, or create metric trackers in init() or build() "
            "when subclassing the layer or model, then call `metric.update_state()` whenever "
            "necessary."
        )

    def _own_metrics(self) -> list[Any]:
        return list(_step_memo("metrics", self, self._find_own_metrics))

    def _find_own_metrics(self) -> list[Any]:
        out, seen = [], set()
        for item in _collect_objects(self.__dict__.values(), []):
            if _is_metric(item) and id(item) not in seen:
                seen.add(id(item))
                out.append(item)
        return out

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as NumPy arrays, in Keras's order and layouts."""
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Load weights given in the order and shapes of ``get_weights``."""
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f'Layer "{self.name}" expects {len(params)} weights, but the list given has '
                f"{len(weights)}. Expected shapes: {[tuple(p.shape) for p in params]}."
            )
        for p, w in zip(params, weights):
            w = w.data if isinstance(w, Tensor) else w
            w = get_array_module(w).asarray(w)  # a CuPy array stays on its device
            if tuple(w.shape) != tuple(p.shape):
                raise ValueError(
                    f'Layer "{self.name}" weight "{p.name}" has shape {shape_str(p.shape)}, '
                    f"but the value given has shape {shape_str(w.shape)}."
                )
            p.assign(w)

    def to(self, device: Any) -> LayerState:
        """Move every weight (and, for a model, the optimizer's state) to ``device``."""
        for w in self.weights:
            w.data = to_device(w.data, device)
        optimizer = getattr(self, "optimizer", None)
        for v in getattr(optimizer, "variables", None) or []:
            v.data = to_device(v.data, device)
        return self

    def count_params(self) -> int:
        """Total number of scalars in the weights."""
        if not self.built:
            raise ValueError(
                f'Layer "{self.name}" is not built yet, so it has no weights: call it on data '
                "or call build(input_shape) first."
            )
        return int(sum(w.size for w in self.weights))

    # ---------------------------------------------------------------- weights
    def add_weight(
        self,
        *args: Any,
        shape: Any = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
        name: str | None = None,
    ) -> Variable:
        """Create a weight owned by this layer, initialised now from ``initializer``.

        Args:
            shape: the weight's shape (``()`` if not given); also the first positional
                argument, then ``initializer`` and ``dtype`` (Keras's three positionals).
            initializer: a name or Initializer; default ``"glorot_uniform"`` for floats,
                ``"zeros"`` otherwise.
            dtype: default the layer's dtype.
            trainable: whether training updates it (``non_trainable_weights`` otherwise).
            regularizer: a penalty on the weight, added to ``losses`` while it is trainable.
            constraint: a projection applied after each optimizer update.
            name: the weight's name (``variable_<i>`` if not given).

        Returns:
            The new Variable (tracked: it appears in ``weights``).
        """
        shape, initializer, dtype = _add_weight_positionals(args, shape, initializer, dtype)
        shape = tuple(int(s) for s in (shape or ()))
        dtype = np.dtype(dtype).name if dtype is not None else self.dtype
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._own_weights)}"
        budget = WEIGHT_BUDGET.get()
        if budget is not None:
            budget.claim(self, name, shape, dtype)
        try:
            var = Variable(init, shape=shape, dtype=dtype, trainable=trainable, name=name)
        except MemoryError:
            raise MemoryError(_allocation_message(self, name, shape, dtype)) from None
        if default_device().type != "cpu":
            var.data = to_device(var.data, default_device())
        var.path = f"{self.name}/{var.name}"
        var.constraint = constraints.get(constraint)
        var._layer = self
        self._own_weights.append(var)
        if trainable:
            self._created_trainable.add(id(var))
            if not self.trainable:  # created inside a frozen layer: frozen too (Keras)
                var.trainable = var.requires_grad = False
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._regularized.append((var, reg))
        return var

    def add_variable(
        self,
        shape: Any,
        initializer: Any,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        name: str | None = None,
    ) -> Variable:
        """``add_weight`` under its other Keras name."""
        return self.add_weight(
            shape=shape,
            initializer=initializer,
            dtype=dtype,
            trainable=trainable,
            regularizer=regularizer,
            constraint=constraint,
            name=name,
        )

    # ---------------------------------------------------------------- losses
    @property
    def losses(self) -> list[Tensor]:
        """The ``add_loss`` terms of the last call (this layer's, then its sub-layers'), then
        the penalties of the trainable weights' regularizers (Keras's order)."""
        layers = self._flatten_layers()
        out = list(self._losses)
        for layer in layers:
            out.extend(layer._losses)
        penalties = {id(v): (v, reg) for layer in [self, *layers] for v, reg in layer._regularized}
        for w in self.trainable_weights:
            if id(w) in penalties:
                var, reg = penalties[id(w)]
                out.append(reg(var))
        return out

    def add_loss(self, loss: Any) -> None:
        """Add a scalar loss term (e.g. an activity penalty) during ``call``; it lasts until the
        next call of the outermost layer, and ``fit`` adds it to the compiled loss."""
        flat = flatten_structure(loss)
        for x in flat:
            if not isinstance(x, Tensor):
                raise ValueError(
                    "`add_loss()` can only be called from inside `build()` or `call()`, on a "
                    f"tensor input. Received invalid value: {x!r}"
                )
        self._losses.extend(flat)

    def _clear_losses(self) -> None:
        self._losses.clear()
        for layer in self._flatten_layers():
            layer._losses.clear()


_CONTAINERS = (list, tuple, dict)
# Attribute values that are never tracked objects, skipped without further checks (the walks
# run over every attribute of every layer at each training step).
_PLAIN = (int, float, str, bool, type(None), np.ndarray, np.generic, Tensor)


def _collect(values: Any, kind: type, out: list) -> list:
    """Append to ``out`` the instances of ``kind`` in ``values``, looking inside lists, tuples
    and dicts, depth first in order."""
    for value in values:
        if isinstance(value, kind):
            out.append(value)
        elif isinstance(value, _CONTAINERS):
            _collect(value.values() if isinstance(value, dict) else value, kind, out)
    return out


def _collect_objects(values: Any, out: list) -> list:
    """Append to ``out`` the leaves of ``values`` (inside lists, tuples and dicts) that may be
    metrics: not layers, variables, tensors, arrays or plain values."""
    for value in values:
        if isinstance(value, _CONTAINERS):
            _collect_objects(value.values() if isinstance(value, dict) else value, out)
        elif not isinstance(value, (*_PLAIN, LayerState)):
            out.append(value)
    return out


def _is_metric(obj: Any) -> bool:
    """A Keras-style metric (``update_state``/``result``/``reset_state``), told apart without
    importing deepnum.metrics, which sits above the layers."""
    return (
        not isinstance(obj, (LayerState, type))
        and callable(getattr(obj, "update_state", None))
        and callable(getattr(obj, "result", None))
        and callable(getattr(obj, "reset_state", None))
    )


def _add_weight_positionals(args: tuple, shape: Any, initializer: Any, dtype: Any) -> tuple:
    """Keras's legacy ``add_weight(shape, initializer, dtype)`` positionals, checked."""
    if not args:
        return shape, initializer, dtype
    if len(args) > 3:
        raise TypeError(
            f"add_weight() takes at most 3 positional arguments but {len(args)} were given."
        )
    if isinstance(args[0], str):
        raise ValueError(
            "`name` must be passed as a keyword argument. Received: "
            f"add_weight('{args[0]}', ...). Use: add_weight(shape=..., name='{args[0]}')."
        )
    given = {"shape": shape, "initializer": initializer, "dtype": dtype}
    for key, value in zip(given, args):
        if given[key] is not None:
            raise ValueError(f"`{key}` was passed both positionally and as a keyword argument.")
        given[key] = value
    return given["shape"], given["initializer"], given["dtype"]


def _allocation_message(layer: LayerState, name: str, shape: tuple, dtype: Any) -> str:
    try:
        itemsize = np.dtype(dtype).itemsize
    except TypeError:
        itemsize = np.dtype(floatx()).itemsize
    nbytes = math.prod(int(n) for n in shape) * itemsize
    return (
        f'Layer "{layer.name}": not enough memory to create weight {name!r} of shape '
        f"{shape_str(shape)} and dtype {dtype}: it needs {nbytes:,} bytes. Check the layer's "
        "arguments (units, input size, vocabulary size)."
    )
