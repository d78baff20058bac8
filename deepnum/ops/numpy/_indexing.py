"""Indexing: ``x[index]``, take, one_hot. The backward of indexing scatters the gradient back
with ``np.add.at`` semantics, so repeated indices accumulate."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import floatx, get_array_module, is_array

__all__ = ["take", "take_along_axis"]


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


def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Gather elements along ``axis`` (flattened when ``axis`` is None), like ``np.take``."""
    from deepnum.ops.numpy._shape import reshape

    x = as_tensor(x)
    xp = get_array_module(x.data)
    indices = xp.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if indices.dtype.kind not in "iu":
        indices = indices.astype("int64")
    if axis is None:
        return getitem(reshape(x, (-1,)), indices)
    axis = axis % x.ndim
    return getitem(x, (slice(None),) * axis + (indices,))


def take_along_axis(x: Any, indices: Any, axis: int) -> Tensor:
    """Gather with an index array of the same rank as ``x``, like ``np.take_along_axis``."""
    x = as_tensor(x)
    xp = get_array_module(x.data)
    indices = xp.asarray(indices.data if isinstance(indices, Tensor) else indices)
    axis = axis % x.ndim
    grids = xp.ix_(*[xp.arange(s) for s in indices.shape])
    index = tuple(indices if i == axis else grids[i] for i in range(x.ndim))
    return getitem(x, index)


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None) -> Tensor:
    """One-hot encode integer labels (Keras's ``ops.one_hot``); -1 or out-of-range give zeros.

    Example:
        >>> one_hot([0, 2], 3).numpy().tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    labels = x.data if isinstance(x, Tensor) else x
    xp = get_array_module(labels)
    labels = xp.asarray(labels).astype("int64")
    out = (labels[..., None] == xp.arange(num_classes)).astype(dtype or floatx())
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return Tensor._make(out)
