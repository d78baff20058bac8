"""Segment reductions: segment_sum, segment_max, segment_min, segment_prod.

``out[s] = reduce {data[i] : segment_ids[i] = s}`` over the leading axis. Ids outside
``[0, num_segments)`` are dropped; an empty segment holds the reduction's identity (0, −inf,
+inf, 1), as on Keras's PyTorch backend. ``sorted`` is accepted and, as there, changes nothing.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.mode import is_grad_enabled
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy import where

__all__ = ["segment_max", "segment_min", "segment_prod", "segment_sum"]


class _Segment(Function):
    """A segment reduction over the leading axis with precomputed, valid ids."""

    identity = 0.0
    ufunc = "add"

    def __init__(self, ids: Any, valid: Any, num_segments: int) -> None:
        self.ids, self.valid, self.num_segments = ids, valid, num_segments

    def forward(self, data):
        xp = get_array_module(data)
        fill = self.identity
        if data.dtype.kind != "f" and fill in (float("inf"), float("-inf")):
            info = xp.iinfo(data.dtype)  # an integer max/min starts from the dtype's extreme
            fill = info.max if fill > 0 else info.min
        out = xp.full((self.num_segments,) + data.shape[1:], fill, dtype=data.dtype)
        getattr(xp, self.ufunc).at(out, self.ids, data[self.valid])
        return out

    def gather(self, g: Tensor) -> Tensor:
        """``g[segment_ids[i]]`` for every row i of data, zero for dropped rows."""
        xp = get_array_module(g.data)
        rows = xp.zeros(self.valid.shape[0], dtype=self.ids.dtype)
        rows[self.valid] = self.ids
        mask = self.valid.reshape((-1,) + (1,) * (g.ndim - 1)).astype(g.dtype)
        return g[rows] * mask


class SegmentSum(_Segment):
    """∂out[s]/∂data[i] = 1 where segment_ids[i] = s."""

    def backward(self, gy):
        return self.gather(gy)


class _SegmentExtreme(_Segment):
    """max/min: the gradient is shared equally by the rows that attain the extreme."""

    save_outputs = True

    def backward(self, gy):
        data = self.inputs[0]
        hit = (data.data == self.gather(self.outputs[0]).data) & self.valid.reshape(
            (-1,) + (1,) * (data.ndim - 1)
        )
        counts = SegmentSum(self.ids, self.valid, self.num_segments)(
            Tensor._make(hit.astype(data.dtype))
        ).data
        share = gy / get_array_module(counts).maximum(counts, 1)
        return self.gather(share) * hit.astype(data.dtype)


class SegmentMax(_SegmentExtreme):
    identity = float("-inf")
    ufunc = "maximum"


class SegmentMin(_SegmentExtreme):
    identity = float("inf")
    ufunc = "minimum"


class SegmentProd(_Segment):
    """∂out[s]/∂data[i] = E_i = Π_{j≠i in s} data[j], written so that its own derivatives are
    exact: with P the product of the segment's non-zero rows and z the value of its single zero
    row (if any), E_i = P/data[i] without zeros, E_z = P, and E_i = z · P/data[i] beside one
    zero. With two or more zeros E = 0; its derivatives are then not available (as in PyTorch).
    """

    identity = 1.0
    ufunc = "multiply"

    def backward(self, gy):
        data = self.inputs[0]
        zero = data.data == 0
        with_zeros = SegmentSum(self.ids, self.valid, self.num_segments)
        zeros = with_zeros(Tensor._make(zero.astype(data.dtype))).data
        if is_grad_enabled() and (zeros > 1).any():
            raise ValueError(
                "segment_prod: higher derivatives are not available where a segment holds two "
                "or more zeros."
            )
        nonzero = where(zero, 1, data)
        product = self.gather(SegmentProd(self.ids, self.valid, self.num_segments)(nonzero))
        zero_value = self.gather(SegmentSum(self.ids, self.valid, self.num_segments)(data * zero))
        count = self.gather(Tensor._make(zeros)).data
        others = where(
            zero,
            where(count == 1, product, 0),
            where(
                count == 0, product / nonzero, where(count == 1, zero_value * product / nonzero, 0)
            ),
        )
        return self.gather(gy) * others


def _segment(cls: type, fname: str, data: Any, segment_ids: Any, num_segments: Any) -> Tensor:
    data = as_tensor(data)
    xp = get_array_module(data.data)
    ids = segment_ids.data if isinstance(segment_ids, Tensor) else segment_ids
    ids = xp.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(
            f"{fname}: `segment_ids` must be a 1-d vector, received shape {shape_str(ids.shape)}; "
            "flatten data and ids first, e.g. segment_ids.reshape(-1)."
        )
    if data.ndim < 1 or ids.shape[0] != data.shape[0]:
        raise ValueError(
            f"{fname}: `segment_ids` and `data` must have the same leading dimension, received "
            f"{shape_str(ids.shape)} and {shape_str(data.shape)}."
        )
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{fname}: `segment_ids` must be integers, received {ids.dtype}.")
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    num_segments = int(num_segments)
    valid = (ids >= 0) & (ids < num_segments)
    return cls(ids[valid].astype(xp.int64), valid, num_segments)(data)


def segment_sum(
    data: Any,
    segment_ids: Any,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """The sum of each segment: ``out[s] = Σ_{i : segment_ids[i] = s} data[i]``.

    Args:
        data: a tensor whose leading axis is segmented.
        segment_ids: 1-d integers, one per row of ``data``; ids outside
            ``[0, num_segments)`` are dropped.
        num_segments: the number of segments (default: ``max(segment_ids) + 1``).
        sorted: whether the ids are sorted (accepted for Keras's signature; not needed).

    Returns:
        A tensor of shape ``(num_segments,) + data.shape[1:]``, of ``data``'s dtype.

    Example:
        >>> segment_sum([1.0, 2.0, 10.0, 20.0], [0, 0, 1, 1]).tolist()
        [3.0, 30.0]
    """
    return _segment(SegmentSum, "segment_sum", data, segment_ids, num_segments)


def segment_max(
    data: Any,
    segment_ids: Any,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """The maximum of each segment (−inf for an empty one); see :func:`segment_sum`.

    Example:
        >>> segment_max([1.0, 2.0, 10.0, 20.0], [0, 0, 1, 1]).tolist()
        [2.0, 20.0]
    """
    return _segment(SegmentMax, "segment_max", data, segment_ids, num_segments)


def segment_min(
    data: Any,
    segment_ids: Any,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """The minimum of each segment (+inf for an empty one); see :func:`segment_sum`.

    Example:
        >>> segment_min([1.0, 2.0, 10.0, 20.0], [0, 0, 1, 1]).tolist()
        [1.0, 10.0]
    """
    return _segment(SegmentMin, "segment_min", data, segment_ids, num_segments)


def segment_prod(
    data: Any,
    segment_ids: Any,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """The product of each segment (1 for an empty one); see :func:`segment_sum`.

    Example:
        >>> segment_prod([1.0, 2.0, 10.0, 20.0], [0, 0, 1, 1]).tolist()
        [2.0, 200.0]
    """
    return _segment(SegmentProd, "segment_prod", data, segment_ids, num_segments)
