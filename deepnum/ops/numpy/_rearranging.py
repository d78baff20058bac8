"""Rearranging elements: flip, rot90, roll, repeat, tile, and diff (differences of
neighbours). Each backward moves the gradient back along the same rearrangement."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import broadcast_to
from deepnum.ops.numpy._shape import (
    canonical_axes,
    canonical_axis,
    expand_dims,
    ravel,
    reshape,
    shape_tuple,
    transpose,
)

__all__ = ["diff", "flip", "fliplr", "flipud", "repeat", "roll", "rot90", "tile"]


class Flip(Function):
    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def forward(self, x):
        return get_array_module(x).flip(x, self.axes)

    def backward(self, gy):
        return Flip(self.axes)(gy)


class Roll(Function):
    def __init__(self, shifts: tuple[int, ...], axes: tuple[int, ...]) -> None:
        self.shifts, self.axes = shifts, axes

    def forward(self, x):
        return get_array_module(x).roll(x, self.shifts, self.axes)

    def backward(self, gy):
        return Roll(tuple(-s for s in self.shifts), self.axes)(gy)


def flip(x: Any, axis: Any = None) -> Tensor:
    """Reverse the order of elements along ``axis`` (an int, a sequence, or None for all).

    Example:
        >>> flip([[1.0, 2.0], [3.0, 4.0]], axis=1).numpy().tolist()
        [[2.0, 1.0], [4.0, 3.0]]
    """
    x = as_tensor(x)
    axes = tuple(range(x.ndim)) if axis is None else canonical_axes(axis, x.ndim, "flip")
    if not axes:
        return x
    return Flip(axes)(x)


def fliplr(x: Any) -> Tensor:
    """Reverse the columns (axis 1) of a tensor of rank >= 2.

    Example:
        >>> fliplr([[1.0, 2.0]]).numpy().tolist()
        [[2.0, 1.0]]
    """
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"fliplr: needs rank >= 2, received shape {shape_str(x.shape)}.")
    return flip(x, 1)


def flipud(x: Any) -> Tensor:
    """Reverse the rows (axis 0) of a tensor of rank >= 1.

    Example:
        >>> flipud([1.0, 2.0]).numpy().tolist()
        [2.0, 1.0]
    """
    x = as_tensor(x)
    if x.ndim < 1:
        raise ValueError("flipud: needs rank >= 1, received a 0-d tensor.")
    return flip(x, 0)


def rot90(array: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``, from the first axis towards
    the second.

    A rotation is a flip and a transpose: rot90(x) = transpose(flip(x, axes[1])).

    Example:
        >>> rot90([[1.0, 2.0], [3.0, 4.0]]).numpy().tolist()
        [[2.0, 4.0], [1.0, 3.0]]
    """
    x = as_tensor(array)
    if x.ndim < 2:
        raise ValueError(f"rot90: needs rank >= 2, received shape {shape_str(x.shape)}.")
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name two axes, received {axes!r}.")
    a, b = canonical_axes(axes, x.ndim, "rot90")
    k = int(k) % 4
    if k == 0:
        return x
    if k == 2:
        return flip(x, (a, b))
    order = list(range(x.ndim))
    order[a], order[b] = order[b], order[a]
    if k == 1:
        return transpose(flip(x, b), order)
    return flip(transpose(x, order), b)


def roll(x: Any, shift: Any, axis: Any = None) -> Tensor:
    """Shift elements cyclically by ``shift`` along ``axis`` (None: over the flattened tensor).

    ``shift`` and ``axis`` may be sequences of the same length (one shift per axis).

    Example:
        >>> roll([1.0, 2.0, 3.0], 1).numpy().tolist()
        [3.0, 1.0, 2.0]
    """
    x = as_tensor(x)
    shifts = tuple(int(s) for s in (shift if isinstance(shift, (tuple, list)) else (shift,)))
    if axis is None:
        if len(shifts) != 1:
            raise ValueError(f"roll: with axis=None, shift must be one int, received {shift!r}.")
        return reshape(Roll(shifts, (0,))(ravel(x)), x.shape)
    axes = canonical_axes(axis, x.ndim, "roll") if x.ndim else ()
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} must have the same length.")
    return Roll(shifts, axes)(x)


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (None: over the flattened tensor).

    Args:
        x: input tensor.
        repeats: an int, or one count per element along ``axis``.
        axis: the axis to repeat along.

    Example:
        >>> repeat([1.0, 2.0], [1, 2]).numpy().tolist()
        [1.0, 2.0, 2.0]
    """
    from deepnum.ops.numpy._indexing import take

    x = as_tensor(x)
    if axis is None:
        x, axis = ravel(x), 0
    axis = canonical_axis(axis, x.ndim, "repeat")
    if isinstance(repeats, Tensor):
        repeats = repeats.numpy()
    if not isinstance(repeats, int):
        counts = shape_tuple(repeats)  # also reads a list, an array or an array scalar
        if len(counts) == 1:
            repeats = counts[0]
    n = x.shape[axis]
    if isinstance(repeats, int):
        if repeats < 0:
            raise ValueError(f"repeat: repeats must be >= 0, received {repeats}.")
        shape = x.shape
        y = broadcast_to(
            expand_dims(x, axis + 1), shape[: axis + 1] + (repeats,) + shape[axis + 1 :]
        )
        return reshape(y, shape[:axis] + (n * repeats,) + shape[axis + 1 :])
    if len(counts) != n or min(counts) < 0:
        raise ValueError(
            f"repeat: expected {n} non-negative counts for axis {axis} of shape "
            f"{shape_str(x.shape)}, received {len(counts)}: {list(counts)}."
        )
    xp = get_array_module(x.data)
    return take(x, xp.repeat(xp.arange(n), xp.asarray(counts)), axis=axis)


def tile(x: Any, repeats: Any) -> Tensor:
    """Repeat the whole tensor ``repeats[i]`` times along each axis ``i`` (NumPy's ``tile``).

    When ``repeats`` is shorter than ``x.ndim`` it is padded with ones on the left; when longer,
    ``x`` gains leading axes of size 1.

    Example:
        >>> tile([1.0, 2.0], 2).numpy().tolist()
        [1.0, 2.0, 1.0, 2.0]
    """
    x = as_tensor(x)
    reps = shape_tuple(repeats.numpy() if isinstance(repeats, Tensor) else repeats)
    ndim = max(x.ndim, len(reps))
    x = reshape(x, (1,) * (ndim - x.ndim) + x.shape)
    reps = (1,) * (ndim - len(reps)) + reps
    # Interleave a new axis of size r before each axis, broadcast, and merge the pairs.
    expanded = reshape(x, tuple(v for s in x.shape for v in (1, s)))
    target = tuple(v for r, s in zip(reps, x.shape) for v in (r, s))
    return reshape(broadcast_to(expanded, target), tuple(r * s for r, s in zip(reps, x.shape)))


def diff(a: Any, n: int = 1, axis: int = -1) -> Tensor:
    """The ``n``-th discrete difference along ``axis``: out[i] = a[i + 1] − a[i], ``n`` times.

    For booleans the difference is ``a[i + 1] != a[i]``.

    Example:
        >>> diff([1.0, 4.0, 9.0]).numpy().tolist()
        [3.0, 5.0]
    """
    a = as_tensor(a)
    if n < 0:
        raise ValueError(f"diff: the order n must be >= 0, received {n}.")
    if a.ndim == 0:
        raise ValueError("diff: needs rank >= 1, received a 0-d tensor.")
    axis = canonical_axis(axis, a.ndim, "diff")
    head = (slice(None),) * axis
    for _ in range(n):
        later, earlier = a[head + (slice(1, None),)], a[head + (slice(None, -1),)]
        if a.dtype == bool:
            a = Tensor._make(later.data != earlier.data)
        else:
            a = later - earlier
    return a
