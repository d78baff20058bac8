"""Dimensionality reduction with scikit-learn's names and attributes, on NumPy or CuPy.

- :class:`PCA`: principal component analysis (full SVD, covariance eigendecomposition or
  randomized SVD), with ``whiten`` and ``inverse_transform``.
"""

from deepnum.decomposition._pca import PCA

__all__ = ["PCA"]
