"""Mini-batch k-means (Sculley 2010) for data too large for full Lloyd passes."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from deepnum.backend import get_array_module
from deepnum.cluster import _kmeans_common as km
from deepnum.cluster._kmeans import _BaseKMeans
from deepnum.cluster._threads import single_threaded_blas
from deepnum.cluster._validation import (
    check_array,
    check_int,
    check_n_features,
    check_random_state,
    check_real,
    row_norms_squared,
)


class MiniBatchKMeans(_BaseKMeans):
    """K-means on random mini-batches, with per-centre learning rates.

    Each step draws ``batch_size`` samples (with replacement), assigns them to the nearest
    centre and moves each centre to the running mean of every sample it has received:

        c_k ← (w_k c_k + Σ_{i∈B, l(i)=k} x_i) / (w_k + |{i∈B : l(i)=k}|),   w_k += count,

    so centre ``k``'s step size decays like ``1 / w_k``. Centres that receive almost no
    samples (``w_k < reassignment_ratio · max w``) are moved onto random batch samples.
    Training stops after ``max_iter`` passes over the data, when an exponentially weighted
    average of the batch inertia has not improved for ``max_no_improvement`` steps, or when
    the squared centre change drops to ``tol · mean_j Var(X_j)`` (only if ``tol > 0``).

    Args:
        n_clusters: number of clusters ``k``.
        init: ``"k-means++"``, ``"random"``, a callable or an array ``(k, n_features)``.
        max_iter: passes over the data (epochs).
        batch_size: samples per step.
        tol: relative tolerance on the centre change; ``0`` disables it.
        max_no_improvement: steps without EWA-inertia improvement before stopping
            (``None`` disables it).
        init_size: samples used for seeding; default ``3 · batch_size``.
        n_init: seedings tried (the best on a held-out sample is kept); ``"auto"`` is 1 for
            k-means++ and 3 otherwise.
        reassignment_ratio: threshold, relative to the busiest centre, for reassigning
            centres that receive too few samples.
        compute_labels: compute ``labels_`` and ``inertia_`` on the full data at the end.
        random_state: ``None``, an int or a NumPy ``Generator``.

    Attributes:
        cluster_centers_, labels_, inertia_, n_iter_ (passes over the data), n_steps_
        (mini-batches processed), n_features_in_.

    Example:
        >>> import numpy as np
        >>> from deepnum.cluster import MiniBatchKMeans
        >>> X = np.array([[1, 2], [1, 4], [1, 0], [4, 2], [4, 0], [4, 4],
        ...               [4, 5], [0, 1], [2, 2], [3, 2], [5, 5], [1, -1]])
        >>> mbk = MiniBatchKMeans(n_clusters=2, batch_size=6, random_state=0).fit(X)
        >>> mbk.cluster_centers_.shape
        (2, 2)
    """

    _default_n_init = 3

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | Any = "k-means++",
        max_iter: int = 100,
        batch_size: int = 1024,
        tol: float = 0.0,
        max_no_improvement: int | None = 10,
        init_size: int | None = None,
        n_init: str | int = "auto",
        reassignment_ratio: float = 0.01,
        compute_labels: bool = True,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.n_init = n_init
        self.reassignment_ratio = reassignment_ratio
        self.compute_labels = compute_labels
        self.random_state = random_state

    def _check_params(self, X: Any) -> None:
        super()._check_params(X)
        name = type(self).__name__
        self._batch_size = min(check_int(self.batch_size, "batch_size", name, low=1), len(X))
        check_real(self.reassignment_ratio, "reassignment_ratio", name, low=0.0)
        if self.max_no_improvement is not None:
            check_int(self.max_no_improvement, "max_no_improvement", name, low=0)
        init_size = self.init_size
        if init_size is None:
            init_size = max(3 * self._batch_size, 3 * self.n_clusters)
        elif check_int(init_size, "init_size", name, low=1) < self.n_clusters:
            warnings.warn(
                f"init_size={init_size} should be larger than n_clusters={self.n_clusters}. "
                "Setting it to min(3*n_clusters, n_samples)",
                RuntimeWarning,
                stacklevel=3,
            )
            init_size = 3 * self.n_clusters
        self._init_size = min(init_size, len(X))

    def fit(self, X: Any, y: Any = None) -> MiniBatchKMeans:
        """Compute the centres from mini-batches of ``X``.

        Args:
            X: ``(n_samples, n_features)``.
            y: ignored.

        Returns:
            ``self``.
        """
        X = check_array(X, "MiniBatchKMeans")
        self._check_params(X)
        with single_threaded_blas(X):
            return self._fit(X)

    def _fit(self, X: Any) -> MiniBatchKMeans:
        rng = check_random_state(self.random_state, "MiniBatchKMeans")
        xp = get_array_module(X)
        n = X.shape[0]
        init = self.init
        if not (isinstance(init, str) or callable(init)):
            init = self._init_array(X)
        x_squared_norms = row_norms_squared(X)
        X_valid = X[xp.asarray(rng.integers(0, n, self._init_size))]

        best_inertia = None
        for _ in range(self._n_init):
            centers = self._init_centroids(X, x_squared_norms, init, rng, self._init_size)
            valid_inertia = km.inertia(X_valid, centers, km.assign_labels(X_valid, centers))
            if best_inertia is None or valid_inertia < best_inertia:
                best_centers, best_inertia = centers, valid_inertia

        self._start(best_centers, X)
        tol = km.tolerance(X, self.tol)
        n_steps = max((self.max_iter * n) // self._batch_size, 1)
        for step in range(n_steps):
            batch = X[xp.asarray(rng.integers(0, n, self._batch_size))]
            old = self.cluster_centers_.copy() if tol > 0 else None
            batch_inertia = self._step(batch, rng)
            shift = float(((self.cluster_centers_ - old) ** 2).sum()) if tol > 0 else 0.0
            if self._converged(step, n, shift, tol, batch_inertia):
                break
        self.n_steps_ = step + 1
        self.n_iter_ = math.ceil((step + 1) * self._batch_size / n)
        if self.compute_labels:
            self.labels_ = km.assign_labels(X, self.cluster_centers_)
            self.inertia_ = km.inertia(X, self.cluster_centers_, self.labels_)
            self._warn_if_degenerate(self.labels_)
        else:
            self.inertia_ = (self._ewa_inertia or batch_inertia / self._batch_size) * n
        return self

    def partial_fit(self, X: Any, y: Any = None) -> MiniBatchKMeans:
        """Update the centres with one mini-batch ``X`` (seeding on the first call).

        Args:
            X: ``(n_samples, n_features)``, one batch.
            y: ignored.

        Returns:
            ``self``.
        """
        first_call = not hasattr(self, "cluster_centers_")
        X = check_array(X, "MiniBatchKMeans")
        if first_call:
            self._check_params(X)
            self._rng = check_random_state(self.random_state, "MiniBatchKMeans")
            init = self.init
            if not (isinstance(init, str) or callable(init)):
                init = self._init_array(X)
            centers = self._init_centroids(
                X, row_norms_squared(X), init, self._rng, self._init_size
            )
            self._start(centers, X)
            self.n_steps_ = 0
        else:
            check_n_features(X, self.n_features_in_, "MiniBatchKMeans")
            X = X.astype(self.cluster_centers_.dtype, copy=False)
            self._batch_size = len(X)
        with single_threaded_blas(X):
            self._step(X, self._rng)
        self.n_steps_ += 1
        if self.compute_labels:
            self.labels_ = km.assign_labels(X, self.cluster_centers_)
            self.inertia_ = km.inertia(X, self.cluster_centers_, self.labels_)
        return self

    def _start(self, centers: Any, X: Any) -> None:
        xp = get_array_module(X)
        self.cluster_centers_ = centers
        self.n_features_in_ = X.shape[1]
        self._counts = xp.zeros(self.n_clusters, dtype=X.dtype)
        self._ewa_inertia = None
        self._ewa_inertia_min = None
        self._no_improvement = 0
        self._n_since_last_reassign = 0

    def _step(self, batch: Any, rng: np.random.Generator) -> float:
        """One mini-batch update of ``cluster_centers_`` and ``_counts``; returns the
        batch inertia measured before the update."""
        xp = get_array_module(batch)
        centers, counts = self.cluster_centers_, self._counts
        labels, sums, batch_counts = km.lloyd_assign_and_sum(batch, centers)
        batch_inertia = km.inertia(batch, centers, labels)
        hit = batch_counts > 0
        new_counts = counts + batch_counts
        updated = (centers * counts[:, None] + sums) / xp.where(hit, new_counts, 1)[:, None]
        centers = xp.where(hit[:, None], updated, centers)
        counts = new_counts
        if self._should_reassign(len(batch)) and self.reassignment_ratio > 0:
            centers, counts = self._reassign(batch, centers, counts, rng)
        self.cluster_centers_, self._counts = centers, counts
        return batch_inertia

    def _should_reassign(self, batch_size: int) -> bool:
        # Reassign whenever a centre is still empty, else every 10·k samples seen.
        self._n_since_last_reassign += batch_size
        if bool((self._counts == 0).any()) or self._n_since_last_reassign >= 10 * self.n_clusters:
            self._n_since_last_reassign = 0
            return True
        return False

    def _reassign(
        self, batch: Any, centers: Any, counts: Any, rng: np.random.Generator
    ) -> tuple[Any, Any]:
        """Move centres with too little weight onto random batch samples."""
        xp = get_array_module(batch)
        to_reassign = counts < self.reassignment_ratio * counts.max()
        if int(to_reassign.sum()) > 0.5 * len(batch):
            keep = xp.argsort(counts)[int(0.5 * len(batch)) :]
            to_reassign[keep] = False
        n_reassign = int(to_reassign.sum())
        if n_reassign == 0:
            return centers, counts
        picks = xp.asarray(rng.choice(len(batch), size=n_reassign, replace=False))
        centers = centers.copy()
        centers[to_reassign] = batch[picks]
        if n_reassign < len(counts):
            counts = xp.where(to_reassign, counts[~to_reassign].min(), counts)
        return centers, counts

    def _converged(
        self, step: int, n_samples: int, shift: float, tol: float, batch_inertia: float
    ) -> bool:
        """Early stopping on the EWA of the mean batch inertia (scikit-learn's rule)."""
        batch_inertia /= self._batch_size
        if step == 0:
            return False
        if self._ewa_inertia is None:
            self._ewa_inertia = batch_inertia
        else:
            alpha = min(self._batch_size * 2.0 / (n_samples + 1), 1.0)
            self._ewa_inertia = self._ewa_inertia * (1 - alpha) + batch_inertia * alpha
        if tol > 0.0 and shift <= tol:
            return True
        if self._ewa_inertia_min is None or self._ewa_inertia < self._ewa_inertia_min:
            self._no_improvement = 0
            self._ewa_inertia_min = self._ewa_inertia
        else:
            self._no_improvement += 1
        return self.max_no_improvement is not None and (
            self._no_improvement >= self.max_no_improvement
        )
