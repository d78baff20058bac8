"""The dtype policy: the default float type (``floatx``), ``epsilon``, and Keras's type promotion.

Keras promotes dtypes on a lattice adapted from JAX's (``keras.backend.result_type``)::

    bool → int* → uint8 → uint16 → uint32 → uint64 → float*
              ↘ int8 → int16 → int32 → int64 ↗
    float* → bfloat16 or float16 → float32 → float64 → complex128
    int* → complex64 ← float32;  complex64 → complex128

The result of several dtypes is their least upper bound on that graph. ``int*`` and ``float*``
are the *weak* types of Python numbers: ``int8 + 3`` stays ``int8`` and ``float16 + 2.5`` stays
``float16``, while ``int32 + 2.5`` becomes ``floatx()``; a result that is still weak takes the
precision of ``floatx()``. :func:`result_type` is Keras's function exactly, including its last
step on the JAX/PyTorch backends, which narrows 64-bit results to 32 bits (``int64 → int32``,
``float64 → float32``). deepnum's ops use the same lattice without that narrowing
(:func:`promote_types`), so NumPy float64 data stays float64, as on Keras's PyTorch backend.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
_ALLOWED_FLOATX = ("float16", "float32", "float64")

BOOL_TYPES = ("bool",)
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
COMPLEX_TYPES = ("complex64", "complex128")
FLOAT8_TYPES = ("float8_e4m3fn", "float8_e5m2")
ALLOWED_DTYPES = (
    *FLOAT_TYPES[1:],
    *INT_TYPES,
    "bfloat16",
    "bool",
    "string",
    *FLOAT8_TYPES,
    *COMPLEX_TYPES,
)
# Python types (and the string "int") as Keras names them on its non-TensorFlow backends.
_PYTHON_DTYPES = {
    bool: "bool",
    int: "int32",
    float: "float32",
    str: "string",
    "int": "int32",
    complex: "complex64",
}
# Each dtype → the dtypes just above it; "int" and "float" are the weak Python types.
_LATTICE = {
    "bool": ("int",),
    "int": ("uint8", "int8", "complex64"),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "complex64": ("complex128",),
    "complex128": (),
}
_NARROW_64 = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def _upper_bounds() -> dict[str, frozenset[str]]:
    """Every dtype → the set of dtypes at or above it (the transitive closure of the lattice)."""
    bounds = {}
    for node in _LATTICE:
        seen, stack = {node}, [node]
        while stack:
            for up in _LATTICE[stack.pop()]:
                if up not in seen:
                    seen.add(up)
                    stack.append(up)
        bounds[node] = frozenset(seen)
    return bounds


_UPPER = _upper_bounds()


def floatx() -> str:
    """Return the default float dtype as a string (``"float32"`` unless changed).

    Example:
        >>> floatx()
        'float32'
    """
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float dtype used for Python scalars, lists and new weights.

    Args:
        value: one of ``"float16"``, ``"float32"``, ``"float64"``.
    """
    global _FLOATX
    value = str(np.dtype(value)) if value in _ALLOWED_FLOATX else value
    if value not in _ALLOWED_FLOATX:
        raise ValueError(f"set_floatx: expected one of {_ALLOWED_FLOATX}, received {value!r}.")
    _FLOATX = value
    _PROMOTED.clear()  # weak types resolve with floatx's precision


def epsilon() -> float:
    """Return the fuzz factor used to avoid division by zero (Keras default ``1e-7``)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by :func:`epsilon`."""
    global _EPSILON
    _EPSILON = float(value)


def standardize_dtype(dtype: Any) -> str:
    """Return Keras's canonical name of a dtype-like value.

    Args:
        dtype: ``None`` (→ ``floatx()``), a name, a NumPy/CuPy dtype or scalar type, or a Python
            type (``int`` → ``"int32"``, ``float`` → ``"float32"``, ``bool``, ``complex``).

    Returns:
        One of Keras's dtype names (``"float32"``, ``"int8"``, ``"bool"``, ...).

    Example:
        >>> standardize_dtype(int), standardize_dtype(np.float64), standardize_dtype(None)
        ('int32', 'float64', 'float32')
    """
    if dtype is None:
        return _FLOATX
    name = _PYTHON_DTYPES.get(dtype, dtype) if isinstance(dtype, (str, type)) else dtype
    if hasattr(name, "name"):
        name = name.name
    elif hasattr(name, "__name__"):
        name = name.__name__
    elif "torch" in str(name) or "jax.numpy" in str(name):
        name = str(name).split(".")[-1]
    if name not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {name!r}; expected one of {ALLOWED_DTYPES}.")
    return name


def is_float_dtype(dtype: Any) -> bool:
    """True for floating-point dtypes (the ones that can carry gradients).

    Example:
        >>> is_float_dtype("float16"), is_float_dtype("int64")
        (True, False)
    """
    if isinstance(dtype, np.dtype):  # the common case, on every Tensor.requires_grad_
        return dtype.kind == "f"
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype: Any) -> bool:
    """True for signed and unsigned integer dtypes (not ``bool``).

    Example:
        >>> is_int_dtype("uint8"), is_int_dtype("bool")
        (True, False)
    """
    return standardize_dtype(dtype).startswith(("int", "uint"))


def _least_upper_bound(nodes: frozenset[str]) -> str:
    """The least dtype of the lattice that is at or above every node.

    The common upper bounds are the intersection of the nodes' upper sets; the least of them is
    the one whose own upper set contains all the others.
    """
    try:
        common = frozenset.intersection(*(_UPPER[n] for n in nodes))
    except KeyError:
        bad = next(n for n in nodes if n not in _UPPER)
        raise ValueError(f"dtype={bad!r} is not a valid dtype for Keras type promotion.") from None
    least = (common & nodes) or {c for c in common if common <= _UPPER[c]}
    if len(least) != 1:
        raise ValueError(
            f"Input dtypes {tuple(sorted(nodes))} have no available implicit dtype promotion "
            "path. Try explicitly casting inputs to the desired output type."
        )
    return next(iter(least))


def _weak(dtype: str) -> str:
    """The weak type of the same kind (``"int"``/``"float"``), the node a Python number takes."""
    if dtype == "bool":
        return dtype
    for kind in ("float", "int", "complex"):
        if kind in dtype:
            return kind
    raise ValueError(f"Invalid dtype for a weak type: {dtype!r}.")


def _resolve_weak(dtype: str) -> str:
    """A weak result gets floatx's precision: ``"int"`` → ``int32`` under float32."""
    precision = _FLOATX[-2:]
    indicator = "f" if dtype == "bfloat16" else dtype[:1]
    if indicator == "b":
        return "bool"
    if indicator == "i":
        return f"int{precision}"
    if indicator == "u":
        return f"uint{precision}"
    return f"float{precision}"


@functools.lru_cache(maxsize=4096)
def _lattice_result(entries: tuple[tuple[str, bool], ...], floatx_: str) -> str:
    """The promoted dtype of ``(dtype, weak)`` entries, before any 64-bit narrowing.

    ``floatx_`` is part of the cache key: weak results take its precision.
    """
    names = [d for d, _ in entries]
    weak = [w for _, w in entries]
    if len(entries) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(frozenset(names)), True
    else:
        nodes = frozenset(_weak(d) if w else d for d, w in entries)
        out = _least_upper_bound(nodes)
        out_weak = out in ("int", "float")
    if out != "bool" and out_weak:
        out = _resolve_weak(out)
    return out


def _entry(value: Any) -> tuple[str, bool]:
    """``(name, weak)`` for one argument of :func:`result_type`: ``int``/``float`` are weak."""
    return standardize_dtype(value), value is int or value is float


def _check_float8(dtypes: tuple[Any, ...]) -> None:
    for dtype in dtypes:
        if isinstance(dtype, str) and dtype in FLOAT8_TYPES:
            raise ValueError(
                "There is no implicit conversions from float8 dtypes to others. You must cast "
                f"it internally. Received: {dtypes}"
            )


def result_type(*dtypes: Any) -> str:
    """Return the dtype that Keras's type promotion gives for ``dtypes`` (Keras's function).

    Args:
        *dtypes: dtypes, names, or the Python types ``int``/``float`` (weak: they adopt the
            other operand's precision), ``bool``; ``None`` stands for ``floatx()``.

    Returns:
        The least upper bound on the promotion lattice, with weak results at floatx's
        precision and 64-bit results narrowed to 32 bits, as on Keras's JAX and PyTorch
        backends (deepnum's ops keep 64 bits: see :func:`promote_types`).

    Example:
        >>> result_type("int32", "float32"), result_type("uint8", "int8")
        ('float32', 'int16')
        >>> result_type("int8", int), result_type("int32", float), result_type("bool", int)
        ('int8', 'float32', 'int32')
    """
    if not dtypes:
        return _FLOATX
    _check_float8(dtypes)
    entries = tuple(_entry(_FLOATX if d is None else d) for d in dtypes)
    out = _lattice_result(entries, _FLOATX)
    return _NARROW_64.get(out, out)


# (dtype or Python type, dtype or Python type) → np.dtype; cleared by set_floatx.
_PROMOTED: dict[tuple[Any, Any], np.dtype] = {}


def promote_types(a: Any, b: Any) -> np.dtype:
    """The dtype deepnum's binary ops compute in: Keras's lattice, keeping 64-bit dtypes.

    Args:
        a, b: NumPy dtypes, names, or the Python types ``int``/``float``/``bool``/``complex``
            standing for Python numbers (``int`` and ``float`` are weak).

    Returns:
        A ``numpy.dtype``. Cached per pair, so the lookup costs one dict access.

    Example:
        >>> promote_types(np.dtype("int32"), np.dtype("float32"))
        dtype('float32')
        >>> promote_types(np.dtype("float64"), np.dtype("float32"))
        dtype('float64')
        >>> promote_types(np.dtype("int8"), int), promote_types(np.dtype("int32"), float)
        (dtype('int8'), dtype('float32'))
    """
    out = _PROMOTED.get((a, b))
    if out is None:
        out = np.dtype(_lattice_result((_entry(a), _entry(b)), _FLOATX))
        _PROMOTED[(a, b)] = out
    return out
