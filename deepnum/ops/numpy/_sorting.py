"""Sorting and searching: sort, argsort, argpartition, argmax, argmin, searchsorted, nonzero.

``sort`` is differentiable (its gradient is put back through the inverse permutation); the
index-valued ops return int32 tensors, as Keras does, which carry no gradient.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy._reduction import single_axis

__all__ = ["argmax", "argmin", "argpartition", "argsort", "nonzero", "searchsorted", "sort"]

_INT32_MAX = 2**31 - 1


class Permute(Function):
    """y = x reordered along ``axis`` by ``order`` (a permutation on each slice, as argsort
    gives); the gradient goes back through the inverse permutation."""

    def __init__(self, order: Any, axis: int) -> None:
        self.order, self.axis = order, axis

    def forward(self, x):
        return get_array_module(x).take_along_axis(x, self.order, axis=self.axis)

    def _inverse(self) -> Any:
        return get_array_module(self.order).argsort(self.order, axis=self.axis)

    def backward(self, gy):
        return Permute(self._inverse(), self.axis)(gy)

    def backward_arrays(self, gy):
        return get_array_module(gy).take_along_axis(gy, self._inverse(), axis=self.axis)


def _flat_or_axis(x: Tensor, axis: Any, op: str) -> tuple[Tensor, int]:
    """``x`` flattened with axis 0 for ``axis=None``, else ``x`` with ``axis`` normalized."""
    from deepnum.ops.numpy import reshape

    if axis is None:
        return reshape(x, (-1,)), 0
    return x, single_axis(axis, x.ndim, op)


def sort(x: Any, axis: Any = -1) -> Tensor:
    """The elements sorted ascending along ``axis`` (NaN last).

    Args:
        x: input tensor.
        axis: the axis to sort along; None sorts the flattened tensor.

    Returns:
        The sorted tensor, in ``x``'s dtype. Differentiable: each element's gradient goes to
        the input element that was moved there (a stable sort decides ties).

    Example:
        >>> sort([[3.0, 1.0, 2.0]]).tolist()
        [[1.0, 2.0, 3.0]]
    """
    x = as_tensor(x)
    if x.ndim == 0:
        return x
    x, axis = _flat_or_axis(x, axis, "sort")
    xp = get_array_module(x.data)
    if not x.requires_grad:
        return Tensor._make(xp.sort(x.data, axis=axis))
    return Permute(xp.argsort(x.data, axis=axis, kind="stable"), axis)(x)


def argsort(x: Any, axis: Any = -1) -> Tensor:
    """The indices that sort ``x`` ascending along ``axis`` (stable), as int32.

    Example:
        >>> argsort([3.0, 1.0, 2.0]).tolist()
        [1, 2, 0]
    """
    x = as_tensor(x)
    if x.ndim == 0:
        return Tensor._make(get_array_module(x.data).zeros((), dtype="int32"))
    x, axis = _flat_or_axis(x, axis, "argsort")
    xp = get_array_module(x.data)
    return Tensor._make(xp.argsort(x.data, axis=axis, kind="stable").astype("int32"))


def argpartition(x: Any, kth: Any, axis: Any = -1) -> Tensor:
    """Indices that partition ``x`` along ``axis`` around its ``kth`` smallest element(s).

    The element at position ``kth`` is the one a full sort would put there; those before it
    are not larger and those after it not smaller (in no particular order).

    Args:
        x: input tensor.
        kth: an int or a sequence of ints (positions to place).
        axis: the axis; None partitions the flattened tensor.

    Returns:
        An int32 tensor of ``x``'s shape (1-d for ``axis=None``).

    Example:
        >>> int(argpartition([3.0, 1.0, 2.0, 0.5], 1)[1])
        1
    """
    x = as_tensor(x)
    x, axis = _flat_or_axis(x, axis, "argpartition")
    xp = get_array_module(x.data)
    n = x.shape[axis]
    for k in [kth] if isinstance(kth, int) else list(kth):
        if not -n <= int(k) < n:
            raise ValueError(
                f"argpartition: kth={k} is out of bounds for an axis of length {n}; "
                f"valid positions are {-n}..{n - 1}."
            )
    return Tensor._make(xp.argpartition(x.data, kth, axis=axis).astype("int32"))


def _arg_extreme(name: str, x: Any, axis: Any, keepdims: bool) -> Tensor:
    x = as_tensor(x)
    data = x.data
    if axis is not None:
        axis = single_axis(axis, data.ndim, name) if data.ndim else None
    if data.size == 0:
        raise ValueError(f"{name}: cannot take the {name} of an empty tensor (shape ()).")
    return Tensor._make(getattr(data, name)(axis=axis, keepdims=keepdims).astype("int32"))


def argmax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Index of the maximum along ``axis`` (of the flattened tensor for None), as int32.

    The first occurrence wins ties; NaN counts as the maximum.

    Example:
        >>> argmax([[1.0, 5.0], [3.0, 2.0]], axis=1).tolist()
        [1, 0]
    """
    return _arg_extreme("argmax", x, axis, keepdims)


def argmin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Index of the minimum along ``axis`` (of the flattened tensor for None), as int32.

    Example:
        >>> argmin([[1.0, 5.0], [3.0, 2.0]], axis=0).tolist()
        [0, 1]
    """
    return _arg_extreme("argmin", x, axis, keepdims)


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left") -> Tensor:
    """Where ``values`` would be inserted into ``sorted_sequence`` to keep it sorted.

    Args:
        sorted_sequence: a 1-d tensor sorted ascending.
        values: a tensor of any shape.
        side: ``"left"`` (the first suitable index) or ``"right"`` (the last).

    Returns:
        Indices of ``values``'s shape: int32 (int64 for sequences longer than 2³¹ − 1).

    Example:
        >>> searchsorted([1.0, 2.0, 3.0], [2.0, 0.5], side="right").tolist()
        [2, 0]
    """
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', received {side!r}.")
    a, v = as_tensor(sorted_sequence).data, as_tensor(values).data
    if a.ndim != 1:
        raise ValueError(
            "searchsorted: sorted_sequence must be 1-d, received shape "
            f"{shape_str(a.shape)}; apply it per row (e.g. with vectorized_map) for N-d."
        )
    xp = get_array_module(a)
    out = xp.searchsorted(a, xp.asarray(v), side=side)
    return Tensor._make(out.astype("int32" if a.shape[0] <= _INT32_MAX else "int64"))


def nonzero(x: Any) -> tuple[Tensor, ...]:
    """The indices of the non-zero elements, one int32 tensor per axis (NumPy's tuple).

    Example:
        >>> [i.tolist() for i in nonzero([[0.0, 1.0], [2.0, 0.0]])]
        [[0, 1], [1, 0]]
    """
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("nonzero: x must have at least one axis; reshape a scalar to (1,).")
    xp = get_array_module(x.data)
    return tuple(Tensor._make(i.astype("int32")) for i in xp.nonzero(x.data))
