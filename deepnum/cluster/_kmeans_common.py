"""The array kernels of k-means: distances, one Lloyd step, seeding.

Everything here works on whole chunks of samples through ``xp`` (NumPy or CuPy): no
Python loop runs per sample. Squared distances use the GEMM form

    ‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖²,

and, where only the nearest centre matters, ``‖x‖²`` is dropped because it does not
change the argmin. Samples are processed in chunks of rows, so the temporary
``(chunk, n_clusters)`` block stays small whatever ``n_samples`` is.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deepnum.backend import get_array_module
from deepnum.cluster._validation import row_norms_squared

# Bytes of X per chunk: small enough that the chunk is still in cache when the second
# GEMM (the centre sums) reads it right after the first (the distances).
_CHUNK_BYTES = 1 << 20


def chunk_rows(n_samples: int, n_features: int, n_clusters: int, itemsize: int = 8) -> int:
    """Return how many samples to process at once (at least 256, at most ``n_samples``)."""
    rows = _CHUNK_BYTES // (itemsize * max(n_features + n_clusters, 1))
    return int(min(max(rows, 256), max(n_samples, 1)))


def assign_labels(X: Any, centers: Any) -> Any:
    """Return the index of the nearest centre for each row of ``X`` (int32, on X's device).

    Args:
        X: ``(n_samples, n_features)``.
        centers: ``(n_clusters, n_features)``.
    """
    xp = get_array_module(X)
    n = X.shape[0]
    neg2_ct = -2.0 * centers.T
    c_sq = row_norms_squared(centers)
    labels = xp.empty(n, dtype=xp.int32)
    rows = chunk_rows(n, X.shape[1], centers.shape[0], X.dtype.itemsize)
    for start in range(0, n, rows):
        dist = X[start : start + rows] @ neg2_ct
        dist += c_sq
        labels[start : start + rows] = dist.argmin(axis=1)
    return labels


def lloyd_assign_and_sum(X: Any, centers: Any) -> tuple[Any, Any, Any]:
    """One fused E-step and M-step pass: labels, per-cluster sums and counts.

    For each chunk the nearest centres come from one GEMM, and the sums of the samples
    per cluster from a second one, ``onehot(labels)ᵀ · X_chunk``, while the chunk is hot.

    Returns:
        ``labels`` (n_samples,) int32, ``sums`` (n_clusters, n_features), ``counts``
        (n_clusters,) in X's dtype.
    """
    xp = get_array_module(X)
    n, d = X.shape
    k = centers.shape[0]
    neg2_ct = -2.0 * centers.T
    c_sq = row_norms_squared(centers)
    cluster_ids = xp.arange(k, dtype=xp.int32)
    labels = xp.empty(n, dtype=xp.int32)
    sums = xp.zeros((k, d), dtype=X.dtype)
    rows = chunk_rows(n, d, k, X.dtype.itemsize)
    for start in range(0, n, rows):
        chunk = X[start : start + rows]
        dist = chunk @ neg2_ct
        dist += c_sq
        chunk_labels = dist.argmin(axis=1).astype(xp.int32)
        labels[start : start + rows] = chunk_labels
        onehot = (chunk_labels[:, None] == cluster_ids).astype(X.dtype)
        sums += onehot.T @ chunk
    counts = xp.bincount(labels, minlength=k).astype(X.dtype)
    return labels, sums, counts


def squared_distances_to_assigned(X: Any, centers: Any, labels: Any) -> Any:
    """Return ``‖x_i − c_{labels_i}‖²`` for every sample, by direct differences (exact)."""
    xp = get_array_module(X)
    n = X.shape[0]
    out = xp.empty(n, dtype=X.dtype)
    rows = chunk_rows(n, X.shape[1], 0, X.dtype.itemsize)
    for start in range(0, n, rows):
        diff = X[start : start + rows] - centers[labels[start : start + rows]]
        out[start : start + rows] = xp.einsum("ij,ij->i", diff, diff)
    return out


def inertia(X: Any, centers: Any, labels: Any) -> float:
    """Sum of squared distances of the samples to their assigned centres."""
    return float(squared_distances_to_assigned(X, centers, labels).sum())


def relocate_empty_clusters(X: Any, centers_old: Any, sums: Any, counts: Any, labels: Any) -> None:
    """Move each empty cluster onto one of the samples farthest from their centre (in place).

    scikit-learn's rule: take the ``n_empty`` samples with the largest squared distance to
    their (old) centre, and give the i-th of them to the i-th empty cluster, removing it
    from the sum of the cluster it was in. ``labels`` are left unchanged.
    """
    xp = get_array_module(X)
    empty = xp.nonzero(counts == 0)[0]
    n_empty = int(empty.shape[0])
    if n_empty == 0:
        return
    distances = squared_distances_to_assigned(X, centers_old, labels)
    if float(distances.max()) == 0.0:
        # More clusters than distinct samples: there is nowhere better to move them.
        return
    far = xp.argpartition(distances, -n_empty)[: -n_empty - 1 : -1]
    for new_id, far_idx in zip(empty.tolist(), far.tolist()):
        old_id = int(labels[far_idx])
        sums[old_id] -= X[far_idx]
        sums[new_id] = X[far_idx]
        counts[new_id] = 1
        counts[old_id] -= 1


def average_centers(sums: Any, counts: Any) -> Any:
    """Return ``sums / counts`` row-wise; a cluster with no weight keeps its (zero) sum."""
    xp = get_array_module(sums)
    scale = xp.where(counts > 0, 1.0 / xp.where(counts > 0, counts, 1), 1.0)
    return sums * scale[:, None].astype(sums.dtype)


def greedy_kmeans_plusplus(
    X: Any,
    n_clusters: int,
    x_squared_norms: Any,
    rng: np.random.Generator,
    n_local_trials: int | None = None,
) -> tuple[Any, Any]:
    """Greedy k-means++ seeding (Arthur & Vassilvitskii 2007; scikit-learn's variant), on
    validated data; :func:`deepnum.cluster.kmeans_plusplus` is the public entry point.

    The first centre is a uniformly drawn sample. Each next centre is chosen among
    ``2 + ⌊ln k⌋`` candidates drawn with probability ``D(x)² / Σ D²`` (``D`` the distance
    to the nearest centre so far): the candidate that lowers the potential ``Σ D²`` most.

    Args:
        X: ``(n_samples, n_features)``.
        n_clusters: number of centres ``k``.
        x_squared_norms: ``‖x‖²`` per row.
        rng: NumPy generator for the (host-side) draws.
        n_local_trials: candidates per centre; default ``2 + int(ln k)``.

    Returns:
        ``centers`` ``(k, n_features)`` and the sample ``indices`` they were taken from.
    """
    xp = get_array_module(X)
    n = X.shape[0]
    if n_local_trials is None:
        n_local_trials = 2 + int(math.log(n_clusters))
    indices = np.full(n_clusters, -1, dtype=np.int64)
    indices[0] = rng.integers(n)
    closest = _sq_dist_rows(X, X[indices[0] : indices[0] + 1], x_squared_norms)[0]
    potential = float(closest.sum())
    for c in range(1, n_clusters):
        draws = xp.asarray(rng.random(n_local_trials) * potential, dtype=X.dtype)
        candidates = xp.searchsorted(xp.cumsum(closest), draws)
        candidates = xp.minimum(candidates, n - 1)
        to_candidates = _sq_dist_rows(X, X[candidates], x_squared_norms)
        xp.minimum(to_candidates, closest[None, :], out=to_candidates)
        potentials = to_candidates.sum(axis=1)
        best = int(potentials.argmin())
        potential = float(potentials[best])
        closest = to_candidates[best]
        indices[c] = int(candidates[best])
    idx = xp.asarray(indices)
    return X[idx].copy(), idx


def _sq_dist_rows(X: Any, rows: Any, x_squared_norms: Any) -> Any:
    """Squared distances ``(len(rows), n_samples)`` from a few points to every sample."""
    xp = get_array_module(X)
    out = rows @ X.T
    out *= -2.0
    out += x_squared_norms[None, :]
    out += row_norms_squared(rows)[:, None]
    return xp.maximum(out, 0, out=out)


def tolerance(X: Any, tol: float) -> float:
    """scikit-learn's data-relative tolerance: ``tol · mean_j Var(X[:, j])``."""
    if tol == 0:
        return 0.0
    return float(X.var(axis=0).mean()) * tol
