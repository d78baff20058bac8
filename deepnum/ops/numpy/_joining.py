"""Joining and splitting: concatenate, stack and their h/v/d variants, append, split,
array_split and h/v/d split. The adjoint of a join is a split and vice versa."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.backend.dtypes import promote_types
from deepnum.ops.numpy._shape import canonical_axis, ravel, reshape

__all__ = [
    "append",
    "array_split",
    "concatenate",
    "dsplit",
    "dstack",
    "hsplit",
    "hstack",
    "split",
    "stack",
    "vsplit",
    "vstack",
]


def result_dtype(*dtypes: Any) -> Any:
    """The dtype that joining or multiplying arrays of these dtypes gives.

    Keras's promotion lattice (:func:`deepnum.backend.dtypes.promote_types`): bool < integers
    < floats, a float beats every integer (``int64`` with ``float32`` gives ``float32``, where
    NumPy would give ``float64``), the wider type wins within a kind (``int8`` with ``uint8``
    gives ``int16``), and 64-bit types are kept.
    """
    out = dtypes[0]
    for d in dtypes[1:]:
        if d != out:
            out = promote_types(out, d)
    return out


def _promoted(xs: Sequence[Tensor]) -> list[Tensor]:
    """``xs`` cast to their common dtype (differentiably)."""
    first = xs[0].data.dtype
    if all(x.data.dtype == first for x in xs):
        return list(xs)
    from deepnum.ops.numpy._elementwise import cast

    dtype = result_dtype(*[x.data.dtype for x in xs])
    return [x if x.data.dtype == dtype else cast(x, dtype) for x in xs]


class Concatenate(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        return get_array_module(*xs).concatenate(xs, axis=self.axis)

    def backward(self, gy):
        if len(self.inputs) == 1:
            return gy
        sizes = [x.shape[self.axis] for x in self.inputs]
        return Split(_offsets(sizes), self.axis)(gy)


class Stack(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        return get_array_module(*xs).stack(xs, axis=self.axis)

    def backward(self, gy):
        n = len(self.inputs)
        parts = Split(list(range(1, n)), self.axis)(gy)
        parts = parts if isinstance(parts, tuple) else (parts,)
        return tuple(reshape(p, x.shape) for p, x in zip(parts, self.inputs))


class Split(Function):
    """Split along ``axis`` at the given offsets; a multi-output Function."""

    def __init__(self, offsets: list[int], axis: int) -> None:
        self.offsets, self.axis = offsets, axis

    def forward(self, x):
        out = tuple(get_array_module(x).split(x, self.offsets, axis=self.axis))
        return out if len(out) > 1 else out[0]

    def backward(self, *gys):
        return Concatenate(self.axis)(*gys)


def _offsets(sizes: Sequence[int]) -> list[int]:
    out, total = [], 0
    for s in sizes[:-1]:
        total += s
        out.append(total)
    return out


def _tensors(xs: Any, op: str) -> list[Tensor]:
    if isinstance(xs, Tensor) or not isinstance(xs, (list, tuple)):
        xs = list(as_tensor(xs))  # a tensor is a sequence of its rows, as in NumPy
    if not xs:
        raise ValueError(f"{op}: need at least one tensor to join, received an empty sequence.")
    return [x if type(x) is Tensor else as_tensor(x) for x in xs]


def concatenate(xs: Sequence[Any], axis: int | None = 0) -> Tensor:
    """Join tensors along an existing axis (``axis=None``: flatten them first).

    The result has the common dtype of the inputs (``int32`` with ``float32`` gives
    ``float32``).

    Args:
        xs: a sequence of tensors with equal shapes except along ``axis``.
        axis: the axis to join along.

    Returns:
        A tensor whose size along ``axis`` is the sum of the inputs'.

    Example:
        >>> concatenate([[1.0, 2.0], [3.0]]).numpy().tolist()
        [1.0, 2.0, 3.0]
    """
    xs = _tensors(xs, "concatenate")
    if axis is None:
        xs, axis = [ravel(x) for x in xs], 0
    first = xs[0].shape
    if not first:
        raise ValueError("concatenate: 0-d tensors have no axis to join along; use stack.")
    axis = canonical_axis(axis, len(first), "concatenate")
    others = first[:axis] + first[axis + 1 :]
    for x in xs[1:]:
        shape = x.data.shape
        if len(shape) != len(first) or shape[:axis] + shape[axis + 1 :] != others:
            raise ValueError(
                f"concatenate: shapes {shape_str(first)} and {shape_str(shape)} must match "
                f"except along axis {axis}."
            )
    return _join(Concatenate(axis), _promoted(xs))


def stack(x: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of the same shape along a new axis.

    Args:
        x: a sequence of tensors of equal shapes.
        axis: the position of the new axis in the result.

    Example:
        >>> stack([[1.0, 2.0], [3.0, 4.0]], axis=1).numpy().tolist()
        [[1.0, 3.0], [2.0, 4.0]]
    """
    xs = _tensors(x, "stack")
    first = xs[0].shape
    for t in xs[1:]:
        if t.shape != first:
            raise ValueError(
                f"stack: all tensors must have the same shape; received {shape_str(first)} and "
                f"{shape_str(t.shape)}."
            )
    axis = canonical_axis(axis, len(first) + 1, "stack")
    return _join(Stack(axis), _promoted(xs))


def _join(op: Function, xs: list[Tensor]) -> Tensor:
    """``op(*xs)``, without recording when no input needs a gradient."""
    for x in xs:
        if x.requires_grad:
            return op(*xs)
    return Tensor._make(op.forward(*[x.data for x in xs]))


def hstack(xs: Sequence[Any]) -> Tensor:
    """Join horizontally: along axis 1, or axis 0 for 1-d tensors (NumPy's ``hstack``).

    Example:
        >>> hstack([[[1.0], [2.0]], [[3.0], [4.0]]]).shape
        (2, 2)
    """
    xs = [_at_least(x, 1) for x in _tensors(xs, "hstack")]
    return concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


def vstack(xs: Sequence[Any]) -> Tensor:
    """Join vertically: along axis 0, 1-d tensors becoming rows (NumPy's ``vstack``).

    Example:
        >>> vstack([[1.0, 2.0], [3.0, 4.0]]).shape
        (2, 2)
    """
    return concatenate([_at_least(x, 2) for x in _tensors(xs, "vstack")], axis=0)


def dstack(xs: Sequence[Any]) -> Tensor:
    """Join along the third axis; ``(N,)`` becomes ``(1, N, 1)`` and ``(M, N)`` becomes
    ``(M, N, 1)`` first (NumPy's ``dstack``).

    Example:
        >>> dstack([[1.0, 2.0], [3.0, 4.0]]).shape
        (1, 2, 2)
    """
    return concatenate([_at_least(x, 3) for x in _tensors(xs, "dstack")], axis=2)


def _at_least(x: Tensor, n: int) -> Tensor:
    """NumPy's ``atleast_1d/2d/3d``: (), (N,) -> (1, N), (M, N) -> (M, N, 1)."""
    shape = x.shape
    if len(shape) >= n:
        return x
    if n == 1:
        return reshape(x, (1,))
    if n == 2:
        return reshape(x, (1,) + shape + (1,) * (1 - len(shape)))
    padded = {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)]
    return reshape(x, padded)


def append(x1: Any, x2: Any, axis: int | None = None) -> Tensor:
    """Append ``x2`` to ``x1``: both flattened when ``axis`` is None, else joined along it.

    Example:
        >>> append([[1.0, 2.0]], [3.0]).numpy().tolist()
        [1.0, 2.0, 3.0]
    """
    return concatenate([as_tensor(x1), as_tensor(x2)], axis=axis)


def _split_at(x: Tensor, offsets: list[int], axis: int) -> list[Tensor]:
    out = Split(offsets, axis)(x)
    return list(out) if isinstance(out, tuple) else [out]


def _indices(indices_or_sections: Any) -> list[int]:
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.numpy()
    return [int(i) for i in indices_or_sections]


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Split into equal sections (an int) or at the given indices along ``axis``.

    Args:
        x: input tensor.
        indices_or_sections: the number of equal sections, which must divide
            ``x.shape[axis]``; or a sorted sequence of split points.
        axis: the axis to split.

    Returns:
        A list of tensors.

    Example:
        >>> [p.shape for p in split([1.0, 2.0, 3.0, 4.0], [1, 3])]
        [(1,), (2,), (1,)]
    """
    x = as_tensor(x)
    axis = canonical_axis(axis, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0 or n % sections:
            raise ValueError(
                f"split: axis {axis} of size {n} (shape {shape_str(x.shape)}) cannot be split "
                f"into {sections} equal sections; use array_split for unequal ones."
            )
        return _split_at(x, [n // sections * i for i in range(1, sections)], axis)
    return _split_at(x, _indices(indices_or_sections), axis)


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Split into ``k`` nearly equal sections (the first ``n % k`` one longer), or at indices.

    Example:
        >>> [p.shape for p in array_split([1.0, 2.0, 3.0, 4.0, 5.0], 3)]
        [(2,), (2,), (1,)]
    """
    x = as_tensor(x)
    axis = canonical_axis(axis, x.ndim, "array_split")
    if not isinstance(indices_or_sections, int):
        return _split_at(x, _indices(indices_or_sections), axis)
    k = indices_or_sections
    if k <= 0:
        raise ValueError(f"array_split: the number of sections must be positive, received {k}.")
    each, extra = divmod(x.shape[axis], k)
    return _split_at(x, _offsets([each + 1] * extra + [each] * (k - extra)), axis)


def _split_rank(x: Any, need: int, op: str) -> Tensor:
    x = as_tensor(x)
    if x.ndim < need:
        raise ValueError(
            f"{op}: needs a tensor of rank >= {need}, received shape {shape_str(x.shape)}."
        )
    return x


def hsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """Split horizontally: along axis 1, or axis 0 for 1-d tensors.

    Example:
        >>> [p.shape for p in hsplit([[1.0, 2.0]], 2)]
        [(1, 1), (1, 1)]
    """
    x = _split_rank(x, 1, "hsplit")
    return split(x, indices_or_sections, axis=1 if x.ndim > 1 else 0)


def vsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """Split vertically: along axis 0 of a tensor of rank >= 2.

    Example:
        >>> [p.shape for p in vsplit([[1.0], [2.0]], 2)]
        [(1, 1), (1, 1)]
    """
    return split(_split_rank(x, 2, "vsplit"), indices_or_sections, axis=0)


def dsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """Split along the third axis of a tensor of rank >= 3.

    Example:
        >>> [p.shape for p in dsplit([[[1.0, 2.0]]], 2)]
        [(1, 1, 1), (1, 1, 1)]
    """
    return split(_split_rank(x, 3, "dsplit"), indices_or_sections, axis=2)
