"""Clustering with scikit-learn's names and attributes, on NumPy or CuPy arrays.

- :class:`KMeans`: Lloyd's algorithm with greedy k-means++ seeding
  (:func:`kmeans_plusplus`).
- :class:`MiniBatchKMeans`: k-means on random mini-batches, with ``partial_fit``.
- :class:`AgglomerativeClustering`: ward / complete / average / single linkage, with a
  SciPy-format ``linkage_matrix_`` for :func:`deepnum.plot.dendrogram`.
"""

from deepnum.cluster._agglomerative import AgglomerativeClustering
from deepnum.cluster._base import ConvergenceWarning, NotFittedError
from deepnum.cluster._kmeans import KMeans, kmeans_plusplus
from deepnum.cluster._minibatch import MiniBatchKMeans
from deepnum.cluster._validation import InvalidParameterError

__all__ = [
    "AgglomerativeClustering",
    "ConvergenceWarning",
    "InvalidParameterError",
    "KMeans",
    "MiniBatchKMeans",
    "NotFittedError",
    "kmeans_plusplus",
]
