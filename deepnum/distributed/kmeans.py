"""Data-parallel k-means: each rank holds a shard of the samples, the centres are shared.

Lloyd's step splits into a local part and a sum: every rank runs the fused assignment and
per-cluster sums of ``deepnum.cluster`` on its own shard, then one all-reduce adds the
per-cluster sums and counts (and the number of changed labels) over the ranks, and every rank
computes the same new centres ``c_k = Σ_ranks sums_k / Σ_ranks counts_k``. The result is the
clustering of all the samples together, up to floating-point rounding of the sums.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.backend import get_array_module, to_numpy
from deepnum.cluster import _kmeans_common as km
from deepnum.cluster._kmeans import KMeans
from deepnum.cluster._validation import check_array, check_random_state, row_norms_squared
from deepnum.distributed import runtime


class DistributedKMeans(KMeans):
    """K-means (Lloyd + k-means++) on data sharded across MPI ranks; ``fit`` takes the shard.

    Same arguments as :class:`deepnum.cluster.KMeans`. The data are centred with the global
    mean, the tolerance uses the global variance, and each Lloyd iteration all-reduces the
    cluster sums and counts, so all ranks hold the same centres, equal (to rounding) to those
    of ``KMeans`` on the concatenated shards from the same initial centres. A string or
    callable ``init`` is evaluated on rank 0's shard and broadcast; pass an array ``init`` to
    reproduce a single-process run exactly. Every rank needs at least one sample.

    Attributes:
        cluster_centers_: ``(n_clusters, n_features)``, identical on every rank.
        labels_: labels of this rank's shard.
        inertia_: inertia of all the samples (identical on every rank).
        n_iter_: Lloyd iterations of the kept run.
        n_samples_global_: the number of samples over all ranks.

    Example:
        >>> import numpy as np
        >>> from deepnum import distributed
        >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
        >>> km = distributed.DistributedKMeans(2, init=X[[0, 3]]).fit(distributed.shard(X))
        >>> sorted(km.cluster_centers_.tolist())
        [[1.0, 2.0], [10.0, 2.0]]
    """

    def fit(self, X: Any, y: Any = None) -> DistributedKMeans:
        """Cluster the samples of all ranks; ``X`` is this rank's shard.

        Args:
            X: ``(n_local_samples, n_features)``, the same ``n_features`` on every rank.
            y: ignored.

        Returns:
            ``self``.
        """
        name = type(self).__name__
        X = check_array(X, name)
        xp = get_array_module(X)
        n_global = int(runtime.allreduce(X.shape[0], "sum"))
        # The checks compare n_clusters with the number of samples of all ranks, not the shard.
        self._check_params(np.broadcast_to(np.zeros((), X.dtype), (n_global, X.shape[1])))
        rng = check_random_state(self.random_state, name)
        X_mean = _global_sum(X.sum(axis=0)) / n_global
        X = X - xp.asarray(X_mean, dtype=X.dtype)
        init = self.init
        if not (isinstance(init, str) or callable(init)):
            init = self._init_array(X) - xp.asarray(X_mean, dtype=X.dtype)
        tol = float(_global_sum((X * X).sum(axis=0)).mean()) / n_global * self.tol
        x_squared_norms = row_norms_squared(X)

        best = None
        for _ in range(self._n_init):
            # Seeds come from rank 0's shard (and generator); the others receive them.
            if runtime.rank() == 0:
                centers = to_numpy(self._init_centroids(X, x_squared_norms, init, rng))
            else:
                centers = np.empty((self.n_clusters, X.shape[1]), dtype=X.dtype)
            centers = xp.asarray(runtime.broadcast_(np.ascontiguousarray(centers, X.dtype)))
            run = lloyd(X, centers, self.max_iter, tol)
            if best is None or run[1] < best[1]:
                best = run
        labels, inertia, centers, n_iter = best
        self.cluster_centers_ = centers + xp.asarray(X_mean, dtype=X.dtype)
        self.labels_ = labels
        self.inertia_ = inertia
        self.n_iter_ = n_iter
        self.n_features_in_ = X.shape[1]
        self.n_samples_global_ = n_global
        present = _global_sum(to_numpy(xp.bincount(labels, minlength=self.n_clusters)) > 0)
        self._warn_if_degenerate(np.flatnonzero(present))
        return self


def lloyd(X: Any, centers: Any, max_iter: int, tol: float) -> tuple[Any, float, Any, int]:
    """Lloyd's algorithm over the shards of all ranks (``deepnum.cluster``'s ``lloyd``, with
    the sums, counts and label changes all-reduced each iteration).

    Args:
        X: this rank's (centred) shard, ``(n_local, n_features)``.
        centers: the same ``(n_clusters, n_features)`` on every rank.
        max_iter, tol: as in ``KMeans`` (``tol`` already scaled by the data's variance).

    Returns:
        ``(local labels, global inertia, centers, n_iter)``.
    """
    xp = get_array_module(X)
    k = centers.shape[0]
    labels_old = None
    strict = False
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        labels, sums, counts = km.lloyd_assign_and_sum(X, centers)
        changed = 0 if labels_old is None else int((labels != labels_old).sum())
        packed = np.concatenate([to_numpy(sums).ravel(), to_numpy(counts), [changed]])
        packed = _global_sum(packed.astype(np.float64))
        sums = xp.asarray(packed[: sums.size].reshape(sums.shape), dtype=X.dtype)
        counts = xp.asarray(packed[sums.size : sums.size + k], dtype=X.dtype)
        _relocate_empty_clusters(X, centers, sums, counts, labels)
        new_centers = km.average_centers(sums, counts)
        shift = float(((new_centers - centers) ** 2).sum())
        centers = new_centers
        if labels_old is not None and packed[-1] == 0:
            strict = True
            break
        if shift <= tol:
            break
        labels_old = labels
    if not strict:
        labels = km.assign_labels(X, centers)
    inertia = float(_global_sum(np.array(km.inertia(X, centers, labels))))
    return labels, inertia, centers, n_iter


def _global_sum(value: Any) -> np.ndarray:
    return runtime.allreduce(np.asarray(to_numpy(value), dtype=np.float64), "sum")


def _relocate_empty_clusters(X: Any, centers_old: Any, sums: Any, counts: Any, labels: Any) -> None:
    """``deepnum.cluster``'s rule over all ranks: each empty cluster takes one of the samples
    (of any rank) farthest from their centre, which leaves the sum of its old cluster."""
    xp = get_array_module(X)
    empty = np.flatnonzero(to_numpy(counts) == 0)
    n_empty = len(empty)
    if n_empty == 0:
        return
    # Each rank offers its n_empty farthest samples as rows [distance, old label, x...].
    distances = to_numpy(km.squared_distances_to_assigned(X, centers_old, labels))
    offered = np.full((n_empty, X.shape[1] + 2), -np.inf)
    mine = np.argsort(-distances, kind="stable")[:n_empty]
    offered[: len(mine), 0] = distances[mine]
    offered[: len(mine), 1] = to_numpy(labels)[mine]
    offered[: len(mine), 2:] = to_numpy(X[xp.asarray(mine)])
    candidates = runtime.allgather(offered).reshape(-1, X.shape[1] + 2)
    chosen = candidates[np.argsort(-candidates[:, 0], kind="stable")[:n_empty]]
    if chosen[0, 0] <= 0.0:
        return  # more clusters than distinct samples: nowhere better to move them
    for new_id, row in zip(empty.tolist(), chosen):
        old_id, x = int(row[1]), xp.asarray(row[2:], dtype=X.dtype)
        sums[old_id] -= x
        sums[new_id] = x
        counts[new_id] = 1
        counts[old_id] -= 1
