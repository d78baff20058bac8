"""Argument handling shared by the ``keras.ops.nn`` families: float inputs, axes, raw arrays."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import floatx, get_array_module


def float_tensor(x: Any) -> Tensor:
    """``x`` as a floating-point Tensor: float inputs unchanged, integers and booleans in
    ``floatx`` (PyTorch's and Keras's promotion for the smooth activations)."""
    if type(x) is not Tensor:
        x = as_tensor(x)
    if x.data.dtype.kind not in "fc":
        return Tensor._make(x.data.astype(floatx()))
    return x


def raw(value: Any) -> Any:
    """The array behind a Tensor, or ``value`` unchanged."""
    return value.data if isinstance(value, Tensor) else value


def int_array(value: Any, like: Any) -> Any:
    """``value`` (labels, indices) as an int64 array on the device of ``like``."""
    xp = get_array_module(like)
    return xp.asarray(raw(value)).astype("int64", copy=False)


def canonical_axis(axis: int, ndim: int, op: str, name: str = "axis") -> int:
    """``axis`` in ``[0, ndim)``, or a ValueError naming the op and the rank."""
    if not isinstance(axis, int) or isinstance(axis, bool) or not -ndim <= axis < max(ndim, 1):
        raise ValueError(
            f"{op}: `{name}` must be an int in [{-ndim}, {ndim}) for an input of rank {ndim}, "
            f"received {name}={axis!r}."
        )
    return axis % ndim if ndim else 0


def canonical_axes(axis: Any, ndim: int, op: str, name: str = "axis") -> tuple[int, ...]:
    """``axis`` (None: every axis; an int; a sequence) as a sorted tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = sorted({canonical_axis(a, ndim, op, name) for a in axes})
    if len(out) != len(axes):
        raise ValueError(f"{op}: `{name}` repeats an axis, received {name}={axis!r}.")
    return tuple(out)
