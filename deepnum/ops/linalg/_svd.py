"""The singular value decomposition and what is built on it: svd, pinv, lstsq, matrix_rank.

The backward formulas are PyTorch's (``svd_backward`` and ``pinv_backward`` in
``FunctionsManual.cpp``), written in deepnum ops so that they can be differentiated again.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.linalg._base import (
    as_float_tensor,
    check_matrix,
    diag_embed,
    eps_of,
    eye_like,
    lapack,
    matrix_transpose,
    promote,
)
from deepnum.ops.linalg._decompositions import is_zero
from deepnum.ops.numpy import expand_dims, matmul, squeeze

__all__ = ["lstsq", "matrix_rank", "pinv", "svd"]

_NO_CONVERGENCE = "The SVD did not converge; check the input for inf or nan."


class SVD(Function):
    """A = U diag(S) Vh.

    With K = min(M, N), the first K columns of U and rows of Vh, E_jk = S_k² − S_j² (1 on the
    diagonal), skew(X) = X − Xᵀ, J = skew(Uᵀ∂U) and K' = skew(Vh ∂Vhᵀ):
    ∂L/∂A = U [(J S + S K') / E + diag(∂S)] Vh, plus (I − UUᵀ) ∂U S⁻¹ Vh when M > N and
    U S⁻¹ ∂Vh (I − VVᵀ) when M < N. The extra columns of a full U or V get no gradient (they
    are not unique); ∂U and ∂V need distinct non-zero singular values.
    """

    save_outputs = True

    def __init__(self, full_matrices: bool) -> None:
        self.full_matrices = full_matrices

    def forward(self, a):
        svd_fn = get_array_module(a).linalg.svd
        u, s, vh = lapack("svd", _NO_CONVERGENCE, svd_fn, a, full_matrices=self.full_matrices)
        return u, s, vh

    def backward(self, gu, gs, gvh):
        u, s, vh = self.outputs
        k = s.shape[-1]
        if self.full_matrices:
            u, gu, vh, gvh = u[..., :, :k], gu[..., :, :k], vh[..., :k, :], gvh[..., :k, :]
        gu, gvh = (None if is_zero(g) else g for g in (gu, gvh))
        return svd_backward(u, s, vh, gu, gs, gvh)


def svd_backward(u: Tensor, s: Tensor, vh: Tensor, gu: Any, gs: Tensor, gvh: Any) -> Tensor:
    """The gradient of the reduced SVD (``gu``/``gvh`` None when those outputs were unused)."""
    m, n = u.shape[-2], vh.shape[-1]
    if gu is None and gvh is None:
        return matmul(u * expand_dims(gs, -2), vh)
    v, gv = matrix_transpose(vh), None if gvh is None else matrix_transpose(gvh)
    s_row, s_col = expand_dims(s, -2), expand_dims(s, -1)
    s2 = s * s
    e = expand_dims(s2, -2) - expand_dims(s2, -1) + eye_like(s, s.shape[-1])
    inner = diag_embed(gs)
    if gu is not None:
        utgu = matmul(matrix_transpose(u), gu)
        inner = inner + (utgu - matrix_transpose(utgu)) * s_row / e
    if gv is not None:
        vtgv = matmul(vh, gv)
        inner = inner + s_col * (vtgv - matrix_transpose(vtgv)) / e
    if m > n and gu is not None:
        gu_sinv = gu / s_row
        ga = matmul(u, inner) + gu_sinv - matmul(u, matmul(matrix_transpose(u), gu_sinv))
        return matmul(ga, vh)
    if m < n and gv is not None:
        sinv_gvh = matrix_transpose(gv) / s_col
        ga = matmul(inner, vh) + sinv_gvh - matmul(matmul(sinv_gvh, v), vh)
        return matmul(u, ga)
    return matmul(matmul(u, inner), vh)


class SVDVals(Function):
    """The singular values alone; ∂L/∂A = U diag(∂S) Vh, with U and Vh recomputed (and
    differentiable) in backward."""

    def forward(self, a):
        svd_fn = get_array_module(a).linalg.svd
        return lapack("svd", _NO_CONVERGENCE, svd_fn, a, compute_uv=False)

    def backward(self, gs):
        u, _, vh = SVD(False)(self.inputs[0])
        return matmul(u * expand_dims(gs, -2), vh)


def svdvals(x: Tensor) -> Tensor:
    """The singular values of each matrix, descending, shape ``(..., min(M, N))``."""
    return SVDVals()(x)


def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """The singular value decomposition ``A = U diag(S) Vh``.

    Args:
        x: a tensor of shape ``(..., M, N)``.
        full_matrices: U is ``(..., M, M)`` and Vh ``(..., N, N)``; else ``(..., M, K)`` and
            ``(..., K, N)`` with K = min(M, N).
        compute_uv: return ``(U, S, Vh)``; if False only ``S``.

    Returns:
        ``(U, S, Vh)`` (or ``S``): singular values ``(..., K)`` in descending order.

    Example:
        >>> svd([[3.0, 0.0], [0.0, -4.0]], compute_uv=False).numpy().tolist()
        [4.0, 3.0]
    """
    x = as_float_tensor(x)
    check_matrix(x, "svd")
    if not compute_uv:
        return svdvals(x)
    return SVD(bool(full_matrices))(x)


# ---------------------------------------------------------------------------- pinv
def _default_rtol(x: Tensor) -> float:
    return eps_of(x) * max(x.shape[-2:])


class Pinv(Function):
    """A⁺ = V diag(1/S) Uᵀ over the singular values above ``rtol · S_max``.

    Backward (constant rank, P = A⁺, G = ∂P): for M ≤ N, with K = Gᵀ P,
    ∂A = −(P K)ᵀ + K Pᵀ − A P K Pᵀ + Pᵀ P (Gᵀ − K A); the transposed form for M > N.
    """

    save_outputs = True

    def __init__(self, rtol: float) -> None:
        self.rtol = rtol

    def forward(self, a):
        xp = get_array_module(a)
        m, n = a.shape[-2:]
        if min(m, n) == 0:
            return xp.zeros(a.shape[:-2] + (n, m), dtype=a.dtype)
        u, s, vh = lapack("pinv", _NO_CONVERGENCE, xp.linalg.svd, a, full_matrices=False)
        cutoff = self.rtol * s[..., :1]
        s_inv = xp.where(s > cutoff, 1 / xp.where(s > cutoff, s, 1), 0).astype(a.dtype)
        return xp.matmul(vh.swapaxes(-1, -2) * s_inv[..., None, :], u.swapaxes(-1, -2))

    def backward(self, g):
        a, p = self.inputs[0], self.outputs[0]
        m, n = a.shape[-2:]
        pt, gt = matrix_transpose(p), matrix_transpose(g)
        if m <= n:
            k = matmul(gt, p)
            kpt = matmul(k, pt)
            return (
                -matrix_transpose(matmul(p, k))
                + kpt
                - matmul(matmul(a, p), kpt)
                + matmul(matmul(pt, p), gt - matmul(k, a))
            )
        k = matmul(p, gt)
        ptk = matmul(pt, k)
        return (
            -matrix_transpose(matmul(k, p))
            + matmul(matmul(gt - matmul(a, k), p), pt)
            + ptk
            - matmul(matmul(ptk, p), a)
        )


def pinv(x: Any, rcond: float | None = None) -> Tensor:
    """The Moore–Penrose pseudo-inverse of each matrix, through the SVD.

    Singular values ``<= rcond · S_max`` count as zero; ``rcond=None`` uses
    ``eps · max(M, N)`` (PyTorch's default).

    Args:
        x: a tensor of shape ``(..., M, N)``.
        rcond: the relative cut-off for small singular values.

    Returns:
        ``A⁺``, shape ``(..., N, M)``; differentiable where the rank is locally constant.

    Example:
        >>> pinv([[2.0, 0.0], [0.0, 0.0]]).numpy().tolist()
        [[0.5, 0.0], [0.0, 0.0]]
    """
    x = as_float_tensor(x)
    check_matrix(x, "pinv")
    return Pinv(_default_rtol(x) if rcond is None else float(rcond))(x)


def lstsq(a: Any, b: Any, rcond: float | None = None) -> Tensor:
    """The least-squares solution of ``a @ x = b``: ``x = a⁺ b``, which minimises
    ‖b − a x‖₂ and, among minimisers, ‖x‖₂.

    Args:
        a: coefficient matrices, shape ``(..., M, N)``.
        b: ``(..., M)`` or ``(..., M, K)``.
        rcond: singular values ``<= rcond · S_max`` of ``a`` count as zero; ``None`` uses
            ``eps · max(M, N)``.

    Returns:
        ``x`` of shape ``(..., N)`` or ``(..., N, K)``.

    Example:
        >>> lstsq([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], [1.0, 2.0, 3.0]).numpy().tolist()
        [1.0, 2.0]
    """
    a, b = promote("lstsq", a, b)
    check_matrix(a, "lstsq", arg="a")
    vector = b.ndim == a.ndim - 1
    rows = b.shape[-1] if vector else b.shape[-2] if b.ndim >= 2 else None
    if rows != a.shape[-2]:
        raise ValueError(
            f"lstsq: `b` must have shape (..., {a.shape[-2]}) or (..., {a.shape[-2]}, K) for `a` "
            f"of shape {shape_str(a.shape)}, received {shape_str(b.shape)}."
        )
    p = pinv(a, rcond)
    return squeeze(matmul(p, expand_dims(b, -1)), -1) if vector else matmul(p, b)


def matrix_rank(x: Any, tol: float | None = None) -> Tensor:
    """The rank of each matrix: the number of singular values above a threshold.

    Args:
        x: a tensor of shape ``(..., M, N)``.
        tol: the absolute threshold; ``None`` uses ``eps · max(M, N) · S_max``.

    Returns:
        An int32 tensor of shape ``(...)``.

    Example:
        >>> matrix_rank([[1.0, 2.0], [2.0, 4.0]]).item()
        1
    """
    x = as_float_tensor(x)
    check_matrix(x, "matrix_rank")
    xp = get_array_module(x.data)
    if min(x.shape[-2:]) == 0:
        return Tensor._make(xp.zeros(x.shape[:-2], dtype=xp.int32))
    s = lapack("matrix_rank", _NO_CONVERGENCE, xp.linalg.svd, x.data, compute_uv=False)
    threshold = tol if tol is not None else _default_rtol(x) * s[..., :1]
    return Tensor._make((s > threshold).sum(axis=-1).astype(xp.int32))
