"""Agglomerative (hierarchical) clustering with scikit-learn's estimator interface."""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np

from deepnum.backend import get_array_module
from deepnum.cluster._base import BaseEstimator
from deepnum.cluster._hierarchy import linkage_matrix
from deepnum.cluster._validation import (
    InvalidParameterError,
    check_array,
    check_int,
    check_option,
    check_real,
)

_LINKAGES = ("ward", "complete", "average", "single")
_METRICS = {
    "euclidean": "euclidean",
    "l2": "euclidean",
    "manhattan": "manhattan",
    "l1": "manhattan",
    "cityblock": "manhattan",
    "cosine": "cosine",
    "precomputed": "precomputed",
}


class AgglomerativeClustering(BaseEstimator):
    """Bottom-up hierarchical clustering: start from singletons, repeatedly merge the two
    closest clusters, then cut the tree.

    Cluster distances (``d`` the sample metric):

    - ``"single"``:   ``min_{a∈A, b∈B} d(a, b)``
    - ``"complete"``: ``max_{a∈A, b∈B} d(a, b)``
    - ``"average"``:  ``mean_{a∈A, b∈B} d(a, b)``
    - ``"ward"``:     ``sqrt(2 |A| |B| / (|A| + |B|)) · ‖μ_A − μ_B‖`` (the increase of the
      within-cluster sum of squares, as in SciPy), Euclidean only.

    Ward, complete and average use the nearest-neighbour chain with Lance–Williams
    updates, single linkage uses Prim's minimum spanning tree: ``O(n²)`` time and memory
    (one ``n × n`` float64 matrix), never ``O(n³)``. Merge heights and the linkage matrix
    equal SciPy's ``linkage``; labels equal scikit-learn's.

    Args:
        n_clusters: clusters to cut the tree into; ``None`` when ``distance_threshold`` is
            given.
        metric: ``"euclidean"`` (alias ``"l2"``), ``"manhattan"`` (``"l1"``,
            ``"cityblock"``), ``"cosine"`` or ``"precomputed"`` (``X`` is then an
            ``(n, n)`` distance matrix). Ward needs ``"euclidean"``.
        linkage: ``"ward"``, ``"complete"``, ``"average"`` or ``"single"``.
        distance_threshold: cut where merge heights reach this value (the number of
            clusters is then ``#{heights ≥ threshold} + 1``).
        compute_full_tree: accepted for scikit-learn compatibility; the full tree is
            always built (it costs nothing extra here).
        compute_distances: also store ``distances_`` when ``distance_threshold`` is None.

    Attributes:
        labels_: ``(n_samples,)`` cluster of each sample.
        n_clusters_: number of clusters found.
        n_leaves_: number of leaves (samples).
        n_connected_components_: always 1 (no connectivity constraint).
        children_: ``(n_samples − 1, 2)``; row ``i`` merges nodes into node
            ``n_samples + i`` (a node ``< n_samples`` is a sample).
        distances_: ``(n_samples − 1,)`` merge heights (when ``distance_threshold`` or
            ``compute_distances`` is set).
        linkage_matrix_: ``(n_samples − 1, 4)`` SciPy linkage matrix
            ``[child_a, child_b, height, size]``, ready for ``deepnum.plot.dendrogram``.
        n_features_in_: features seen in ``fit``.

    Example:
        >>> import numpy as np
        >>> from deepnum.cluster import AgglomerativeClustering
        >>> X = np.array([[1, 2], [1, 4], [1, 0], [4, 2], [4, 4], [4, 0]])
        >>> AgglomerativeClustering().fit(X).labels_.tolist()
        [1, 1, 1, 0, 0, 0]
    """

    def __init__(
        self,
        n_clusters: int | None = 2,
        *,
        metric: str = "euclidean",
        compute_full_tree: str | bool = "auto",
        linkage: str = "ward",
        distance_threshold: float | None = None,
        compute_distances: bool = False,
    ) -> None:
        self.n_clusters = n_clusters
        self.metric = metric
        self.compute_full_tree = compute_full_tree
        self.linkage = linkage
        self.distance_threshold = distance_threshold
        self.compute_distances = compute_distances

    def _check_params(self) -> str:
        name = "AgglomerativeClustering"
        check_option(self.linkage, "linkage", name, _LINKAGES)
        check_option(self.metric, "metric", name, tuple(_METRICS))
        if (self.n_clusters is None) == (self.distance_threshold is None):
            raise ValueError(
                "Exactly one of n_clusters and distance_threshold has to be set, and the "
                f"other needs to be None; got n_clusters={self.n_clusters!r} and "
                f"distance_threshold={self.distance_threshold!r}."
            )
        if self.n_clusters is not None:
            check_int(self.n_clusters, "n_clusters", name, low=1)
        else:
            check_real(self.distance_threshold, "distance_threshold", name, low=0.0)
        metric = _METRICS[self.metric]
        if self.linkage == "ward" and metric != "euclidean":
            raise InvalidParameterError(
                f"metric={self.metric!r} is not supported with linkage='ward', which needs "
                "Euclidean distances; use metric='euclidean' or another linkage."
            )
        return metric

    def fit(self, X: Any, y: Any = None) -> AgglomerativeClustering:
        """Build the full merge tree of ``X`` and cut it.

        Args:
            X: ``(n_samples, n_features)`` (NumPy or CuPy), or ``(n_samples, n_samples)``
                distances with ``metric="precomputed"``.
            y: ignored.

        Returns:
            ``self``.
        """
        metric = self._check_params()
        X = check_array(X, "AgglomerativeClustering", ensure_min_samples=2)
        n = X.shape[0]
        if metric == "precomputed" and X.shape[0] != X.shape[1]:
            raise ValueError(
                f"metric='precomputed' needs a square distance matrix; got shape {X.shape}."
            )
        if self.n_clusters is not None and self.n_clusters > n:
            raise ValueError(f"n_samples={n} should be >= n_clusters={self.n_clusters}.")
        Z = linkage_matrix(X, self.linkage, metric)
        self.linkage_matrix_ = Z
        self.children_ = Z[:, :2].astype(np.intp)
        self.n_leaves_ = n
        self.n_connected_components_ = 1
        self.n_features_in_ = X.shape[1]
        if self.distance_threshold is not None or self.compute_distances:
            self.distances_ = Z[:, 2].copy()
        if self.distance_threshold is not None:
            self.n_clusters_ = int(np.count_nonzero(Z[:, 2] >= self.distance_threshold)) + 1
        else:
            self.n_clusters_ = int(self.n_clusters)
        labels = cut_tree(self.children_, self.n_clusters_, n)
        self.labels_ = get_array_module(X).asarray(labels)
        return self

    def fit_predict(self, X: Any, y: Any = None) -> Any:
        """Fit on ``X`` and return ``labels_``."""
        return self.fit(X).labels_


def cut_tree(children: np.ndarray, n_clusters: int, n_leaves: int) -> np.ndarray:
    """Cut a merge tree into ``n_clusters`` flat clusters (undo the last merges).

    Starting from the root, repeatedly split the most recent merge; clusters are numbered
    in the order of scikit-learn's heap, so labels equal ``AgglomerativeClustering``'s.

    Args:
        children: ``(n_leaves − 1, 2)`` merge tree.
        n_clusters: clusters wanted (``1 ≤ n_clusters ≤ n_leaves``).
        n_leaves: number of samples.

    Returns:
        ``(n_leaves,)`` integer labels.
    """
    if n_clusters > n_leaves:
        raise ValueError(
            f"Cannot extract more clusters than samples: {n_clusters} clusters were given "
            f"for a tree with {n_leaves} leaves."
        )
    heap = [-(2 * n_leaves - 2)]
    for _ in range(n_clusters - 1):
        a, b = children[-heap[0] - n_leaves]
        heapq.heappush(heap, -int(a))
        heapq.heappushpop(heap, -int(b))
    node_label = np.full(2 * n_leaves - 1, -1, dtype=np.intp)
    node_label[[-node for node in heap]] = np.arange(len(heap))
    # Walk merges from the root down: a child inherits its parent's cluster.
    for k in range(n_leaves - 2, -1, -1):
        label = node_label[n_leaves + k]
        if label >= 0:
            node_label[children[k]] = label
    return node_label[:n_leaves]
