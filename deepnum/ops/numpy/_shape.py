"""Shape manipulation without moving data: reshape, transpose, axis insertion and removal, and
the shape queries. Backward passes only put the gradient back into the input's layout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module

__all__ = [
    "expand_dims",
    "moveaxis",
    "ndim",
    "ravel",
    "reshape",
    "size",
    "squeeze",
    "swapaxes",
    "transpose",
    "view",
]


def canonical_axis(axis: Any, ndim: int, op: str) -> int:
    """``axis`` as an index in ``[0, ndim)``, or a ValueError naming ``op``."""
    try:
        a = int(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be an integer, received {axis!r}.") from None
    if not -ndim <= a < ndim:
        raise ValueError(
            f"{op}: axis {a} is out of bounds for a tensor of rank {ndim} "
            f"(valid: {-ndim} to {ndim - 1})."
        )
    return a % ndim


def canonical_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple of indices in ``[0, ndim)``, without repeats."""
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    out = tuple(canonical_axis(a, ndim, op) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}.")
    return out


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
        inverse = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inverse[a] = i
        return tuple(inverse)


def shape_tuple(newshape: Sequence[Any] | int) -> tuple[int, ...]:
    """A shape given as an int, a sequence of ints or a 1-d integer tensor, as a tuple."""
    if isinstance(newshape, Tensor):
        newshape = newshape.numpy().tolist()
    if not isinstance(newshape, (tuple, list)):
        newshape = getattr(newshape, "tolist", lambda: newshape)()
    if not isinstance(newshape, (tuple, list)):
        return (int(newshape),)
    return tuple(int(s) for s in newshape)


def reshape(x: Any, newshape: Any) -> Tensor:
    """Give ``x`` a new shape with the same number of elements.

    Args:
        x: input tensor.
        newshape: an int or a sequence of ints; one entry may be -1 (inferred).

    Returns:
        The same elements, in row-major order, with shape ``newshape``.

    Example:
        >>> reshape([1.0, 2.0, 3.0, 4.0], (2, -1)).shape
        (2, 2)
    """
    if type(x) is not Tensor:
        x = as_tensor(x)
    if type(newshape) is not tuple:
        newshape = shape_tuple(newshape)
    if newshape == x.data.shape:
        return x
    try:
        if not x.requires_grad:  # nothing to record: skip the Function
            return Tensor._make(x.data.reshape(newshape))
        return Reshape(newshape)(x)
    except (ValueError, TypeError):
        pass
    shape = shape_tuple(newshape)  # entries that NumPy refused (Tensors), or a size mismatch
    if shape != newshape:
        return reshape(x, shape)
    raise ValueError(
        f"reshape: cannot reshape a tensor of shape {shape_str(x.shape)} ({x.size} elements) "
        f"into shape {shape_str(shape)}; the number of elements must stay the same (one entry "
        "may be -1)."
    )


def transpose(x: Any, axes: Any = None) -> Tensor:
    """Permute the axes of ``x``.

    Args:
        x: input tensor.
        axes: a permutation of ``range(x.ndim)`` (negatives allowed); default: reverse them.

    Returns:
        ``y`` with ``y.shape[i] == x.shape[axes[i]]``.

    Example:
        >>> transpose([[1.0, 2.0, 3.0]]).shape
        (3, 1)
    """
    if type(x) is not Tensor:
        x = as_tensor(x)
    n = x.data.ndim
    if axes is None:
        if n < 2:
            return x
        axes = tuple(range(n - 1, -1, -1))
    else:
        axes = tuple([int(a) % n if n else int(a) for a in axes])
        if sorted(axes) != list(range(n)):
            raise ValueError(
                f"transpose: axes {axes} are not a permutation of the {n} axes of a tensor of "
                f"shape {shape_str(x.shape)}."
            )
        if axes == tuple(range(n)):
            return x
    if not x.requires_grad:  # nothing to record: skip the Function
        return Tensor._make(x.data.transpose(axes))
    return Transpose(axes)(x)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes of ``x``.

    Example:
        >>> swapaxes([[1.0, 2.0, 3.0]], 0, 1).shape
        (3, 1)
    """
    x = as_tensor(x)
    a = canonical_axis(axis1, x.ndim, "swapaxes")
    b = canonical_axis(axis2, x.ndim, "swapaxes")
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, axes)


def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """Move axes to new positions, keeping the order of the others (NumPy's ``moveaxis``).

    Args:
        x: input tensor.
        source: an axis or a sequence of axes to move.
        destination: their positions in the result (same length as ``source``).

    Example:
        >>> moveaxis([[[1.0, 2.0, 3.0]]], 2, 0).shape
        (3, 1, 1)
    """
    x = as_tensor(x)
    src = canonical_axes(source, x.ndim, "moveaxis")
    dst = canonical_axes(destination, x.ndim, "moveaxis")
    if len(src) != len(dst):
        raise ValueError(
            f"moveaxis: source {source!r} and destination {destination!r} must name the same "
            "number of axes."
        )
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def expand_dims(x: Any, axis: Any) -> Tensor:
    """Insert axes of size 1.

    Args:
        x: input tensor.
        axis: an int or a sequence of ints: positions of the new axes in the result.

    Example:
        >>> expand_dims([1.0, 2.0], (0, 2)).shape
        (1, 2, 1)
    """
    if type(x) is not Tensor:
        x = as_tensor(x)
    shape = list(x.data.shape)
    if type(axis) is int and -len(shape) - 1 <= axis <= len(shape):
        shape.insert(axis % (len(shape) + 1), 1)
        return reshape(x, tuple(shape))
    out_ndim = len(shape) + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    for a in sorted(canonical_axes(axis, out_ndim, "expand_dims")):
        shape.insert(a, 1)
    return reshape(x, tuple(shape))


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Remove axes of size 1: all of them, or those named by ``axis`` (an int or a sequence).

    Example:
        >>> squeeze([[1.0], [2.0]]).shape
        (2,)
    """
    x = as_tensor(x)
    if axis is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    axes = canonical_axes(axis, x.ndim, "squeeze") if x.ndim else ()
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(
                f"squeeze: axis {a} of a tensor of shape {shape_str(x.shape)} has size "
                f"{x.shape[a]}; only axes of size 1 can be removed."
            )
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in axes))


def ravel(x: Any) -> Tensor:
    """``x`` as a 1-d tensor (row-major order).

    Example:
        >>> ravel([[1.0, 2.0], [3.0, 4.0]]).shape
        (4,)
    """
    return reshape(x, (-1,))


def flatten(x: Any) -> Tensor:
    """``x`` as a 1-d tensor (the same as :func:`ravel`)."""
    return reshape(x, (-1,))


def ndim(x: Any) -> int:
    """The number of axes of ``x``.

    Example:
        >>> ndim([[1.0, 2.0]])
        2
    """
    return as_tensor(x).ndim


def size(x: Any) -> int:
    """The number of elements of ``x`` (the product of its shape).

    Example:
        >>> size([[1.0, 2.0, 3.0]])
        3
    """
    return as_tensor(x).size


def view(x: Any, dtype: Any = None) -> Tensor:
    """The same bytes read as another dtype (NumPy's ``ndarray.view``); not differentiable.

    The last axis scales by ``x.itemsize / new.itemsize``; it must hold a whole number of the
    new items, and a 0-d tensor can only be viewed with a dtype of the same item size.

    Args:
        x: input tensor.
        dtype: the dtype to read the data as (default: ``x``'s own).

    Example:
        >>> view([1.0], "int32").numpy().tolist()
        [1065353216]
    """
    x = as_tensor(x)
    if dtype is None:
        return Tensor._make(x.data.view())
    xp = get_array_module(x.data)
    new = xp.dtype(dtype)
    old = x.data.dtype
    if new.itemsize != old.itemsize:
        if x.ndim == 0:
            raise ValueError(
                f"view: cannot view a 0-d tensor of dtype {old} ({old.itemsize} bytes) as "
                f"{new} ({new.itemsize} bytes); the item sizes differ."
            )
        if (x.shape[-1] * old.itemsize) % new.itemsize:
            raise ValueError(
                f"view: the last axis of a tensor of shape {shape_str(x.shape)} and dtype {old} "
                f"holds {x.shape[-1] * old.itemsize} bytes, not a multiple of {new}'s "
                f"{new.itemsize}."
            )
    return Tensor._make(xp.ascontiguousarray(x.data).view(new))
