"""Dendrograms of a linkage matrix, laid out here (no SciPy) and drawn with matplotlib."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from deepnum.plot._io import host_array, new_figure, save_figure

_PALETTE = ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9")
_ORIENTATIONS = ("top", "bottom", "left", "right")


def linkage_from(model_or_linkage: Any) -> np.ndarray:
    """Return a float64 SciPy linkage matrix ``(n − 1, 4)``.

    Accepts the matrix itself, a fitted ``deepnum.cluster.AgglomerativeClustering``
    (``linkage_matrix_``), or any estimator with ``children_`` and ``distances_`` (such as
    scikit-learn's, fitted with ``compute_distances=True``).
    """
    if hasattr(model_or_linkage, "linkage_matrix_"):
        return np.asarray(model_or_linkage.linkage_matrix_, dtype=np.float64)
    if hasattr(model_or_linkage, "children_"):
        if not hasattr(model_or_linkage, "distances_"):
            raise ValueError(
                "The model has children_ but no distances_; fit it with "
                "compute_distances=True (or a distance_threshold) to plot a dendrogram."
            )
        return _linkage_from_children(
            np.asarray(model_or_linkage.children_), np.asarray(model_or_linkage.distances_)
        )
    Z = np.asarray(host_array(model_or_linkage), dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] != 4 or Z.shape[0] < 1:
        raise ValueError(
            "dendrogram expects a fitted AgglomerativeClustering or a SciPy linkage matrix "
            f"of shape (n_samples - 1, 4); got an array of shape {Z.shape}."
        )
    n = Z.shape[0] + 1
    children = Z[:, :2]
    if (children < 0).any() or (children >= n + np.arange(n - 1)[:, None]).any():
        raise ValueError(
            "Invalid linkage matrix: row k may only merge samples (< n) or clusters formed "
            "by earlier rows (< n + k)."
        )
    return Z


def _linkage_from_children(children: np.ndarray, distances: np.ndarray) -> np.ndarray:
    n = len(children) + 1
    sizes = np.ones(2 * n - 1)
    for k, (a, b) in enumerate(children):
        sizes[n + k] = sizes[a] + sizes[b]
    return np.column_stack([children, distances, sizes[n:]]).astype(np.float64)


def dendrogram_layout(
    Z: np.ndarray,
    *,
    truncate_mode: str | None = None,
    p: int = 30,
    color_threshold: float | None = None,
    labels: list[str] | None = None,
    above_threshold_color: str = "C0",
) -> dict[str, list]:
    """Compute a dendrogram's drawing, in SciPy's coordinates and leaf order.

    Leaves are visited left to right, the first child of each merge (``Z[k, 0]``) before
    the second. Leaf ``i`` in that order sits at ``x = 5 + 10 i``; each merge is a ``∩``
    from its children's ``(x, height)`` up to its own height, centred between them.
    Links below ``color_threshold`` (default ``0.7 · max height``) take one colour per
    cluster; links above it take ``above_threshold_color``.

    Args:
        Z: SciPy linkage matrix ``(n − 1, 4)``.
        truncate_mode: ``None`` or ``"lastp"`` (show only the last ``p`` clusters).
        p: clusters shown with ``"lastp"``.
        color_threshold: see above; ``0`` or less colours everything
            ``above_threshold_color``.
        labels: one label per sample (default: the sample index).
        above_threshold_color: matplotlib colour of the links above the threshold.

    Returns:
        A dict like SciPy's: ``icoord``, ``dcoord`` (one ``[4]`` list per link),
        ``color_list``, ``leaves`` (node ids, left to right) and ``ivl`` (leaf labels).
    """
    n = Z.shape[0] + 1
    if truncate_mode not in (None, "lastp"):
        raise ValueError(f"truncate_mode must be None or 'lastp'; got {truncate_mode!r}.")
    if truncate_mode == "lastp" and not 0 < p <= n:
        p = n
    if labels is not None and len(labels) != n:
        raise ValueError(f"labels has {len(labels)} entries but the tree has {n} samples.")
    if color_threshold is None:
        color_threshold = 0.7 * float(Z[:, 2].max())
    lastp = n if truncate_mode != "lastp" else 2 * n - p

    def is_leaf(node: int) -> bool:
        return node < n or node < lastp

    out: dict[str, list] = {"icoord": [], "dcoord": [], "color_list": [], "leaves": []}
    colour = {"index": 0, "below": False}
    stack: list[list[Any]] = [[2 * n - 2, 0, 0.0, None, None]]
    result: tuple[float, float, float] = (0.0, 0.0, 0.0)
    while stack:
        frame = stack[-1]
        node, stage, left_edge = frame[0], frame[1], frame[2]
        if stage == 0 and is_leaf(node):
            out["leaves"].append(node)
            result = (left_edge + 5.0, 10.0, 0.0)
            stack.pop()
        elif stage == 0:
            frame[1] = 1
            stack.append([int(Z[node - n, 0]), 0, left_edge, None, None])
        elif stage == 1:
            frame[1], frame[3] = 2, result
            frame[4] = _link_colour(
                float(Z[node - n, 2]), color_threshold, colour, above_threshold_color
            )
            stack.append([int(Z[node - n, 1]), 0, left_edge + result[1], None, None])
        else:
            (xa, wa, ha), (xb, wb, hb) = frame[3], result
            h = float(Z[node - n, 2])
            out["icoord"].append([xa, xa, xb, xb])
            out["dcoord"].append([ha, h, h, hb])
            out["color_list"].append(frame[4])
            result = ((xa + xb) / 2.0, wa + wb, h)
            stack.pop()
    out["ivl"] = [_leaf_label(node, n, Z, labels) for node in out["leaves"]]
    return out


def _link_colour(height: float, threshold: float, state: dict, above: str) -> str:
    # Walking left to right, each run of links below the threshold is one cluster; a new
    # colour starts after every climb above it (SciPy's rule, so colours match).
    if height >= threshold or threshold <= 0:
        if state["below"]:
            state["index"] = (state["index"] + 1) % len(_PALETTE)
        state["below"] = False
        return above
    state["below"] = True
    return _PALETTE[state["index"]]


def _leaf_label(node: int, n: int, Z: np.ndarray, labels: list[str] | None) -> str:
    if node >= n:
        return f"({int(Z[node - n, 3])})"
    return str(labels[node]) if labels is not None else str(node)


def dendrogram(
    model_or_linkage: Any,
    to_file: str | os.PathLike | None = None,
    *,
    labels: list[str] | None = None,
    truncate_mode: str | None = None,
    p: int = 30,
    color_threshold: float | None = None,
    orientation: str = "top",
    title: str | None = None,
    ax: Any = None,
    figsize: tuple[float, float] = (10.0, 5.0),
    no_plot: bool = False,
) -> dict[str, Any]:
    """Draw the dendrogram of a hierarchical clustering (matplotlib only, no SciPy).

    Args:
        model_or_linkage: a fitted ``AgglomerativeClustering``, a model with ``children_``
            and ``distances_``, or a SciPy linkage matrix ``(n − 1, 4)``.
        to_file: image path (format from the extension, e.g. ``.png``, ``.svg``, ``.pdf``);
            written atomically.
        labels: one label per sample.
        truncate_mode: ``None`` or ``"lastp"`` (only the last ``p`` merged clusters, each
            labelled with its size); useful beyond a few hundred samples.
        p: clusters shown with ``truncate_mode="lastp"``.
        color_threshold: links below it are coloured per cluster (default
            ``0.7 · max height``).
        orientation: where the root is: ``"top"``, ``"bottom"``, ``"left"``, ``"right"``.
        title: axes title.
        ax: draw into this matplotlib ``Axes`` instead of a new figure.
        figsize: size of a new figure in inches.
        no_plot: only compute the layout (matplotlib not needed).

    Returns:
        The layout dict of :func:`dendrogram_layout` (``leaves`` equals SciPy's
        ``dendrogram(Z, no_plot=True)["leaves"]``), plus ``"figure"`` when drawn.

    Example:
        >>> import numpy as np
        >>> from deepnum.cluster import AgglomerativeClustering
        >>> from deepnum.plot import dendrogram
        >>> X = np.array([[0.0], [0.1], [5.0], [5.2], [9.0]])
        >>> model = AgglomerativeClustering(n_clusters=2).fit(X)
        >>> dendrogram(model, no_plot=True)["leaves"]
        [0, 1, 4, 2, 3]
    """
    if orientation not in _ORIENTATIONS:
        raise ValueError(f"orientation must be one of {_ORIENTATIONS}; got {orientation!r}.")
    Z = linkage_from(model_or_linkage)
    layout = dendrogram_layout(
        Z, truncate_mode=truncate_mode, p=p, color_threshold=color_threshold, labels=labels
    )
    if no_plot:
        return layout
    figure = new_figure(figsize) if ax is None else ax.figure
    ax = figure.add_subplot() if ax is None else ax
    _draw(ax, layout, orientation)
    if title:
        ax.set_title(title)
    layout["figure"] = figure
    if to_file is not None:
        save_figure(figure, to_file)
    return layout


def _draw(ax: Any, layout: dict[str, list], orientation: str) -> None:
    from matplotlib.collections import LineCollection

    vertical = orientation in ("top", "bottom")
    by_colour: dict[str, list] = {}
    for xs, ys, c in zip(layout["icoord"], layout["dcoord"], layout["color_list"]):
        points = list(zip(xs, ys)) if vertical else list(zip(ys, xs))
        by_colour.setdefault(c, []).append(points)
    for c, segments in by_colour.items():
        ax.add_collection(LineCollection(segments, colors=c, linewidths=1.0))
    n_leaves = len(layout["leaves"])
    ticks = 5.0 + 10.0 * np.arange(n_leaves)
    top = max((max(d) for d in layout["dcoord"]), default=1.0) * 1.05 or 1.0
    show_labels = n_leaves <= 120
    fontsize = 10 if n_leaves <= 30 else 7 if n_leaves <= 60 else 5
    if vertical:
        ax.set_xlim(0, 10.0 * n_leaves)
        ax.set_ylim((0, top) if orientation == "top" else (top, 0))
        ax.set_xticks(ticks if show_labels else [])
        if show_labels:
            ax.set_xticklabels(layout["ivl"], rotation=90, fontsize=fontsize)
        ax.set_ylabel("distance")
    else:
        ax.set_ylim(0, 10.0 * n_leaves)
        ax.set_xlim((0, top) if orientation == "right" else (top, 0))
        ax.set_yticks(ticks if show_labels else [])
        if show_labels:
            ax.set_yticklabels(layout["ivl"], fontsize=fontsize)
        ax.set_xlabel("distance")
