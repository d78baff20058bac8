"""Symbolic tensors (``KerasTensor``) and the nodes that record layer calls on them: the data
structure of the Functional API."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import shape_str
from deepnum.backend import floatx
from deepnum.layers import context
from deepnum.layers.layer import Layer


class KerasTensor:
    """A symbolic tensor: a shape (``None`` for unknown sizes, e.g. the batch axis), a dtype,
    and the layer call (``Node``) that produces it. ``_keras_mask`` is the symbolic mask that
    travels with it (a boolean KerasTensor) when a layer such as ``Embedding(mask_zero=True)``
    or ``Masking`` made one, else None."""

    def __init__(self, shape: tuple, dtype: str | None = None, name: str | None = None) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype or floatx()
        self.name = name or context.unique_name("keras_tensor")
        self.node: Node | None = None
        self.index = 0
        self._keras_mask: KerasTensor | None = None
        self.sparse = self.ragged = False

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return (
            f"<KerasTensor shape={shape_str(self.shape)}, dtype={self.dtype}, sparse=False, "
            f"ragged=False, name={self.name}>"
        )

    # Python operators on symbolic tensors become small layers of the graph.
    def __add__(self, other: Any) -> Any:
        return _op_layer("add", lambda a, b: a + b)(self, other)

    def __radd__(self, other: Any) -> Any:
        return _op_layer("add", lambda a, b: b + a)(self, other)

    def __sub__(self, other: Any) -> Any:
        return _op_layer("subtract", lambda a, b: a - b)(self, other)

    def __rsub__(self, other: Any) -> Any:
        return _op_layer("subtract", lambda a, b: b - a)(self, other)

    def __mul__(self, other: Any) -> Any:
        return _op_layer("multiply", lambda a, b: a * b)(self, other)

    def __rmul__(self, other: Any) -> Any:
        return _op_layer("multiply", lambda a, b: b * a)(self, other)

    def __truediv__(self, other: Any) -> Any:
        return _op_layer("divide", lambda a, b: a / b)(self, other)

    def __matmul__(self, other: Any) -> Any:
        return _op_layer("matmul", lambda a, b: a @ b)(self, other)

    def __neg__(self) -> Any:
        return _op_layer("negative", lambda a, b: -a)(self, None)

    def __getitem__(self, index: Any) -> Any:
        return _op_layer("getitem", lambda a, b: a[index])(self, None)


class _OpLayer(Layer):
    """A binary operator applied to symbolic tensors (Keras's ``TFOpLambda``)."""

    def __init__(self, fn: Any, name: str) -> None:
        super().__init__(name=context.unique_name(name))
        self.fn = fn

    def call(self, inputs: Any) -> Any:
        a, b = inputs
        return self.fn(a, b)

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}


def _op_layer(name: str, fn: Any) -> Any:
    layer = _OpLayer(fn, name)
    return lambda a, b: layer([a, b])


class Node:
    """One call of a layer in a graph: its arguments (with KerasTensors) and outputs."""

    def __init__(self, layer: Layer, args: tuple, kwargs: dict, outputs: list[KerasTensor]):
        self.layer, self.args, self.kwargs, self.outputs = layer, args, kwargs, outputs
        self.parents = [t for t in _flatten((args, kwargs)) if isinstance(t, KerasTensor)]


def _flatten(structure: Any) -> list:
    out, stack = [], [structure]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        else:
            out.append(item)
    return out


def map_structure(fn: Any, structure: Any) -> Any:
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def is_symbolic(args: tuple, kwargs: dict) -> bool:
    return any(isinstance(t, KerasTensor) for t in _flatten((args, kwargs)))
