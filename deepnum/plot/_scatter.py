"""Scatter plots of 2-D embeddings (e.g. a PCA projection) coloured by label."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from deepnum.plot._io import host_array, new_figure, save_figure


def scatter_2d(
    X2: Any,
    labels: Any = None,
    to_file: str | os.PathLike | None = None,
    *,
    title: str | None = None,
    xlabel: str = "component 1",
    ylabel: str = "component 2",
    ax: Any = None,
    figsize: tuple[float, float] = (6.0, 5.0),
    point_size: float = 12.0,
    alpha: float = 0.8,
    legend: bool = True,
) -> Any:
    """Scatter the rows of a 2-D embedding, one colour per label.

    Args:
        X2: ``(n_samples, 2)`` coordinates (NumPy, CuPy or a Tensor), e.g.
            ``PCA(2).fit_transform(X)``; only the first two columns are used.
        labels: ``(n_samples,)`` class or cluster labels (``None``: one colour).
        to_file: image path (format from the extension); written atomically.
        title: axes title.
        xlabel: x-axis label.
        ylabel: y-axis label.
        ax: draw into this matplotlib ``Axes`` instead of a new figure.
        figsize: size of a new figure in inches.
        point_size: marker area.
        alpha: marker opacity.
        legend: show a legend when there are at most 20 labels.

    Returns:
        The matplotlib ``Figure``.

    Example:
        >>> import numpy as np
        >>> from deepnum.plot import scatter_2d
        >>> fig = scatter_2d(np.random.default_rng(0).normal(size=(50, 2)),
        ...                  np.arange(50) % 3)  # doctest: +SKIP
    """
    X2 = np.asarray(host_array(X2), dtype=np.float64)
    if X2.ndim != 2 or X2.shape[1] < 2:
        raise ValueError(
            f"scatter_2d expects coordinates of shape (n_samples, 2); got {X2.shape}. "
            "Project the data first, e.g. PCA(n_components=2).fit_transform(X)."
        )
    if labels is not None:
        labels = np.asarray(host_array(labels)).reshape(-1)
        if len(labels) != len(X2):
            raise ValueError(
                f"labels has {len(labels)} entries but X2 has {len(X2)} rows; pass one label "
                "per point."
            )
    figure = new_figure(figsize) if ax is None else ax.figure
    ax = figure.add_subplot() if ax is None else ax
    if labels is None:
        ax.scatter(X2[:, 0], X2[:, 1], s=point_size, alpha=alpha)
    else:
        classes = np.unique(labels)
        colours = _colours(len(classes))
        for colour, cls in zip(colours, classes):
            mask = labels == cls
            ax.scatter(
                X2[mask, 0], X2[mask, 1], s=point_size, alpha=alpha, color=colour, label=str(cls)
            )
        if legend and len(classes) <= 20:
            ax.legend(title="label", fontsize="small", markerscale=1.5, loc="best")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if to_file is not None:
        save_figure(figure, to_file)
    return figure


def _colours(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20" if n <= 20 else "viridis"]
    if n <= 20:
        return [cmap(i) for i in range(n)]
    return [cmap(i / max(n - 1, 1)) for i in range(n)]
