"""The Functional API: symbolic tensors (``Input``), the graph of layer calls, and shape
inference."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.mode import no_grad
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import floatx
from deepnum.layers import context
from deepnum.layers.layer import Layer, _jsonable_shape


class KerasTensor:
    """A symbolic tensor: a shape (``None`` for unknown sizes, e.g. the batch axis), a dtype,
    and the layer call (``Node``) that produces it."""

    def __init__(self, shape: tuple, dtype: str | None = None, name: str | None = None) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype or floatx()
        self.name = name or context.unique_name("keras_tensor")
        self.node: Node | None = None
        self.index = 0

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={shape_str(self.shape)}, dtype={self.dtype}, name={self.name}>"

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


def symbolic_call(layer: Layer, args: tuple, kwargs: dict) -> Any:
    """Record ``layer(*args)`` on symbolic tensors: build the layer, infer its output spec."""
    inputs = args[0]
    shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs)
    dtypes = map_structure(lambda t: t.dtype if isinstance(t, KerasTensor) else None, inputs)
    context.push(layer, None)
    try:
        if not layer.built:
            layer.build(shapes)
            layer.built = True
            layer._build_shapes = shapes
        layer._check_inputs(
            map_structure(
                lambda t: _ShapeOnly(t.shape) if isinstance(t, KerasTensor) else t, inputs
            )
        )
        specs = _output_specs(layer, shapes, dtypes, args[1:], kwargs)
    except (ValueError, TypeError) as e:
        from deepnum.layers.layer import _with_path

        raise _with_path(e) from None
    finally:
        context.pop()
    outputs = map_structure_specs(lambda spec: KerasTensor(spec[0], spec[1]), specs)
    flat = _flatten(outputs)
    node = Node(layer, args, kwargs, flat)
    layer._inbound_nodes.append(node)
    for i, t in enumerate(flat):
        t.node, t.index = node, i
    return outputs


class _ShapeOnly:
    def __init__(self, shape: tuple) -> None:
        self.shape = shape


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(v is None or isinstance(v, int) for v in value)


def _output_specs(layer: Layer, shapes: Any, dtypes: Any, extra: tuple, kwargs: dict) -> Any:
    if type(layer).compute_output_shape is not Layer.compute_output_shape:
        out = layer.compute_output_shape(shapes)
        # preprocessing layers (a lookup gives int64 from strings) name their output's dtype
        return _attach_dtype(out, getattr(layer, "output_dtype", None) or layer.dtype)
    return _run_dummy(layer, shapes, dtypes, extra, kwargs)


def _attach_dtype(shape: Any, dtype: str) -> Any:
    if _is_shape(shape):
        return (shape, dtype)
    return [_attach_dtype(s, dtype) for s in shape]


def infer_output_shape(layer: Layer, input_shape: Any) -> Any:
    """Run ``layer`` on dummy inputs to find its output shape (``None`` where it varies)."""
    dtypes = map_structure(lambda s: None, _as_shape_structure(input_shape))
    specs = _run_dummy(layer, _as_shape_structure(input_shape), dtypes, (), {})
    return map_structure_specs(lambda spec: spec[0], specs)


def _as_shape_structure(shape: Any) -> Any:
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_as_shape_structure(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _as_shape_structure(v) for k, v in shape.items()}
    return tuple(shape)


def map_structure_specs(fn: Any, specs: Any) -> Any:
    if isinstance(specs, tuple) and len(specs) == 2 and _is_shape(specs[0]):
        return fn(specs)
    if isinstance(specs, dict):
        return {k: map_structure_specs(fn, v) for k, v in specs.items()}
    return [map_structure_specs(fn, s) for s in specs]


def _run_dummy(layer: Layer, shapes: Any, dtypes: Any, extra: tuple, kwargs: dict) -> Any:
    """Call the layer on zeros, with unknown sizes set to 2 (batch) or 8 (others); where
    non-batch sizes are unknown, run again with other sizes and mark the axes that changed."""
    has_inner_none = any(None in s[1:] for s in _flatten_shapes(shapes))
    first = _dummy_outputs(layer, shapes, dtypes, extra, kwargs, batch=2, inner=8)
    if not has_inner_none:
        second = None
    else:
        second = _dummy_outputs(layer, shapes, dtypes, extra, kwargs, batch=3, inner=9)
    batch_unknown = any(s and s[0] is None for s in _flatten_shapes(shapes))
    return _specs_from(first, second, batch_unknown)


def _flatten_shapes(shapes: Any) -> list[tuple]:
    if _is_shape(shapes):
        return [shapes]
    values = shapes.values() if isinstance(shapes, dict) else shapes
    out = []
    for s in values:
        out.extend(_flatten_shapes(s))
    return out


def _dummy_outputs(layer, shapes, dtypes, extra, kwargs, batch: int, inner: int) -> Any:
    def make(shape: tuple, dtype: Any) -> Tensor:
        concrete = tuple(
            (batch if i == 0 else inner) if s is None else s for i, s in enumerate(shape)
        )
        dt = dtype or layer.dtype
        try:
            return Tensor._make(np.zeros(concrete, dtype=dt))
        except MemoryError:
            nbytes = int(np.prod(concrete, dtype=object)) * np.dtype(dt).itemsize
            raise MemoryError(
                f'Layer "{layer.name}": not enough memory to infer its output shape on a zero '
                f"input of shape {shape_str(concrete)} ({nbytes:,} bytes); check the input "
                "shape."
            ) from None

    dummy = _zip_map(make, shapes, dtypes)
    extra = map_structure(
        lambda t: make(t.shape, t.dtype) if isinstance(t, KerasTensor) else t, extra
    )
    kw = {k: v for k, v in kwargs.items() if k not in ("training", "mask")}
    with no_grad():
        return layer(dummy, *extra, training=False, **kw)


def _zip_map(fn: Any, shapes: Any, dtypes: Any) -> Any:
    if _is_shape(shapes):
        return fn(shapes, dtypes)
    if isinstance(shapes, dict):
        return {k: _zip_map(fn, shapes[k], dtypes[k]) for k in shapes}
    return [_zip_map(fn, s, d) for s, d in zip(shapes, dtypes)]


def _specs_from(first: Any, second: Any, batch_unknown: bool) -> Any:
    if isinstance(first, Tensor):
        shape = list(first.shape)
        if second is not None:
            shape = [a if a == b else None for a, b in zip(first.shape, second.shape)]
        if batch_unknown and shape:
            shape[0] = None
        return (tuple(shape), first.dtype.name)
    if isinstance(first, dict):
        return {
            k: _specs_from(first[k], second[k] if second else None, batch_unknown) for k in first
        }
    return [
        _specs_from(f, second[i] if second else None, batch_unknown) for i, f in enumerate(first)
    ]


# ------------------------------------------------------------------------ Input
class InputLayer(Layer):
    """The layer behind ``Input``: it holds the model's input shape and does nothing."""

    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        name: str | None = None,
        batch_shape: Any = None,
        sparse: bool | None = None,
        **kwargs: Any,
    ) -> None:
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        kwargs.pop("input_shape", None)
        if isinstance(dtype, dict):  # a serialized Keras DTypePolicy
            dtype = dtype.get("config", {}).get("name")
        strings = dtype in ("string", "str")  # text stays a host array of str (Keras's tf.string)
        super().__init__(name=name, dtype=None if strings else dtype)
        if strings:
            self.dtype = "string"
        if batch_shape is None:
            batch_shape = batch_input_shape
        if batch_shape is None:
            if shape is None:
                raise ValueError("Input: pass `shape` (without the batch axis), e.g. shape=(784,).")
            shape = _shape_argument("shape", (shape,) if isinstance(shape, int) else shape)
            if batch_size is not None and not _is_positive_int(batch_size):
                raise ValueError(
                    f"Input: `batch_size` must be a positive integer or None, received "
                    f"batch_size={batch_size!r}."
                )
            batch_shape = (batch_size,) + shape
        self.batch_shape = _shape_argument("batch_shape", batch_shape)
        self._batch_input_shape = self.batch_shape
        self.built = True
        self.output = KerasTensor(self.batch_shape, self.dtype, name=self.name)
        self.output.node = Node(self, (), {}, [self.output])
        self._inbound_nodes.append(self.output.node)

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict:
        return {
            "batch_shape": _jsonable_shape(self.batch_shape),
            "dtype": self.dtype,
            "sparse": False,
            "name": self.name,
        }


def _dimension(value: Any) -> int | None:
    """``value`` as a size (an int ≥ 0, or None), or ValueError."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{value!r} is not an integer")
    if value < 0:
        raise ValueError(f"{value} is negative")
    return int(value)


def _is_positive_int(value: Any) -> bool:
    try:
        return bool(_dimension(value))
    except ValueError:
        return False


def _shape_argument(argument: str, value: Any) -> tuple:
    """A shape argument of ``Input`` checked: a tuple/list of non-negative ints or None."""
    problem = None
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        problem = f"a {type(value).__name__} is not a shape"
    else:
        for size in value:
            try:
                _dimension(size)
            except ValueError as e:
                problem = str(e)
                break
    if problem is not None:
        raise ValueError(
            f"Input: `{argument}` must be a tuple of sizes, each a non-negative integer or None "
            f"(unknown), e.g. (28, 28, 1); received {argument}={value!r} ({problem})."
        )
    return tuple(_dimension(size) for size in value)


def Input(  # noqa: N802 - Keras's name
    shape: Any = None,
    batch_size: int | None = None,
    dtype: Any = None,
    name: str | None = None,
    batch_shape: Any = None,
    sparse: bool | None = None,
    tensor: Any = None,
) -> KerasTensor:
    """A symbolic input for the Functional API.

    Args:
        shape: the shape of one sample (no batch axis), e.g. ``(784,)`` or ``(28, 28, 1)``.
        batch_size: optional fixed batch size.
        dtype: the input's dtype (default ``floatx()``; use ``"int32"`` for token ids).
        name: optional name (becomes the key for dict inputs).

    Returns:
        A KerasTensor to call layers on.

    Example:
        >>> import deepnum as dn
        >>> x = dn.Input(shape=(784,))
        >>> x.shape
        (None, 784)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        name=name,
        batch_shape=batch_shape,
        sparse=sparse,
    )
    return layer.output
