"""Matrix decompositions: cholesky, qr, eigh (differentiable), eig and lu_factor (values only).

The backward formulas are PyTorch's (``FunctionsManual.cpp``), written in deepnum ops so that
they can be differentiated again.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.linalg._base import (
    as_float_tensor,
    check_matrix,
    diag_embed,
    eye_like,
    lapack,
    matrix_transpose,
    tril,
)
from deepnum.ops.linalg._solve import solve_triangular
from deepnum.ops.numpy import concatenate, expand_dims, matmul

__all__ = ["cholesky", "eig", "eigh", "lu_factor", "qr"]


def is_zero(g: Tensor) -> bool:
    """True when a gradient is all zeros: the engine's stand-in for an output nobody used."""
    return not bool(get_array_module(g.data).any(g.data))


# ---------------------------------------------------------------------------- cholesky
class Cholesky(Function):
    """A = L Lᵀ (lower L, read from A's lower triangle).

    With Φ(M) = ½(tril(M) + tril(M, −1)ᵀ) and M = Lᵀ ∂L: ∂L/∂A = L⁻ᵀ Φ(M) L⁻¹ (symmetric).
    """

    save_outputs = True

    def forward(self, a):
        hint = "The matrix must be symmetric positive definite."
        return lapack("Cholesky decomposition", hint, get_array_module(a).linalg.cholesky, a)

    def backward(self, gl):
        lo = self.outputs[0]
        m = tril(matmul(matrix_transpose(lo), gl))
        phi = 0.5 * (m + matrix_transpose(tril(m, -1)))
        left = solve_triangular(matrix_transpose(lo), phi, lower=False)  # L⁻ᵀ Φ
        # (L⁻ᵀ Φ) L⁻¹ = (L⁻ᵀ (L⁻ᵀ Φ)ᵀ)ᵀ
        right = solve_triangular(matrix_transpose(lo), matrix_transpose(left), lower=False)
        return matrix_transpose(right)


def cholesky(x: Any, upper: bool = False) -> Tensor:
    """The Cholesky factor of each symmetric positive-definite matrix: ``A = L Lᵀ``.

    Only the lower triangle of ``x`` is read.

    Args:
        x: a tensor of shape ``(..., M, M)``.
        upper: return the upper factor ``U = Lᵀ`` (``A = Uᵀ U``) instead.

    Returns:
        The triangular factor, shape ``(..., M, M)``.

    Example:
        >>> cholesky([[4.0, 2.0], [2.0, 2.0]]).numpy().tolist()
        [[2.0, 0.0], [1.0, 1.0]]
    """
    x = as_float_tensor(x)
    check_matrix(x, "cholesky", square=True)
    lo = Cholesky()(x)
    return matrix_transpose(lo) if upper else lo


# ---------------------------------------------------------------------------- qr
class QR(Function):
    """A = Q R (Householder, LAPACK's signs).

    For M ≥ N, with C = R ∂Rᵀ − ∂Qᵀ Q and copyltu(C) = tril(C) + tril(C, −1)ᵀ:
    ∂L/∂A = (∂Q + Q copyltu(C)) R⁻ᵀ. For M < N, A = [X | Y] and R = [U | V]: X = QU is square
    (the formula above with ∂Q + Y ∂Vᵀ), and ∂L/∂Y = Q ∂V.
    """

    save_outputs = True

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def forward(self, a):
        q, r = get_array_module(a).linalg.qr(a, mode=self.mode)
        return q, r

    def backward(self, gq, gr):
        q, r = self.outputs
        m, n = self.inputs[0].shape[-2:]
        if self.mode == "complete" and m > n:
            # The first N columns of Q are the reduced Q and R's last M − N rows are zeros;
            # the other M − N columns of Q are any orthonormal completion.
            if not is_zero(gq[..., :, n:]):
                raise ValueError(
                    "qr: the gradient of Q's last M - N columns is not defined for "
                    f"mode='complete' when the matrix has more rows than columns ({m} > {n}); "
                    "use mode='reduced'."
                )
            q, gq, r, gr = q[..., :, :n], gq[..., :, :n], r[..., :n, :], gr[..., :n, :]
        if m >= n:
            return _qr_backward_square_or_tall(q, r, gq, gr)
        y = self.inputs[0][..., :, m:]
        u, gu, gv = r[..., :, :m], gr[..., :, :m], gr[..., :, m:]
        gx = _qr_backward_square_or_tall(q, u, gq + matmul(y, matrix_transpose(gv)), gu)
        return concatenate([gx, matmul(q, gv)], -1)


def _qr_backward_square_or_tall(q: Tensor, r: Tensor, gq: Tensor, gr: Tensor) -> Tensor:
    c = matmul(r, matrix_transpose(gr)) - matmul(matrix_transpose(gq), q)
    copyltu = tril(c) + matrix_transpose(tril(c, -1))
    b = gq + matmul(q, copyltu)
    # b R⁻ᵀ = (R⁻¹ bᵀ)ᵀ
    return matrix_transpose(solve_triangular(r, matrix_transpose(b), lower=False))


def qr(x: Any, mode: str = "reduced") -> Tensor:
    """The QR decomposition ``A = Q R``: Q with orthonormal columns, R upper triangular.

    Args:
        x: a tensor of shape ``(..., M, N)``.
        mode: ``"reduced"`` (Q: ``(..., M, K)``, R: ``(..., K, N)``, K = min(M, N)) or
            ``"complete"`` (Q: ``(..., M, M)``, R: ``(..., M, N)``).

    Returns:
        The tuple ``(Q, R)``.

    Example:
        >>> q, r = qr([[3.0, 0.0], [4.0, 5.0]])
        >>> [round(v, 4) for v in (q @ r).numpy().ravel().tolist()]
        [3.0, 0.0, 4.0, 5.0]
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(
            f"qr: `mode` must be one of {{'reduced', 'complete'}}, received mode={mode!r}."
        )
    x = as_float_tensor(x)
    check_matrix(x, "qr")
    return QR(mode)(x)


# ---------------------------------------------------------------------------- eigh
class Eigh(Function):
    """A = V diag(w) Vᵀ for symmetric A (its lower triangle), eigenvalues ascending.

    With E_ij = w_j − w_i (i ≠ j, 1 on the diagonal) and S = skew(Vᵀ ∂V) = ½(Vᵀ∂V − ∂VᵀV):
    ∂L/∂A = V (diag(∂w) + S / E) Vᵀ. Defined for distinct eigenvalues when ∂V is used.
    """

    save_outputs = True

    def forward(self, a):
        w, v = lapack("eigh", "", get_array_module(a).linalg.eigh, a)
        return w, v

    def backward(self, gw, gv):
        w, v = self.outputs
        inner = diag_embed(gw)
        if not is_zero(gv):
            vtgv = matmul(matrix_transpose(v), gv)
            skew = 0.5 * (vtgv - matrix_transpose(vtgv))
            e = expand_dims(w, -2) - expand_dims(w, -1) + eye_like(w, w.shape[-1])
            inner = inner + skew / e
        return matmul(matmul(v, inner), matrix_transpose(v))


def eigh(x: Any) -> tuple[Tensor, Tensor]:
    """Eigenvalues and eigenvectors of symmetric matrices (the lower triangle is read).

    Args:
        x: a tensor of shape ``(..., M, M)``.

    Returns:
        ``(w, v)``: eigenvalues ``(..., M)`` in ascending order and orthonormal eigenvectors
        ``(..., M, M)`` (column ``v[..., :, i]`` belongs to ``w[..., i]``), so that
        ``A = v diag(w) vᵀ``.

    Example:
        >>> w, v = eigh([[2.0, 1.0], [1.0, 2.0]])
        >>> w.numpy().round(6).tolist()
        [1.0, 3.0]
    """
    x = as_float_tensor(x)
    check_matrix(x, "eigh", square=True)
    return Eigh()(x)


# ---------------------------------------------------------------------------- eig, lu_factor
def eig(x: Any) -> tuple[Tensor, Tensor]:
    """Eigenvalues and right eigenvectors of general square matrices (complex results).

    Not differentiable. The eigenvectors have unit norm (LAPACK's ``geev`` normalisation).

    Args:
        x: a tensor of shape ``(..., M, M)``.

    Returns:
        ``(w, v)``: complex eigenvalues ``(..., M)`` and eigenvectors ``(..., M, M)`` with
        ``A v[..., :, i] = w[..., i] v[..., :, i]``; complex64 for float32 input, else
        complex128.

    Example:
        >>> w, v = eig([[0.0, -1.0], [1.0, 0.0]])
        >>> sorted(w.numpy().imag.tolist())
        [-1.0, 1.0]
    """
    x = as_float_tensor(x)
    check_matrix(x, "eig", square=True)
    xp = get_array_module(x.data)
    if not hasattr(xp.linalg, "eig"):
        raise NotImplementedError("eig: this array module has no general eigensolver.")
    w, v = lapack("eig", "", xp.linalg.eig, x.data)
    ctype = xp.complex64 if x.dtype in (xp.float32, xp.float16) else xp.complex128
    return Tensor._make(w.astype(ctype)), Tensor._make(v.astype(ctype))


def lu_factor(x: Any) -> tuple[Tensor, Tensor]:
    """The LU factorisation with partial pivoting, packed as LAPACK's ``getrf`` does.

    ``P A = L U`` with L unit lower triangular (its strict lower part stored below the
    diagonal of the result) and U upper triangular (on and above it). Row ``i`` was swapped
    with row ``pivots[i]`` (0-based) at step ``i``. Not differentiable.

    Args:
        x: a tensor of shape ``(..., M, N)``.

    Returns:
        ``(lu, pivots)``: ``(..., M, N)`` and int32 ``(..., min(M, N))``.

    Example:
        >>> lu, piv = lu_factor([[1.0, 2.0], [4.0, 4.0]])
        >>> lu.tolist(), piv.tolist()
        ([[4.0, 4.0], [0.25, 1.0]], [1, 1])
    """
    x = as_float_tensor(x)
    check_matrix(x, "lu_factor")
    xp = get_array_module(x.data)
    *batch, m, n = x.shape
    a = x.data.reshape((-1, m, n)).copy()
    k = min(m, n)
    pivots = xp.zeros((a.shape[0], k), dtype=xp.int32)
    rows = xp.arange(a.shape[0])
    for j in range(k):
        p = xp.argmax(xp.abs(a[:, j:, j]), axis=1) + j  # the first of equal maxima, as idamax
        pivots[:, j] = p
        top = a[:, j, :].copy()
        a[:, j, :] = a[rows, p, :]
        a[rows, p, :] = top
        pivot = a[:, j, j : j + 1]
        safe = xp.where(pivot == 0, 1, pivot)  # a zero pivot leaves its column as it is
        a[:, j + 1 :, j] /= safe
        a[:, j + 1 :, j + 1 :] -= a[:, j + 1 :, j : j + 1] * a[:, j : j + 1, j + 1 :]
    lu = a.reshape(tuple(batch) + (m, n))
    return Tensor._make(lu), Tensor._make(pivots.reshape(tuple(batch) + (k,)))
