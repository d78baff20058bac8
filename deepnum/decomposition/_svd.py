"""SVD helpers for PCA: the sign convention, randomized SVD and Minka's MLE dimension."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deepnum.backend import get_array_module, to_numpy


def svd_flip_rows(U: Any, Vt: Any) -> tuple[Any, Any]:
    """Make the largest-magnitude entry of each row of ``Vt`` positive (in place).

    This is scikit-learn's ``svd_flip(u, v, u_based_decision=False)``, which PCA uses
    since scikit-learn 1.5: the sign of a component depends only on the component, so
    every solver returns the same signs. ``U``'s columns are flipped to match (``U`` may
    be ``None``).
    """
    xp = get_array_module(Vt)
    biggest = xp.argmax(xp.abs(Vt), axis=1)
    signs = xp.sign(Vt[xp.arange(Vt.shape[0]), biggest])
    signs[signs == 0] = 1
    Vt *= signs[:, None]
    if U is not None:
        U *= signs[None, :]
    return U, Vt


class CenteredOperator:
    """``X − 1 μᵀ`` applied without materialising it (saves a copy of ``X``).

    ``A @ Q = X Q − 1 (μᵀ Q)`` and ``Aᵀ P = Xᵀ P − μ (1ᵀ P)``.
    """

    def __init__(self, X: Any, mean: Any) -> None:
        self.X, self.mean = X, mean
        self.shape = X.shape

    def matmul(self, Q: Any) -> Any:
        out = self.X @ Q
        out -= self.mean @ Q
        return out

    def rmatmul(self, P: Any) -> Any:
        xp = get_array_module(P)
        out = self.X.T @ P
        out -= xp.outer(self.mean, P.sum(axis=0))
        return out


def randomized_svd(
    A: CenteredOperator,
    n_components: int,
    n_oversamples: int,
    n_iter: int | str,
    rng: np.random.Generator,
) -> tuple[Any, Any, Any]:
    """Truncated SVD by randomized range finding (Halko, Martinsson & Tropp 2011).

    Draw a Gaussian test matrix ``Ω`` of ``k + p`` columns, form an orthonormal basis ``Q``
    of ``(A Aᵀ)^q A Ω`` (re-orthonormalising with QR after each product), then take the
    exact SVD of the small ``B = Qᵀ A``: ``A ≈ (Q Û) Σ Vᵀ``.

    Args:
        A: the (implicitly centred) ``(n_samples, n_features)`` operator.
        n_components: ``k``.
        n_oversamples: ``p``, extra columns for accuracy.
        n_iter: power iterations ``q``; ``"auto"`` is 7 if ``k < 0.1 · min(shape)`` else 4.
        rng: generator for ``Ω`` (drawn on the host).

    Returns:
        ``U`` ``(n_samples, k)``, ``S`` ``(k,)``, ``Vt`` ``(k, n_features)``.
    """
    xp = get_array_module(A.X)
    if n_iter == "auto":
        n_iter = 7 if n_components < 0.1 * min(A.shape) else 4
    size = n_components + n_oversamples
    omega = xp.asarray(rng.standard_normal((A.shape[1], size)), dtype=A.X.dtype)
    Q = A.matmul(omega)
    for _ in range(int(n_iter)):
        Q = _orthonormalize_gram(Q)
        Q = _orthonormalize_gram(A.rmatmul(Q))
        Q = A.matmul(Q)
    Q, _ = xp.linalg.qr(Q)
    B = A.rmatmul(Q).T
    U_small, S, Vt = xp.linalg.svd(B, full_matrices=False)
    U = Q @ U_small
    return U[:, :n_components], S[:n_components], Vt[:n_components]


def _orthonormalize_gram(Y: Any) -> Any:
    """Cheap re-normalisation between power iterations: ``Y V Λ^{-1/2}`` from the
    eigendecomposition ``YᵀY = V Λ Vᵀ`` of the small Gram matrix.

    It only has to stop the columns from collapsing onto the top singular vector, like
    scikit-learn's LU normaliser; the basis used for the result comes from a true QR. A
    tall QR on every iteration costs several times more.
    """
    xp = get_array_module(Y)
    eigenvalues, V = xp.linalg.eigh(Y.T @ Y)
    floor = float(eigenvalues[-1]) * xp.finfo(Y.dtype).eps if eigenvalues.shape[0] else 0.0
    return Y @ (V / xp.sqrt(xp.maximum(eigenvalues, max(floor, xp.finfo(Y.dtype).tiny))))


def infer_dimension(spectrum: Any, n_samples: int) -> int:
    """Minka's (2000) Bayesian choice of the PCA dimension from the eigenvalue spectrum.

    Returns the rank ``k ∈ [1, n_features − 1]`` maximising the Laplace approximation of
    the probabilistic-PCA evidence, as ``PCA(n_components="mle")`` in scikit-learn.
    """
    spectrum = to_numpy(spectrum).astype(np.float64)
    log_likelihoods = [-np.inf] + [
        _assess_dimension(spectrum, rank, n_samples) for rank in range(1, len(spectrum))
    ]
    return int(np.argmax(log_likelihoods))


def _assess_dimension(spectrum: np.ndarray, rank: int, n_samples: int) -> float:
    n_features = len(spectrum)
    if spectrum[rank - 1] < 1e-15:
        return -np.inf
    i = np.arange(1, rank + 1)
    pu = -rank * math.log(2.0) + float(
        sum(math.lgamma((n_features - k + 1) / 2.0) for k in i)
        - (math.log(math.pi) * (n_features - i + 1) / 2.0).sum()
    )
    pl = -float(np.log(spectrum[:rank]).sum()) * n_samples / 2.0
    v = max(1e-15, float(spectrum[rank:].sum()) / (n_features - rank))
    pv = -math.log(v) * n_samples * (n_features - rank) / 2.0
    m = n_features * rank - rank * (rank + 1.0) / 2.0
    pp = math.log(2.0 * math.pi) * (m + rank) / 2.0
    clipped = spectrum.copy()
    clipped[rank:] = v
    pa = 0.0
    for k in range(rank):
        rest = slice(k + 1, n_features)
        terms = (spectrum[k] - spectrum[rest]) * (1.0 / clipped[rest] - 1.0 / clipped[k])
        pa += float(np.log(terms).sum()) + (n_features - k - 1) * math.log(n_samples)
    return pu + pl + pv + pp - pa / 2.0 - rank * math.log(n_samples) / 2.0
