"""Keras 3 operations that appear as nodes of Functional configs, as deepnum layers.

Keras records ``keras.ops`` calls and Python operators on symbolic tensors (``x + y``,
``x[:, 1:]``, ``ops.mean(x)``) as graph nodes of module ``keras.src.ops.*``; a ``Masking``
layer adds ``NotEqual`` and ``Any`` nodes that compute the mask. Each class below is one such
operation, with Keras's class name and config keys, so that these graphs load into deepnum and
save back unchanged. They are resolved only for configs whose ``module`` is Keras's ops module.
"""

from __future__ import annotations

from typing import Any

from deepnum import activations, ops
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.layers.layer import Layer

_NUMPY, _NN, _CORE = "keras.src.ops.numpy", "keras.src.ops.nn", "keras.src.ops.core"


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _array_fn(name: str) -> Any:
    """An elementwise NumPy/CuPy function on raw arrays (no gradient: boolean results)."""

    def fn(*args: Any) -> Tensor:
        arrays = [_raw(a) for a in args]
        xp = get_array_module(next((a for a in arrays if hasattr(a, "shape")), arrays[0]))
        return Tensor._make(getattr(xp, name)(*arrays))

    fn.__name__ = name
    return fn


def _boolean_reduction(name: str) -> Any:
    def fn(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        data = _raw(x)
        axis = tuple(axis) if isinstance(axis, list) else axis
        return Tensor._make(
            getattr(get_array_module(data), name)(data, axis=axis, keepdims=keepdims)
        )

    return fn


class KerasOperation(Layer):
    """A Keras operation node: ``fn(*args, **config)``. Subclasses set ``fn``, ``params`` (the
    config keys with their defaults) and ``keras_module``."""

    keras_module = _NUMPY
    params: dict[str, Any] = {}
    fn: Any = None

    def __init__(self, name: str | None = None, **config: Any) -> None:
        unknown = sorted(set(config) - set(self.params) - {"trainable", "dtype"})
        if unknown:
            raise ValueError(
                f"Keras operation {type(self).__name__}: unexpected config keys {unknown}; "
                f"expected {sorted(self.params)}."
            )
        super().__init__(name=name)
        self.op_config = {k: config.get(k, default) for k, default in self.params.items()}

    def call(self, *args: Any) -> Any:
        return type(self).fn(*args, **self.op_config)

    def get_config(self) -> dict:
        return {"name": self.name, **self.op_config}


def _reduction(fn: Any) -> Any:
    def reduce(x: Any, axis: Any = None, keepdims: bool = False, **options: Any) -> Tensor:
        # options: the node's other config keys (``initial`` of Max and Min)
        axis = tuple(axis) if isinstance(axis, list) else axis
        return fn(x, axis=axis, keepdims=keepdims, **options)

    return reduce


def _get_item(x: Any, key: Any) -> Any:
    return x[tuple(key) if isinstance(key, list) else key]


def _reshape(x: Any, newshape: Any) -> Any:
    return ops.reshape(x, tuple(newshape))


_BINARY = {
    "Add": ops.add, "Subtract": ops.subtract, "Multiply": ops.multiply,
    "TrueDivide": ops.true_divide, "Divide": ops.divide, "Power": ops.power,
    "Matmul": ops.matmul, "Maximum": ops.maximum, "Minimum": ops.minimum,
    "NotEqual": _array_fn("not_equal"), "Equal": _array_fn("equal"),
    "Greater": _array_fn("greater"), "GreaterEqual": _array_fn("greater_equal"),
    "Less": _array_fn("less"), "LessEqual": _array_fn("less_equal"),
    "LogicalAnd": _array_fn("logical_and"), "LogicalOr": _array_fn("logical_or"),
    "Where": ops.where, "GetItem": _get_item,
}  # fmt: skip
_UNARY = {
    "Negative": ops.negative, "Abs": ops.abs, "Exp": ops.exp, "Log": ops.log, "Sqrt": ops.sqrt,
    "Square": ops.square, "Tanh": ops.tanh, "LogicalNot": _array_fn("logical_not"),
}  # fmt: skip
_REDUCTIONS = {
    "Mean": ops.mean, "Sum": ops.sum, "Max": ops.max, "Min": ops.min,
    "Any": _boolean_reduction("any"), "All": _boolean_reduction("all"),
}  # fmt: skip
_WITH_CONFIG = {
    "Concatenate": (ops.concatenate, {"axis": 0}),
    "Stack": (ops.stack, {"axis": 0}),
    "Reshape": (_reshape, {"newshape": None}),
    "Transpose": (ops.transpose, {"axes": None}),
    "ExpandDims": (ops.expand_dims, {"axis": None}),
    "Squeeze": (ops.squeeze, {"axis": None}),
    "Clip": (ops.clip, {"x_min": None, "x_max": None}),
}  # fmt: skip


def _operation(name: str, fn: Any, params: dict, module: str = _NUMPY) -> type:
    return type(
        name,
        (KerasOperation,),
        {
            "fn": staticmethod(fn),
            "params": params,
            "keras_module": module,
            "__doc__": f"Keras's ``{module}.{name}`` operation.",
            "__module__": __name__,
        },
    )


def _registry() -> dict[tuple[str, str], type]:
    table: dict[tuple[str, str], type] = {}
    for name, fn in {**_BINARY, **_UNARY}.items():
        table[(_NUMPY, name)] = _operation(name, fn, {})
    for name, fn in _REDUCTIONS.items():
        params = {"axis": None, "keepdims": False}
        if name in ("Max", "Min"):
            params["initial"] = None
        table[(_NUMPY, name)] = _operation(name, _reduction(fn), params)
    for name, (fn, params) in _WITH_CONFIG.items():
        table[(_NUMPY, name)] = _operation(name, fn, params)
    table[(_CORE, "Cast")] = _operation("Cast", ops.cast, {"dtype": None}, _CORE)
    for name, fn, params in (
        ("Relu", activations.relu, {}),
        ("Sigmoid", activations.sigmoid, {}),
        ("Silu", activations.silu, {}),
        ("Softmax", activations.softmax, {"axis": -1}),
        ("Gelu", activations.gelu, {"approximate": True}),
    ):
        table[(_NN, name)] = _operation(name, fn, params, _NN)
    return table


KERAS_OPERATIONS: dict[tuple[str, str], type] = _registry()


def resolve(module: str, class_name: str) -> type:
    """The deepnum class of Keras operation ``module.class_name``, or a ValueError."""
    cls = KERAS_OPERATIONS.get((module, class_name))
    if cls is None:
        raise ValueError(
            f"The Keras operation {module}.{class_name} is not supported by deepnum; supported "
            f"operations: {sorted(n for _, n in KERAS_OPERATIONS)}."
        )
    return cls


def serialize(op: KerasOperation) -> dict:
    """Keras's description of an operation node (without ``name``/``inbound_nodes``)."""
    return {
        "module": op.keras_module,
        "class_name": type(op).__name__,
        "config": op.get_config(),
        "registered_name": type(op).__name__,
    }
