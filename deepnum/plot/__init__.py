"""Plots for unsupervised learning, drawn with matplotlib (``pip install deepnum[plot]``).

- :func:`dendrogram`: the merge tree of ``AgglomerativeClustering`` (or any SciPy linkage
  matrix), laid out without SciPy.
- :func:`scatter_2d`: a 2-D embedding (e.g. a PCA projection) coloured by label.

matplotlib is imported only when a plot is drawn, through the Agg canvas, so importing
deepnum never needs it and never changes pyplot's backend.
"""

from deepnum.plot._dendrogram import dendrogram, dendrogram_layout, linkage_from
from deepnum.plot._scatter import scatter_2d

__all__ = ["dendrogram", "dendrogram_layout", "linkage_from", "scatter_2d"]
