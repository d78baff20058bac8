"""K-means clustering with Lloyd's algorithm and greedy k-means++ seeding."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deepnum.backend import get_array_module, is_array
from deepnum.cluster import _kmeans_common as km
from deepnum.cluster._base import BaseEstimator, ConvergenceWarning, check_is_fitted
from deepnum.cluster._threads import single_threaded_blas
from deepnum.cluster._validation import (
    InvalidParameterError,
    check_array,
    check_int,
    check_n_features,
    check_random_state,
    check_real,
    row_norms_squared,
)


class _BaseKMeans(BaseEstimator):
    """What KMeans and MiniBatchKMeans share: checks, seeding, predict/transform/score."""

    _default_n_init = 10

    def _check_params(self, X: Any) -> None:
        name = type(self).__name__
        check_int(self.n_clusters, "n_clusters", name, low=1)
        check_int(self.max_iter, "max_iter", name, low=1)
        check_real(self.tol, "tol", name, low=0.0)
        init = self.init
        if not (isinstance(init, str) and init in ("k-means++", "random")):
            if not (callable(init) or is_array(init) or isinstance(init, (list, tuple))):
                raise InvalidParameterError(
                    f"The 'init' parameter of {name} must be a str among "
                    "{'k-means++', 'random'}, a callable or an array-like of shape "
                    f"(n_clusters, n_features). Got {init!r} instead."
                )
        if self.n_init != "auto":
            check_int(self.n_init, "n_init", name, low=1)
        if X.shape[0] < self.n_clusters:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters}.")
        self._n_init = self._resolve_n_init()

    def _resolve_n_init(self) -> int:
        init_is_array = not isinstance(self.init, str) and not callable(self.init)
        if self.n_init == "auto":
            is_random = isinstance(self.init, str) and self.init == "random"
            return self._default_n_init if is_random or callable(self.init) else 1
        if init_is_array and self.n_init != 1:
            warnings.warn(
                f"Explicit initial center position passed: performing only one init in "
                f"{type(self).__name__} instead of n_init={self.n_init}.",
                RuntimeWarning,
                stacklevel=3,
            )
            return 1
        return int(self.n_init)

    def _init_array(self, X: Any) -> Any:
        """Validate an explicit ``init`` array and move it to X's device and dtype."""
        xp = get_array_module(X)
        centers = xp.asarray(self.init, dtype=X.dtype)
        self._check_center_shape(X, centers)
        return centers.copy()

    def _check_center_shape(self, X: Any, centers: Any) -> None:
        if centers.ndim != 2 or centers.shape[0] != self.n_clusters:
            raise ValueError(
                f"The shape of the initial centers {tuple(centers.shape)} does not match the "
                f"number of clusters {self.n_clusters}."
            )
        if centers.shape[1] != X.shape[1]:
            raise ValueError(
                f"The shape of the initial centers {tuple(centers.shape)} does not match the "
                f"number of features of the data {X.shape[1]}."
            )

    def _init_centroids(
        self,
        X: Any,
        x_squared_norms: Any,
        init: Any,
        rng: np.random.Generator,
        init_size: int | None = None,
    ) -> Any:
        """Initial centres by k-means++, random samples, a callable or the given array."""
        xp = get_array_module(X)
        n = X.shape[0]
        if init_size is not None and init_size < n:
            subset = xp.asarray(rng.integers(0, n, init_size))
            X, x_squared_norms, n = X[subset], x_squared_norms[subset], init_size
        if isinstance(init, str) and init == "k-means++":
            centers, _ = km.greedy_kmeans_plusplus(X, self.n_clusters, x_squared_norms, rng)
        elif isinstance(init, str) and init == "random":
            seeds = rng.choice(n, size=self.n_clusters, replace=False)
            centers = X[xp.asarray(seeds)].copy()
        elif callable(init):
            centers = xp.asarray(init(X, self.n_clusters, random_state=rng), dtype=X.dtype)
            self._check_center_shape(X, centers)
        else:
            centers = init.copy()
        return centers

    def _check_test_data(self, X: Any) -> Any:
        name = type(self).__name__
        check_is_fitted(self, "cluster_centers_")
        X = check_array(X, name)
        check_n_features(X, self.n_features_in_, name)
        return X.astype(self.cluster_centers_.dtype, copy=False)

    def predict(self, X: Any) -> Any:
        """Return the index of the closest centre for each sample.

        Args:
            X: ``(n_samples, n_features)``.

        Returns:
            ``(n_samples,)`` int32 labels.
        """
        X = self._check_test_data(X)
        with single_threaded_blas(X):
            return km.assign_labels(X, self.cluster_centers_)

    def fit_predict(self, X: Any, y: Any = None) -> Any:
        """Fit on ``X`` and return ``labels_``."""
        return self.fit(X).labels_

    def transform(self, X: Any) -> Any:
        """Return the Euclidean distance from each sample to each centre.

        Args:
            X: ``(n_samples, n_features)``.

        Returns:
            ``(n_samples, n_clusters)`` distances ``‖x − c_k‖``.
        """
        X = self._check_test_data(X)
        xp = get_array_module(X)
        centers = self.cluster_centers_
        sq = -2.0 * (X @ centers.T)
        sq += row_norms_squared(X)[:, None]
        sq += row_norms_squared(centers)[None, :]
        return xp.sqrt(xp.maximum(sq, 0, out=sq), out=sq)

    def fit_transform(self, X: Any, y: Any = None) -> Any:
        """Fit on ``X`` and return ``transform(X)``."""
        return self.fit(X).transform(X)

    def score(self, X: Any, y: Any = None) -> float:
        """Return the opposite of the inertia of ``X`` on the learned centres (higher is
        better): ``−Σ_i min_k ‖x_i − c_k‖²``."""
        X = self._check_test_data(X)
        with single_threaded_blas(X):
            labels = km.assign_labels(X, self.cluster_centers_)
        return -km.inertia(X, self.cluster_centers_, labels)

    def _warn_if_degenerate(self, labels: Any) -> None:
        xp = get_array_module(labels)
        distinct = int(xp.unique(labels).shape[0])
        if distinct < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({distinct}) found smaller than n_clusters "
                f"({self.n_clusters}). Possibly due to duplicate points in X.",
                ConvergenceWarning,
                stacklevel=3,
            )


class KMeans(_BaseKMeans):
    """K-means clustering: Lloyd's algorithm, seeded by greedy k-means++.

    Minimises the inertia ``Σ_i ‖x_i − c_{l(i)}‖²`` by alternating

    - assignment: ``l(i) = argmin_k ‖x_i − c_k‖²`` (one GEMM per chunk of samples), and
    - update: ``c_k = mean{x_i : l(i) = k}``,

    until the labels stop changing or ``Σ_k ‖c_k^new − c_k^old‖² ≤ tol · mean_j Var(X_j)``.
    An empty cluster is moved onto the sample farthest from its centre. The best of
    ``n_init`` runs (lowest inertia) is kept. The data are centred internally, as in
    scikit-learn, which keeps the GEMM form of the distance accurate.

    Args:
        n_clusters: number of clusters ``k``.
        init: ``"k-means++"``, ``"random"`` (k distinct samples), a callable
            ``init(X, n_clusters, random_state)`` or an array ``(n_clusters, n_features)``.
        n_init: runs with different seeds; ``"auto"`` is 1 for k-means++ or an array and 10
            for ``"random"`` (scikit-learn ≥ 1.4).
        max_iter: Lloyd iterations per run.
        tol: relative tolerance on the centre shift (see above).
        random_state: ``None`` (deepnum's global generator), an int or a NumPy ``Generator``.

    Attributes:
        cluster_centers_: ``(n_clusters, n_features)``.
        labels_: ``(n_samples,)`` int32 cluster of each training sample.
        inertia_: sum of squared distances to the closest centre.
        n_iter_: iterations of the kept run.
        n_features_in_: features seen in ``fit``.

    Example:
        >>> import numpy as np
        >>> from deepnum.cluster import KMeans
        >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
        >>> km = KMeans(n_clusters=2, random_state=0).fit(X)
        >>> sorted(km.cluster_centers_.tolist())
        [[1.0, 2.0], [10.0, 2.0]]
        >>> int(km.predict(np.array([[0, 0]]))[0]) == int(km.labels_[0])
        True
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | Any = "k-means++",
        n_init: str | int = "auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> KMeans:
        """Compute the clustering.

        Args:
            X: ``(n_samples, n_features)`` NumPy or CuPy array (or array-like).
            y: ignored.

        Returns:
            ``self``.
        """
        X = check_array(X, "KMeans")
        self._check_params(X)
        with single_threaded_blas(X):
            return self._fit(X)

    def _fit(self, X: Any) -> KMeans:
        rng = check_random_state(self.random_state, "KMeans")
        init = self.init
        X_mean = X.mean(axis=0)
        X = X - X_mean
        if not (isinstance(init, str) or callable(init)):
            init = self._init_array(X) - X_mean
        x_squared_norms = row_norms_squared(X)
        tol = km.tolerance(X, self.tol)

        best = None
        for _ in range(self._n_init):
            centers = self._init_centroids(X, x_squared_norms, init, rng)
            run = lloyd(X, centers, self.max_iter, tol)
            if best is None or run[1] < best[1]:
                best = run
        labels, best_inertia, centers, n_iter = best
        self.cluster_centers_ = centers + X_mean
        self.labels_ = labels
        self.inertia_ = best_inertia
        self.n_iter_ = n_iter
        self.n_features_in_ = X.shape[1]
        self._warn_if_degenerate(labels)
        return self


def lloyd(X: Any, centers: Any, max_iter: int, tol: float) -> tuple[Any, float, Any, int]:
    """Run Lloyd's algorithm from ``centers``.

    Stops on strict convergence (labels unchanged) or when the squared centre shift
    ``Σ_k ‖Δc_k‖²`` is ``≤ tol``; in the latter case the labels are recomputed from the
    final centres, so labels, centres and inertia always agree.

    Returns:
        ``(labels, inertia, centers, n_iter)``.
    """
    xp = get_array_module(X)
    labels_old = None
    strict = False
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        labels, sums, counts = km.lloyd_assign_and_sum(X, centers)
        km.relocate_empty_clusters(X, centers, sums, counts, labels)
        new_centers = km.average_centers(sums, counts)
        shift = float(((new_centers - centers) ** 2).sum())
        centers = new_centers
        if labels_old is not None and bool(xp.array_equal(labels, labels_old)):
            strict = True
            break
        if shift <= tol:
            break
        labels_old = labels
    if not strict:
        labels = km.assign_labels(X, centers)
    return labels, km.inertia(X, centers, labels), centers, n_iter


def kmeans_plusplus(
    X: Any,
    n_clusters: int,
    *,
    x_squared_norms: Any = None,
    random_state: int | np.random.Generator | None = None,
    n_local_trials: int | None = None,
) -> tuple[Any, Any]:
    """Choose ``n_clusters`` initial centres among the rows of ``X`` by greedy k-means++.

    The first centre is a uniformly drawn sample; each next one is the best (lowest
    potential ``Σ_i min_c ‖x_i − c‖²``) of ``2 + ⌊ln k⌋`` candidates drawn with probability
    proportional to the squared distance to the nearest centre so far.

    Args:
        X: ``(n_samples, n_features)`` NumPy or CuPy array.
        n_clusters: number of centres.
        x_squared_norms: ``‖x_i‖²`` if already computed.
        random_state: ``None``, an int or a NumPy ``Generator``.
        n_local_trials: candidates per centre (default ``2 + int(ln k)``).

    Returns:
        ``centers`` ``(n_clusters, n_features)`` and their row ``indices`` in ``X``.

    Example:
        >>> import numpy as np
        >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
        >>> centers, indices = kmeans_plusplus(X, n_clusters=2, random_state=0)
        >>> centers.shape, indices.shape
        ((2, 2), (2,))
    """
    X = check_array(X, "kmeans_plusplus")
    check_int(n_clusters, "n_clusters", "kmeans_plusplus", low=1)
    if n_local_trials is not None:
        check_int(n_local_trials, "n_local_trials", "kmeans_plusplus", low=1)
    if X.shape[0] < n_clusters:
        raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}.")
    if x_squared_norms is None:
        x_squared_norms = row_norms_squared(X)
    rng = check_random_state(random_state, "kmeans_plusplus")
    return km.greedy_kmeans_plusplus(X, n_clusters, x_squared_norms, rng, n_local_trials)
