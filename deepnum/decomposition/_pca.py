"""Principal component analysis with scikit-learn's interface, on NumPy or CuPy arrays."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from deepnum.backend import get_array_module
from deepnum.cluster._base import BaseEstimator, check_is_fitted
from deepnum.cluster._validation import (
    InvalidParameterError,
    check_array,
    check_int,
    check_n_features,
    check_option,
    check_random_state,
)
from deepnum.decomposition._svd import (
    CenteredOperator,
    infer_dimension,
    randomized_svd,
    svd_flip_rows,
)

_SOLVERS = ("auto", "full", "covariance_eigh", "randomized")


class PCA(BaseEstimator):
    """Principal component analysis: project centred data onto its directions of largest
    variance.

    With ``X_c = X − μ`` and its thin SVD ``X_c = U Σ Vᵀ``, the components are the rows of
    ``Vᵀ``, the explained variances ``σ_i² / (n − 1)``, and the projection is
    ``X_c V = U Σ``. Whitening divides each projected coordinate by ``sqrt(σ_i² / (n − 1))``
    so every component has unit variance. Signs follow scikit-learn's ``svd_flip``
    (largest-magnitude entry of each component positive), so components agree with it.

    Solvers:

    - ``"full"``: LAPACK SVD of ``X_c`` (exact, ``O(n d min(n, d))``).
    - ``"covariance_eigh"``: eigendecomposition of ``X_cᵀ X_c / (n − 1)``; fastest for
      ``n ≫ d`` (one SYRK over the data), slightly less accurate for tiny variances.
    - ``"randomized"``: randomized truncated SVD (Halko et al.), never forming ``X_c``.
    - ``"auto"`` (scikit-learn's rule): ``covariance_eigh`` if ``d ≤ 1000`` and
      ``n ≥ 10 d``; else ``full`` if ``max(n, d) ≤ 500`` or ``n_components="mle"``;
      else ``randomized`` if ``1 ≤ n_components < 0.8 · min(n, d)``; else ``full``.

    Args:
        n_components: ``None`` (all, ``min(n, d)``), an int, a float in ``(0, 1)`` (the
            fewest components whose cumulative explained variance ratio exceeds it), or
            ``"mle"`` (Minka's estimate; needs ``n ≥ d``).
        whiten: scale projections to unit variance.
        svd_solver: see above.
        iterated_power: power iterations of the randomized solver (``"auto"``: 7 or 4).
        n_oversamples: extra random vectors of the randomized solver.
        random_state: ``None``, an int or a NumPy ``Generator`` (randomized solver only).

    Attributes:
        components_: ``(n_components_, n_features)`` principal axes, by decreasing variance.
        explained_variance_: ``(n_components_,)`` variance along each axis.
        explained_variance_ratio_: fraction of the total variance per axis.
        singular_values_: ``(n_components_,)`` singular values of ``X_c``.
        mean_: ``(n_features,)`` per-feature mean.
        n_components_: number of components kept.
        noise_variance_: mean of the discarded variances (probabilistic PCA's ``σ²``).
        n_samples_, n_features_in_: shape seen in ``fit``.

    Example:
        >>> import numpy as np
        >>> from deepnum.decomposition import PCA
        >>> X = np.array([[-1, -1], [-2, -1], [-3, -2], [1, 1], [2, 1], [3, 2]])
        >>> pca = PCA(n_components=2).fit(X)
        >>> np.round(pca.explained_variance_ratio_, 4).tolist()
        [0.9924, 0.0076]
        >>> np.round(pca.singular_values_, 4).tolist()
        [6.3006, 0.5498]
    """

    def __init__(
        self,
        n_components: int | float | str | None = None,
        *,
        whiten: bool = False,
        svd_solver: str = "auto",
        iterated_power: int | str = "auto",
        n_oversamples: int = 10,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.n_components = n_components
        self.whiten = whiten
        self.svd_solver = svd_solver
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> PCA:
        """Learn the principal axes of ``X``.

        Args:
            X: ``(n_samples, n_features)`` NumPy or CuPy array (or array-like).
            y: ignored.

        Returns:
            ``self``.
        """
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> Any:
        """Fit on ``X`` and return its projection ``(n_samples, n_components_)``."""
        U, S, X = self._fit(X)
        if U is None:  # covariance_eigh computes no U: project the (validated) data
            return self._project(X)
        k = self.n_components_
        U = U[:, :k]
        if self.whiten:
            return U * np.sqrt(X.shape[0] - 1)  # X_c V / σ · sqrt(n − 1) = U sqrt(n − 1)
        return U * S[:k]

    def transform(self, X: Any) -> Any:
        """Project ``X`` onto the components: ``(X − μ) Vₖ`` (divided by
        ``sqrt(explained_variance_)`` when ``whiten``).

        Args:
            X: ``(n_samples, n_features)``.

        Returns:
            ``(n_samples, n_components_)``.
        """
        return self._project(self._check_test_data(X))

    def _project(self, X: Any) -> Any:
        xp = get_array_module(X)
        projected = X @ self.components_.T
        projected -= self.mean_ @ self.components_.T
        if self.whiten:
            scale = xp.sqrt(self.explained_variance_)
            projected /= xp.maximum(scale, xp.finfo(scale.dtype).eps)
        return projected

    def inverse_transform(self, X: Any) -> Any:
        """Map projections back to feature space: ``Z Vₖᵀ + μ`` (undoing whitening first).

        Args:
            X: ``(n_samples, n_components_)``.

        Returns:
            ``(n_samples, n_features)``; equals the input of ``transform`` when no
            component was dropped.
        """
        check_is_fitted(self, "components_")
        X = check_array(X, "PCA")
        check_n_features(X, self.n_components_, "PCA.inverse_transform")
        xp = get_array_module(X)
        components = self.components_
        if self.whiten:
            components = xp.sqrt(self.explained_variance_[:, None]) * components
        return X @ components + self.mean_

    def get_covariance(self) -> Any:
        """The model's data covariance ``Vₖᵀ diag(λ − σ²) Vₖ + σ² I`` (probabilistic PCA)."""
        check_is_fitted(self, "components_")
        xp = get_array_module(self.components_)
        excess = xp.maximum(self.explained_variance_ - self.noise_variance_, 0.0)
        cov = (self.components_.T * excess) @ self.components_
        cov[xp.diag_indices(cov.shape[0])] += self.noise_variance_
        return cov

    def _check_test_data(self, X: Any) -> Any:
        check_is_fitted(self, "components_")
        X = check_array(X, "PCA")
        check_n_features(X, self.n_features_in_, "PCA")
        return X.astype(self.components_.dtype, copy=False)

    # -- fitting ---------------------------------------------------------------------

    def _fit(self, X: Any) -> tuple[Any, Any, Any]:
        X = check_array(X, "PCA")
        n, d = X.shape
        n_components = self._check_n_components(n, d)
        solver = self._resolve_solver(n, d, n_components)
        if solver == "randomized":
            U, S, Vt, variance, total = self._fit_randomized(X, n_components)
        else:
            U, S, Vt, variance, total = self._fit_full(X, solver)
        U, Vt = svd_flip_rows(U, Vt)
        ratio = variance / total
        k = self._resolve_n_components(n_components, variance, ratio, n, d)
        self._store(Vt, S, variance, ratio, k, n, d, total)
        return U, S, X

    def _check_n_components(self, n: int, d: int) -> Any:
        nc = self.n_components
        check_option(self.svd_solver, "svd_solver", "PCA", _SOLVERS)
        check_int(self.n_oversamples, "n_oversamples", "PCA", low=1)
        if self.iterated_power != "auto":
            check_int(self.iterated_power, "iterated_power", "PCA", low=0)
        if nc is None:
            return min(n, d)
        if isinstance(nc, str):
            check_option(nc, "n_components", "PCA", ("mle",))
            if n < d:
                raise ValueError(
                    f"n_components='mle' is only supported if n_samples >= n_features; got "
                    f"n_samples={n}, n_features={d}."
                )
            return nc
        if isinstance(nc, numbers.Real) and not isinstance(nc, (numbers.Integral, bool)):
            if 0 < nc < 1:
                return float(nc)
            raise InvalidParameterError(
                "The 'n_components' parameter of PCA must be None, an int in [0, "
                f"min(n_samples, n_features)], a float in (0, 1) or 'mle'. Got {nc!r} instead."
            )
        nc = check_int(nc, "n_components", "PCA", low=0)
        if nc > min(n, d):
            raise ValueError(
                f"n_components={nc} must be between 0 and min(n_samples, n_features)="
                f"{min(n, d)} with svd_solver={self.svd_solver!r}."
            )
        return nc

    def _resolve_solver(self, n: int, d: int, n_components: Any) -> str:
        solver = self.svd_solver
        if solver != "auto":
            if solver == "randomized" and not isinstance(n_components, int):
                raise ValueError(
                    f"n_components={n_components!r} needs svd_solver='full' or "
                    "'covariance_eigh'; the randomized solver takes an int number of "
                    "components."
                )
            if solver == "randomized" and n_components < 1:
                raise ValueError("svd_solver='randomized' needs n_components >= 1.")
            return solver
        if d <= 1000 and n >= 10 * d:
            return "covariance_eigh"
        if max(n, d) <= 500 or n_components == "mle":
            return "full"
        if isinstance(n_components, int) and 1 <= n_components < 0.8 * min(n, d):
            return "randomized"
        return "full"

    def _fit_full(self, X: Any, solver: str) -> tuple[Any, Any, Any, Any, Any]:
        xp = get_array_module(X)
        n = X.shape[0]
        mean = X.mean(axis=0)
        self.mean_ = mean
        if solver == "full":
            U, S, Vt = xp.linalg.svd(X - mean, full_matrices=False)
            variance = S**2 / (n - 1)
        else:
            # Xᵀ X runs as one SYRK on the uncentred data (no copy of X); the mean is
            # removed from the small d × d matrix instead: C = (XᵀX − n μ μᵀ) / (n − 1).
            C = X.T @ X
            C -= n * xp.outer(mean, mean)
            C /= n - 1
            eigenvalues, eigenvectors = xp.linalg.eigh(C)
            variance = xp.maximum(eigenvalues[::-1], 0.0)
            Vt = xp.ascontiguousarray(eigenvectors[:, ::-1].T)
            S = xp.sqrt(variance * (n - 1))
            U = None
        return U, S, Vt, variance, variance.sum()

    def _fit_randomized(self, X: Any, n_components: int) -> tuple[Any, Any, Any, Any, Any]:
        xp = get_array_module(X)
        n = X.shape[0]
        rng = check_random_state(self.random_state, "PCA")
        mean = X.mean(axis=0)
        self.mean_ = mean
        A = CenteredOperator(X, mean)
        U, S, Vt = randomized_svd(A, n_components, self.n_oversamples, self.iterated_power, rng)
        # Total variance without a centred copy: Σ x² − n ‖μ‖², divided by n − 1.
        total = (xp.einsum("ij,ij->", X, X) - n * (mean @ mean)) / (n - 1)
        return U, S, Vt, S**2 / (n - 1), total

    def _resolve_n_components(
        self, n_components: Any, variance: Any, ratio: Any, n: int, d: int
    ) -> int:
        xp = get_array_module(variance)
        if n_components == "mle":
            return infer_dimension(variance, n)
        if isinstance(n_components, float):
            cumulative = xp.cumsum(ratio)
            target = xp.asarray([n_components], dtype=cumulative.dtype)
            k = int(xp.searchsorted(cumulative, target, side="right")[0]) + 1
            return min(k, len(ratio))
        return int(n_components)

    def _store(
        self, Vt: Any, S: Any, variance: Any, ratio: Any, k: int, n: int, d: int, total: Any
    ) -> None:
        xp = get_array_module(Vt)
        if k >= min(n, d):
            self.noise_variance_ = 0.0
        elif variance.shape[0] > k:
            self.noise_variance_ = float(variance[k:].mean())
        else:  # truncated solver: the discarded variance is what the kept part misses
            self.noise_variance_ = float((total - variance.sum()) / (min(n, d) - k))
        self.components_ = xp.ascontiguousarray(Vt[:k])
        self.explained_variance_ = variance[:k].copy()
        self.explained_variance_ratio_ = ratio[:k].copy()
        self.singular_values_ = S[:k].copy()
        self.n_components_ = k
        self.n_samples_ = n
        self.n_features_in_ = d
