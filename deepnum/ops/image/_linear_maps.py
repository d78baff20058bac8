"""Separable linear maps: a matrix applied along one axis of a tensor.

Resizing (every kernel), Gaussian blur, Sobel filters and SSIM's windowed means are separable:
along each spatial axis the output is a fixed linear combination of the input samples,
``y[..., o, ...] = Σᵢ M[o, i] x[..., i, ...]``. One Function, :class:`AxisMatmul`, applies
such a matrix with one GEMM; its adjoint in ``x`` is the same Function with ``Mᵀ`` and its
adjoint in ``M`` a tensordot, so every op built on it differentiates to any order.

The matrices are small (output size × input size) and built on the input's device; a
convolution with zero padding becomes a banded (Toeplitz) matrix, :func:`conv_matrix`.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy import tensordot, transpose

__all__: list[str] = []


def matmul_along(x: Any, m: Any, axis: int) -> Any:
    """``Σᵢ m[o, i] x[..., i, ...]`` on arrays, with the result's axis where ``axis`` was."""
    xp = get_array_module(x)
    lead = 1
    for s in x.shape[:axis]:
        lead *= s
    trail = x.size // (lead * x.shape[axis]) if x.size else 0
    out_shape = x.shape[:axis] + (m.shape[0],) + x.shape[axis + 1 :]
    if trail >= 16 or axis == 0:
        # (lead, n, trail): one broadcast GEMM per leading index, no transposes.
        x3 = x.reshape(lead, x.shape[axis], trail)
        return xp.matmul(m, x3).reshape(out_shape)
    # Few trailing values (the width axis of a channels_last image): one GEMM of the rows with
    # M ⊗ I, which keeps the layout; cheaper than transposing there and back.
    block = xp.kron(m, xp.eye(trail, dtype=m.dtype))
    return (x.reshape(lead, -1) @ block.T).reshape(out_shape)


class AxisMatmul(Function):
    """y = M ×ₐ x, i.e. ``y[..., o, ...] = Σᵢ M[o, i] x[..., i, ...]`` along axis a.

    ∂L/∂x = Mᵀ ×ₐ gy (the same Function); ∂L/∂M[o, i] = Σ gy[..., o, ...] x[..., i, ...].
    """

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x, m):
        return matmul_along(x, m, self.axis)

    def backward(self, gy):
        x, m = self.inputs
        need = self.needs_input_grad
        gx = AxisMatmul(self.axis)(gy, transpose(m)) if need[0] else None
        gm = None
        if need[1]:
            others = [a for a in range(x.ndim) if a != self.axis]
            gm = tensordot(gy, x, axes=(others, others))
        return gx, gm

    def backward_arrays(self, gy):
        x, m = self.inputs[0].data, self.inputs[1].data
        xp = get_array_module(gy)
        need = self.needs_input_grad
        gx = matmul_along(gy, m.T, self.axis) if need[0] else None
        gm = None
        if need[1]:
            others = [a for a in range(x.ndim) if a != self.axis]
            gm = xp.tensordot(gy, x, axes=(others, others))
        return gx, gm


def apply_along(x: Tensor, m: Any, axis: int) -> Tensor:
    """Apply the matrix ``m`` (an array or a Tensor, (out, in)) along ``axis`` of ``x``.

    The matrix takes ``x``'s dtype; ``axis`` may be negative.
    """
    axis = axis % x.ndim
    if not isinstance(m, Tensor):
        m = Tensor._make(m.astype(x.dtype, copy=False))
    elif m.dtype != x.dtype:
        from deepnum.ops.core import cast

        m = cast(m, x.dtype)
    if m.shape[1] != x.shape[axis]:
        raise ValueError(
            f"apply_along: a ({m.shape[0]}, {m.shape[1]}) matrix cannot act on axis {axis} of "
            f"size {x.shape[axis]}."
        )
    return AxisMatmul(axis)(x, m)


def conv_matrix(kernel: Any, n: int, n_out: int | None = None, start: int = 0) -> Any:
    """The matrix of a 1-D cross-correlation with zero padding:
    ``y[o] = Σₜ kernel[t] x[o + start + t]`` for ``o < n_out`` (default ``n``), out-of-range
    samples being zero. ``start = -(len(kernel) // 2)`` gives a centred ("same") filter;
    ``start = 0`` and ``n_out = n - len(kernel) + 1`` the "valid" one.

    Example:
        >>> import numpy as np
        >>> conv_matrix(np.array([1.0, 2.0, 1.0]), 3, start=-1).tolist()
        [[2.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 2.0]]
    """
    xp = get_array_module(kernel)
    n_out = n if n_out is None else n_out
    taps = xp.arange(n)[None, :] - xp.arange(n_out)[:, None] - start  # (n_out, n)
    inside = (taps >= 0) & (taps < kernel.shape[0])
    return xp.where(inside, kernel[xp.clip(taps, 0, kernel.shape[0] - 1)], 0).astype(kernel.dtype)
