"""Indexing: ``x[index]`` (get_item), take, take_along_axis, select, unravel_index.

The backward of indexing scatters the gradient back with ``np.add.at`` semantics, so repeated
indices accumulate.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import get_array_module, is_array

__all__ = ["get_item", "select", "take", "take_along_axis", "unravel_index"]


def _normalize_index(index: Any, xp: Any) -> Any:
    """Unwrap Tensors and lists inside an index into arrays of the right module."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, Tensor):
            i = i.data
        if isinstance(i, list) or (is_array(i) and get_array_module(i) is not xp):
            i = xp.asarray(i)
        if is_array(i) and i.dtype == bool:
            out.extend(xp.nonzero(i))  # a mask is its tuple of nonzero indices (NumPy's rule)
        else:
            out.append(i)
    return tuple(out)


def _is_basic(index: tuple) -> bool:
    """Basic indexing (ints, slices, None, ...) selects each element at most once."""
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in index)


class GetItem(Function):
    def __init__(self, index: tuple) -> None:
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, gy):
        x = self.inputs[0]
        return ScatterAdd(self.index, x.shape)(gy)


class ScatterAdd(Function):
    """The adjoint of ``x[index]``: zeros of ``shape`` with ``gy`` added at ``index``."""

    def __init__(self, index: tuple, shape: tuple[int, ...]) -> None:
        self.index, self.shape = index, shape

    def forward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.shape, dtype=gy.dtype)
        if _is_basic(self.index):
            gx[self.index] = gy
        elif xp.__name__ == "numpy":
            xp.add.at(gx, self.index, gy)
        else:  # pragma: no cover - CuPy
            import cupyx

            cupyx.scatter_add(gx, self.index, gy)
        return gx

    def backward(self, ggx):
        return getitem(ggx, self.index)


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]`` with ints, slices, None, Ellipsis, integer arrays and boolean masks."""
    x = as_tensor(x)
    index = _normalize_index(index, get_array_module(x.data))
    try:
        return GetItem(index)(x)
    except IndexError as e:
        raise IndexError(
            f"index {index!r} is invalid for a tensor of shape {x.shape}: {e}"
        ) from None


def get_item(x: Any, key: Any) -> Tensor:
    """``x[key]`` (Keras's ``ops.get_item``): ints, slices, None, Ellipsis, integer arrays
    and boolean masks, with NumPy's semantics.

    Example:
        >>> get_item([[1.0, 2.0], [3.0, 4.0]], (slice(None), 1)).numpy().tolist()
        [2.0, 4.0]
    """
    return getitem(x, key)


def _index_array(indices: Any, xp: Any, op: str) -> Any:
    """An integer index array on ``xp`` (Tensors, lists and floats accepted)."""
    indices = xp.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if indices.dtype.kind == "f":
        indices = indices.astype("int64")
    elif indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, received dtype {indices.dtype}.")
    return indices


def _check_range(indices: Any, n: int, op: str, what: str) -> None:
    if indices.size and (int(indices.min()) < -n or int(indices.max()) >= n):
        raise IndexError(
            f"{op}: indices range from {int(indices.min())} to {int(indices.max())}, but "
            f"{what} has size {n} (valid: {-n} to {n - 1})."
        )


def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Gather slices along ``axis`` (the flattened tensor when None), like ``np.take``.

    out = x[:, ..., indices, ...] with ``indices`` (any shape) at ``axis``; negative indices
    count from the end. The gradient scatter-adds back (repeated indices accumulate).

    Example:
        >>> take([[1.0, 2.0], [3.0, 4.0]], [1, 0, 1], axis=1).numpy().tolist()
        [[2.0, 1.0, 2.0], [4.0, 3.0, 4.0]]
    """
    from deepnum.ops.numpy._shape import canonical_axis, ravel

    x = as_tensor(x)
    xp = get_array_module(x.data)
    indices = _index_array(indices, xp, "take")
    if axis is None:
        x, axis = ravel(x), 0
    axis = canonical_axis(axis, x.ndim, "take")
    _check_range(indices, x.shape[axis], "take", f"axis {axis}")
    return getitem(x, (slice(None),) * axis + (indices,))


def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Pick one element per index along ``axis``, like ``np.take_along_axis``.

    out[..., i, ...] = x[..., indices[..., i, ...], ...]: ``indices`` has the rank of ``x``
    and broadcasts with it on the other axes. With ``axis=None`` both are read flattened
    (``indices`` 1-d).

    Example:
        >>> take_along_axis([[1.0, 2.0], [3.0, 4.0]], [[1], [0]], axis=1).numpy().tolist()
        [[2.0], [3.0]]
    """
    from deepnum.ops.numpy._shape import canonical_axis, ravel

    x = as_tensor(x)
    xp = get_array_module(x.data)
    indices = _index_array(indices, xp, "take_along_axis")
    if axis is None:
        x, axis = ravel(x), 0
    if indices.ndim != x.ndim:
        raise ValueError(
            f"take_along_axis: indices of rank {indices.ndim} for a tensor of rank {x.ndim}; "
            "they must have the same rank (use expand_dims)."
        )
    axis = canonical_axis(axis, x.ndim, "take_along_axis")
    _check_range(indices, x.shape[axis], "take_along_axis", f"axis {axis}")
    shape = []
    for i, (s, t) in enumerate(zip(x.shape, indices.shape)):
        if i != axis and s != t and 1 not in (s, t):
            raise ValueError(
                f"take_along_axis: indices of shape {indices.shape} do not broadcast with a "
                f"tensor of shape {x.shape} outside axis {axis}."
            )
        shape.append(t if i == axis or s == 1 else s)
    indices = xp.broadcast_to(indices, tuple(shape))
    index = []
    for i, s in enumerate(shape):
        if i == axis:
            index.append(indices)
            continue
        grid = xp.arange(s) if x.shape[i] != 1 else xp.zeros(s, dtype=int)
        index.append(grid.reshape((1,) * i + (s,) + (1,) * (len(shape) - i - 1)))
    return getitem(x, tuple(index))


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Tensor:
    """The element of the first choice whose condition holds, else ``default``.

    ``out[i] = choicelist[k][i]`` for the first k with ``condlist[k][i]`` true (NumPy's ``select``);
    conditions and choices broadcast together. Differentiable in the choices and default.

    Example:
        >>> x = [0.0, 1.0, 2.0]
        >>> select([[True, False, False], [True, True, False]], [x, [9.0] * 3], -1.0).tolist()
        [0.0, 9.0, -1.0]
    """
    from deepnum.ops.numpy import where

    if len(condlist) != len(choicelist):
        raise ValueError(
            f"select: condlist has {len(condlist)} entries and choicelist {len(choicelist)}; "
            "they must have the same length."
        )
    if not len(condlist):
        raise ValueError("select: condlist and choicelist must not be empty.")
    from deepnum.ops.numpy._joining import _promoted

    choices = [as_tensor(c) for c in choicelist]
    if isinstance(default, Tensor) or is_array(default):
        *choices, out = _promoted(choices + [as_tensor(default)])
    else:  # a Python number takes the choices' dtype
        choices, out = _promoted(choices), default
    for cond, choice in reversed(list(zip(condlist, choices))):
        out = where(cond, choice, out)
    return out


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """Flat indices into a tensor of ``shape`` as one coordinate tensor per axis (int32).

    Example:
        >>> [c.tolist() for c in unravel_index([1, 5], (2, 3))]
        [[0, 1], [1, 2]]
    """
    from deepnum.ops.numpy._shape import shape_tuple

    shape = shape_tuple(shape)
    flat = indices.data if isinstance(indices, Tensor) else indices
    xp = get_array_module(flat)
    flat = xp.asarray(flat)
    if flat.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: indices must be integers, received dtype {flat.dtype}.")
    size = 1
    for s in shape:
        size *= s
    _check_range(flat, size, "unravel_index", f"a tensor of shape {shape}")
    flat = flat % max(size, 1)  # NumPy refuses negatives; Keras's backends wrap them
    coords = []
    for s in reversed(shape):
        coords.append((flat % s).astype("int32"))
        flat = flat // s
    return tuple(Tensor._make(c) for c in reversed(coords))
