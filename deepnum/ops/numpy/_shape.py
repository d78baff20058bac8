"""Shape manipulation: reshape, transpose, expand/squeeze, concatenate, stack, split, pad,
repeat, tile. Backward passes only move gradients back into place."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import broadcast_to
from deepnum.ops.numpy._reduction import normalize_axis

__all__ = [
    "concatenate",
    "expand_dims",
    "moveaxis",
    "pad",
    "repeat",
    "reshape",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "tile",
    "transpose",
]


class Reshape(Function):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, gy):
        return reshape(gy, self.inputs[0].shape)

    def backward_arrays(self, gy):
        return gy.reshape(self.inputs[0].data.shape)


class Transpose(Function):
    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        return transpose(gy, self._inverse())

    def backward_arrays(self, gy):
        return gy.transpose(self._inverse())

    def _inverse(self) -> tuple[int, ...]:
        return tuple(sorted(range(len(self.axes)), key=lambda i: self.axes[i]))


class Concatenate(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        return get_array_module(*xs).concatenate(xs, axis=self.axis)

    def backward(self, gy):
        sizes = [x.shape[self.axis] for x in self.inputs]
        return tuple(split(gy, _offsets(sizes), axis=self.axis))


class Split(Function):
    """Split along ``axis`` at the given offsets; a multi-output Function."""

    def __init__(self, offsets: list[int], axis: int) -> None:
        self.offsets, self.axis = offsets, axis

    def forward(self, x):
        return tuple(get_array_module(x).split(x, self.offsets, axis=self.axis))

    def backward(self, *gys):
        return concatenate(list(gys), axis=self.axis)


class Pad(Function):
    def __init__(self, pad_width: tuple[tuple[int, int], ...], value: float) -> None:
        self.pad_width, self.value = pad_width, value

    def forward(self, x):
        xp = get_array_module(x)
        return xp.pad(x, self.pad_width, mode="constant", constant_values=self.value)

    def backward(self, gy):
        index = tuple(slice(lo, gy.shape[i] - hi) for i, (lo, hi) in enumerate(self.pad_width))
        return gy[index]


def _offsets(sizes: Sequence[int]) -> list[int]:
    out, total = [], 0
    for s in sizes[:-1]:
        total += s
        out.append(total)
    return out


def reshape(x: Any, shape: Any) -> Tensor:
    """Give ``x`` a new shape with the same number of elements (one entry may be -1)."""
    x = as_tensor(x)
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    if shape == x.shape:
        return x
    known = math.prod(s for s in shape if s != -1)
    if (-1 not in shape and known != x.size) or (-1 in shape and (known == 0 or x.size % known)):
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {shape_str(x.shape)} ({x.size} elements) "
            f"into shape {shape_str(shape)}."
        )
    return Reshape(shape)(x)


def transpose(x: Any, axes: Any = None) -> Tensor:
    """Permute the axes (default: reverse them)."""
    x = as_tensor(x)
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(a % x.ndim for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of {x.ndim} axes.")
    if axes == tuple(range(x.ndim)):
        return x
    return Transpose(axes)(x)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes."""
    x = as_tensor(x)
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def moveaxis(x: Any, source: int, destination: int) -> Tensor:
    """Move one axis to a new position, keeping the order of the others."""
    x = as_tensor(x)
    axes = list(range(x.ndim))
    axes.insert(destination % x.ndim, axes.pop(source % x.ndim))
    return transpose(x, axes)


def expand_dims(x: Any, axis: int) -> Tensor:
    """Insert an axis of size 1 at ``axis``."""
    x = as_tensor(x)
    shape = list(x.shape)
    shape.insert(axis % (x.ndim + 1), 1)
    return reshape(x, tuple(shape))


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Remove axes of size 1 (all of them, or those in ``axis``)."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim) if axis is not None else None
    if axes is not None:
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(
                    f"squeeze: axis {a} has size {x.shape[a]}, only axes of size 1 can be removed."
                )
    shape = tuple(s for i, s in enumerate(x.shape) if (s != 1 if axes is None else i not in axes))
    return reshape(x, shape)


def flatten(x: Any) -> Tensor:
    """Return ``x`` as a 1-d tensor."""
    return reshape(x, (-1,))


def concatenate(xs: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    xs = [as_tensor(x) for x in xs]
    if not xs:
        raise ValueError("concatenate: need at least one tensor.")
    if xs[0].ndim == 0:
        raise ValueError("concatenate: 0-d tensors have no axis to join along; use stack.")
    axis = axis % xs[0].ndim
    for x in xs[1:]:
        if x.ndim != xs[0].ndim or any(
            a != b for i, (a, b) in enumerate(zip(x.shape, xs[0].shape)) if i != axis
        ):
            raise ValueError(
                f"concatenate: shapes {shape_str(xs[0].shape)} and {shape_str(x.shape)} must "
                f"match except along axis {axis}."
            )
    return Concatenate(axis)(*xs)


def stack(xs: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of the same shape along a new axis."""
    xs = [as_tensor(x) for x in xs]
    return concatenate([expand_dims(x, axis) for x in xs], axis=axis)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Split into equal sections (an int) or at the given indices (NumPy semantics)."""
    x = as_tensor(x)
    axis = axis % x.ndim
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(
                f"split: axis {axis} of size {n} cannot be split into {indices_or_sections} "
                "equal sections."
            )
        step = n // indices_or_sections
        offsets = [step * i for i in range(1, indices_or_sections)]
    else:
        offsets = [int(i) for i in indices_or_sections]
    out = Split(offsets, axis)(x)
    return list(out) if isinstance(out, tuple) else [out]


def pad(x: Any, pad_width: Any, constant_values: float = 0) -> Tensor:
    """Pad with a constant (NumPy's ``pad_width`` forms: int, (lo, hi), or one pair per axis)."""
    x = as_tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
    return Pad(tuple((int(lo), int(hi)) for lo, hi in widths), constant_values)(x)


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (NumPy semantics)."""
    from deepnum.ops.numpy._indexing import take

    x = as_tensor(x)
    if axis is None:
        x, axis = flatten(x), 0
    axis = axis % x.ndim
    if isinstance(repeats, int):
        shape = x.shape
        y = broadcast_to(
            expand_dims(x, axis + 1), shape[: axis + 1] + (repeats,) + shape[axis + 1 :]
        )
        return reshape(y, shape[:axis] + (shape[axis] * repeats,) + shape[axis + 1 :])
    index = np.repeat(np.arange(x.shape[axis]), np.asarray(repeats))
    return take(x, index, axis=axis)


def tile(x: Any, reps: Any) -> Tensor:
    """Repeat the whole tensor ``reps`` times along each axis (NumPy semantics)."""
    x = as_tensor(x)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    ndim = max(x.ndim, len(reps))
    x = reshape(x, (1,) * (ndim - x.ndim) + x.shape)
    reps = (1,) * (ndim - len(reps)) + reps
    # Interleave a new axis of size r before each axis, broadcast, and merge the pairs.
    expanded = reshape(x, tuple(v for s in x.shape for v in (1, s)))
    target = tuple(v for r, s in zip(reps, x.shape) for v in (r, s))
    return reshape(broadcast_to(expanded, target), tuple(r * s for r, s in zip(reps, x.shape)))
