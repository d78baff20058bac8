"""Weighted gathers: the one primitive behind map_coordinates and the image warps.

A warp reads each output row m as a weighted sum of K source rows (the interpolation
corners): ``y[m, c] = Σₖ w[k, m] · src[idx[k, m], c]``, with ``idx`` fixed integers (the
corners after the boundary rule) and ``w`` the interpolation weights, both (K, M) so that
each corner's indices and weights are contiguous. The source rows are pixels and the columns
channels, so one gather moves all channels of a pixel at once.

The map is bilinear in (src, w); its three partial adjoints close under differentiation, which
makes every warp differentiable to any order in the image and in the weights (hence in the
coordinates and transforms the weights are computed from):

* ``Gather``:        (src, w)  → y[m, c]   = Σₖ w[k, m] src[idx[k, m], c]
* ``GatherAdjoint``: (gy, w)   → gs[p, c]  = Σ_{k,m: idx[k,m]=p} w[k, m] gy[m, c]   (scatter)
* ``GatherDot``:     (gy, src) → gw[k, m]  = Σ_c gy[m, c] src[idx[k, m], c]

Each is the derivative of ⟨gy, Gather(src, w)⟩ in one argument; their backward passes are
written with the other two.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.backend import get_array_module

__all__: list[str] = []


# Up to this many channels, gather each channel as a contiguous plane: a 1-D take of single
# values runs about twice as fast as a take of rows of a few values (images: 1 to 4 channels).
_PLANE_CHANNELS = 4


def _gather_forward(src: Any, w: Any, idx: Any) -> Any:
    xp = get_array_module(src)
    if src.shape[1] <= _PLANE_CHANNELS:
        return _gather_planes(xp, src, w, idx)
    out = w[0][:, None] * xp.take(src, idx[0], axis=0)
    for k in range(1, idx.shape[0]):
        out += w[k][:, None] * xp.take(src, idx[k], axis=0)
    return out


def _gather_planes(xp: Any, src: Any, w: Any, idx: Any) -> Any:
    """The same sums as the row gather, channel by channel (same order of operations, so
    the same bits)."""
    dtype = xp.result_type(src.dtype, w.dtype)
    out = xp.empty((idx.shape[1], src.shape[1]), dtype=dtype)
    for c in range(src.shape[1]):
        plane = xp.ascontiguousarray(src[:, c])
        acc = w[0] * xp.take(plane, idx[0])
        for k in range(1, idx.shape[0]):
            acc += w[k] * xp.take(plane, idx[k])
        out[:, c] = acc
    return out


def _scatter_forward(gy: Any, w: Any, idx: Any, rows: int) -> Any:
    xp = get_array_module(gy)
    flat = idx.ravel()
    out = xp.empty((rows, gy.shape[1]), dtype=gy.dtype)
    for c in range(gy.shape[1]):
        values = (w * gy[:, c]).ravel()
        out[:, c] = xp.bincount(flat, weights=values, minlength=rows)
    return out


def _dot_forward(gy: Any, src: Any, idx: Any) -> Any:
    xp = get_array_module(gy)
    rows = [(gy * xp.take(src, idx[k], axis=0)).sum(axis=1) for k in range(idx.shape[0])]
    return xp.stack(rows, axis=0)


class Gather(Function):
    """y = Σₖ w[k, :, None] · src[idx[k]] (rows of src: pixels; columns: channels)."""

    def __init__(self, idx: Any, rows: int) -> None:
        self.idx, self.rows = idx, rows

    def forward(self, src, w):
        return _gather_forward(src, w, self.idx)

    def backward(self, gy):
        src, w = self.inputs
        need = self.needs_input_grad
        g_src = GatherAdjoint(self.idx, self.rows)(gy, w) if need[0] else None
        g_w = GatherDot(self.idx, self.rows)(gy, src) if need[1] else None
        return g_src, g_w

    def backward_arrays(self, gy):
        src, w = self.inputs[0].data, self.inputs[1].data
        need = self.needs_input_grad
        g_src = _scatter_forward(gy, w, self.idx, self.rows) if need[0] else None
        g_w = _dot_forward(gy, src, self.idx) if need[1] else None
        return g_src, g_w


class GatherAdjoint(Function):
    """gs[p] = Σ_{k,m: idx[k,m] = p} w[k, m] gy[m] — the scatter-add adjoint of Gather."""

    def __init__(self, idx: Any, rows: int) -> None:
        self.idx, self.rows = idx, rows

    def forward(self, gy, w):
        return _scatter_forward(gy, w, self.idx, self.rows)

    def backward(self, g):
        gy, w = self.inputs
        need = self.needs_input_grad
        g_gy = Gather(self.idx, self.rows)(g, w) if need[0] else None
        g_w = GatherDot(self.idx, self.rows)(gy, g) if need[1] else None
        return g_gy, g_w


class GatherDot(Function):
    """gw[k, m] = ⟨gy[m], src[idx[k, m]]⟩ — the adjoint of Gather in its weights."""

    def __init__(self, idx: Any, rows: int) -> None:
        self.idx, self.rows = idx, rows

    def forward(self, gy, src):
        return _dot_forward(gy, src, self.idx)

    def backward(self, g):
        gy, src = self.inputs
        need = self.needs_input_grad
        g_gy = Gather(self.idx, self.rows)(src, g) if need[0] else None
        g_src = GatherAdjoint(self.idx, self.rows)(gy, g) if need[1] else None
        return g_gy, g_src
