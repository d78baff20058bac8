"""What an optimizer stores: its Variables (iteration, learning rate, slots) and scratch space.

Slots of variables that share one float dtype and device live in one flat buffer per slot kind
(see ``flat.py``); every slot Variable is a view of its segment, so saving, loading and
``assign`` work per variable while an update can run over the whole buffer at once.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import shape_str
from deepnum.autodiff.variable import Variable
from deepnum.backend import floatx, get_array_module
from deepnum.optimizers.flat import FlatLayout, FlatParameters


class OptimizerState:
    """The storage half of :class:`~deepnum.optimizers.Optimizer`: variables, slots, saving.

    Attributes set by the subclass: ``name`` (before any variable is added), and at ``build``
    ``_trainable_variables``, ``_layout`` (a FlatLayout or None) and ``_flat``
    (FlatParameters or None).
    """

    name: str

    def __init__(self) -> None:
        self._variables: list[Variable] = []
        self._trainable_variables: list[Variable] = []
        self._slot_arrays: dict[str, dict[int, Any]] = {}
        self._scratch: dict[tuple, Any] = {}
        self._layout: FlatLayout | None = None
        self._flat: FlatParameters | None = None

    @property
    def variables(self) -> list[Variable]:
        """All optimizer state, in Keras's order: iteration, learning_rate, slots."""
        return list(self._variables)

    def add_variable(
        self,
        shape: Sequence[int],
        initializer: Any = "zeros",
        dtype: Any = None,
        aggregation: str = "none",
        layout: Any = None,
        name: str | None = None,
    ) -> Variable:
        """Create a non-trainable Variable tracked in :attr:`variables`.

        Args:
            shape: the variable's shape.
            initializer: ``"zeros"``, ``"ones"``, a number, or ``initializer(shape, dtype)``.
            dtype: defaults to ``floatx()``.
            aggregation, layout: accepted for Keras compatibility and ignored.
            name: the variable's name; its path is ``"<optimizer name>/<name>"``.

        Returns:
            The new Variable.
        """
        dtype = np.dtype(dtype or floatx())
        if callable(initializer):
            value = initializer(tuple(shape), dtype=dtype)
        else:
            value = np.full(tuple(shape), _constant(initializer), dtype=dtype)
        return self._track(Variable(value, dtype=dtype, trainable=False, name=name))

    def add_variable_from_reference(
        self, reference_variable: Variable, name: str | None = None, initializer: Any = "zeros"
    ) -> Variable:
        """A slot like ``reference_variable`` (same shape, dtype, device), named
        ``"<reference path>_<name>"`` as in Keras."""
        ref = reference_variable.data
        value = get_array_module(ref).full(ref.shape, _constant(initializer), dtype=ref.dtype)
        slot = self._track(self._slot_variable(value, reference_variable, name))
        self._slot_arrays.setdefault(name or "var", {})[id(reference_variable)] = slot.data
        return slot

    def _slot_variable(self, value: Any, reference_variable: Variable, name: str | None) -> Any:
        path = str(getattr(reference_variable, "path", "var")).replace("/", "_")
        return Variable(value, trainable=False, name=f"{path}_{name or 'var'}")

    def _track(self, variable: Variable) -> Variable:
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_optimizer_variables(
        self, trainable_variables: Sequence[Variable], name: str | list[str], initializer: Any = 0
    ) -> list[Variable] | tuple[list[Variable], ...]:
        """Create one slot per variable for each name, interleaved per variable like Keras.

        When the variables share one dtype and device, each slot kind lives in one flat buffer
        and every slot Variable is a view of it. Read a slot in ``update_step`` with
        :meth:`slot`.

        Args:
            trainable_variables: the model variables (usually the ``var_list`` of ``build``).
            name: a slot name, or a list of names.
            initializer: the initial value (a number, ``"zeros"``, ``"ones"``), or a list.

        Returns:
            The list of slots for ``name``, or a tuple of lists for a list of names.
        """
        names = [name] if isinstance(name, str) else list(name)
        inits = (
            initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(names)
        )
        same_variables = [id(v) for v in trainable_variables] == [
            id(v) for v in self._trainable_variables
        ]
        flat = self._layout is not None and same_variables
        buffers = {n: self._layout.full(_constant(i)) for n, i in zip(names, inits)} if flat else {}
        views = {n: self._layout.views(b) for n, b in buffers.items()}
        slots: tuple[list[Variable], ...] = tuple([] for _ in names)
        for index, variable in enumerate(trainable_variables):
            for k, (slot_name, init) in enumerate(zip(names, inits)):
                if flat:
                    view = views[slot_name][index]
                    slot = self._track(self._slot_variable(view, variable, slot_name))
                else:
                    slot = self.add_variable_from_reference(variable, slot_name, init)
                self._slot_arrays.setdefault(slot_name, {})[id(variable)] = slot.data
                slots[k].append(slot)
        if self._flat is not None and flat:
            for slot_name, buffer in buffers.items():
                self._slot_arrays[slot_name][id(self._flat.variable)] = buffer
        return slots[0] if isinstance(name, str) else slots

    def slot(self, name: str, variable: Variable) -> Any:
        """The array of slot ``name`` (e.g. ``"momentum"``) that belongs to ``variable``."""
        return self._slot_arrays[name][id(variable)]

    def _temp(self, index: int, like: Any) -> Any:
        """Scratch array number ``index`` with the shape and dtype of ``like`` (reused)."""
        key = (index, like.dtype, type(like))
        buffer = self._scratch.get(key)
        if buffer is None or buffer.size < like.size:
            buffer = get_array_module(like).empty(like.size, dtype=like.dtype)
            self._scratch[key] = buffer
        return buffer[: like.size].reshape(like.shape)

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set :attr:`variables` from a list of arrays (the optimizer must be built)."""
        if not self.built:
            raise ValueError(
                f"{self.name}: set_weights() needs a built optimizer; call "
                "`optimizer.build(trainable_variables)` first."
            )
        for variable, weight in zip(self.variables, weights):
            if tuple(np.shape(weight)) != variable.shape:
                raise ValueError(
                    f"{self.name}: optimizer variable {variable.path!r} has shape "
                    f"{shape_str(variable.shape)}, received a weight of shape "
                    f"{shape_str(np.shape(weight))}."
                )
            variable.assign(weight)

    def save_own_variables(self, store: dict[str, Any]) -> None:
        """Write the state into ``store`` as ``{"0": iteration, "1": learning_rate, ...}``."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy().copy()

    def load_own_variables(self, store: dict[str, Any]) -> None:
        """Read the state written by :meth:`save_own_variables` (Keras's layout too)."""
        variables = self.variables
        if len(store) != len(variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(variables)} variables whereas the saved optimizer has "
                f"{len(store)} variables.",
                stacklevel=2,
            )
            return
        for i, variable in enumerate(variables):
            variable.assign(store[str(i)])


def _constant(initializer: Any) -> float:
    """The fill value of a constant initializer: ``"zeros"``, ``"ones"`` or a number."""
    if isinstance(initializer, str):
        names = {"zeros": 0.0, "ones": 1.0}
        if initializer not in names:
            raise ValueError(
                f"Optimizer slot initializer must be 'zeros', 'ones', a number or a callable. "
                f"Received: initializer={initializer!r}"
            )
        return names[initializer]
    return float(getattr(initializer, "value", initializer))
