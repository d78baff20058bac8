"""Agglomerative linkage in O(n²) memory: nearest-neighbour chain and Prim's MST.

The pairwise distances are computed on the data's device (NumPy or CuPy) and copied to
the host once; the merge loop itself is host-side NumPy bookkeeping, inherently
sequential, each step a few vectorised O(n) row operations.

The output follows SciPy's ``linkage`` exactly: row ``k`` of ``Z`` merges clusters
``Z[k, 0] < Z[k, 1]`` at height ``Z[k, 2]`` into cluster ``n + k`` of ``Z[k, 3]`` samples,
rows sorted by height (stable), with the same tie-breaking as SciPy's NN-chain.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from deepnum.backend import get_array_module, to_numpy
from deepnum.cluster._threads import single_threaded_blas
from deepnum.cluster._validation import row_norms_squared

# Pairs with ‖x − y‖² below this fraction of ‖x‖² + ‖y‖² lose digits to cancellation in
# the GEMM form; they are recomputed by direct differences.
_REPAIR_RATIO = 1e-3
# Problems up to this many n²·d element operations get SciPy-identical rounding.
_SEQUENTIAL_BUDGET = 1 << 23
_TILE = 512
# Up to this many features the distance GEMM is bound by writing the n × n output.
_SKINNY_FEATURES = 128


def linkage_matrix(X: Any, method: str, metric: str = "euclidean") -> np.ndarray:
    """Return SciPy's linkage matrix of ``X`` for ``method`` and ``metric``.

    Args:
        X: ``(n, n_features)`` NumPy or CuPy array (float), or ``(n, n)`` distances with
            ``metric="precomputed"``.
        method: ``"ward"``, ``"complete"``, ``"average"`` or ``"single"``.
        metric: ``"euclidean"``, ``"manhattan"``, ``"cosine"`` or ``"precomputed"``.

    Returns:
        ``(n − 1, 4)`` float64 host array ``[child_a, child_b, height, size]``.
    """
    xp = get_array_module(X)
    skinny = X.shape[1] <= _SKINNY_FEATURES
    with single_threaded_blas(X) if skinny else contextlib.nullcontext():
        if method == "single" and metric == "euclidean":
            if _euclidean_mode(X.astype(xp.float64, copy=False), xp) != "sequential":
                return mst_single_linkage_features(X)
        D = pairwise_distances(X, metric)
    if method == "single":
        return mst_single_linkage(D)
    return nn_chain_linkage(D, method)


def pairwise_distances(X: Any, metric: str) -> np.ndarray:
    """Return the square float64 host matrix of pairwise distances, zero diagonal.

    Args:
        X: ``(n, n_features)`` NumPy or CuPy array, or ``(n, n)`` for ``"precomputed"``.
        metric: ``"euclidean"``, ``"manhattan"``, ``"cosine"`` or ``"precomputed"``.
    """
    xp = get_array_module(X)
    X = X.astype(xp.float64, copy=False)
    if metric == "precomputed":
        D = to_numpy(X).copy()
    elif metric == "euclidean":
        D = to_numpy(_euclidean(X, xp))
    elif metric == "manhattan":
        D = to_numpy(_manhattan(X, xp))
    else:
        D = to_numpy(_cosine(X, xp))
    np.fill_diagonal(D, 0.0)
    return D


def _euclidean(X: Any, xp: Any) -> Any:
    """‖x − y‖, rounded exactly like SciPy's ``pdist`` wherever that is affordable.

    Exact ties decide which of two equally close pairs merges first, so they must be the
    same ties as SciPy's. Small integer data (pixels, counts) go through the GEMM form,
    which is then exact. Other small problems use SciPy's own order of operations
    (``Σ_j (x_j − y_j)²`` accumulated feature by feature). Large float problems use the
    GEMM form on centred data, with close pairs recomputed by direct differences.
    """
    if _euclidean_mode(X, xp) == "sequential":
        return _euclidean_sequential(X, xp)
    X, sq_norms = _gemm_operands(X, xp)
    n = X.shape[0]
    D = xp.empty((n, n), dtype=xp.float64)
    loose = _REPAIR_RATIO * float(sq_norms.max())
    # Tiles of the upper triangle, each mirrored: half the work, an exactly symmetric
    # result (the NN-chain could cycle on an asymmetric one), temporaries that fit cache.
    for i0 in range(0, n, _TILE):
        for j0 in range(i0, n, _TILE):
            tile = _distance_tile(X, sq_norms, i0, j0, loose, xp)
            D[i0 : i0 + _TILE, j0 : j0 + _TILE] = tile
            if j0 != i0:
                D[j0 : j0 + _TILE, i0 : i0 + _TILE] = tile.T
    return D


def _euclidean_mode(X: Any, xp: Any) -> str:
    """``"sequential"`` (SciPy's rounding), ``"exact"`` (small integers: the GEMM form
    is exact) or ``"gemm"``."""
    n, d = X.shape
    if bool((X == xp.round(X)).all()) and float(xp.abs(X).max()) <= 2.0**20:
        return "exact"
    return "sequential" if n * n * d <= _SEQUENTIAL_BUDGET else "gemm"


def _gemm_operands(X: Any, xp: Any) -> tuple[Any, Any]:
    if _euclidean_mode(X, xp) != "exact":
        # Centring shrinks the norms that the cancellation error is proportional to.
        X = X - X.mean(axis=0)
    return X, row_norms_squared(X)


def _distance_tile(X: Any, sq_norms: Any, i0: int, j0: int, loose: float, xp: Any) -> Any:
    """Distances between rows ``i0:`` and ``j0:`` (one tile): ``sqrt(‖x‖² + ‖y‖² − 2 x·y)``,
    with the cancellation-prone pairs recomputed by direct differences."""
    Xi, Xj = X[i0 : i0 + _TILE], X[j0 : j0 + _TILE]
    sq_i, sq_j = sq_norms[i0 : i0 + _TILE], sq_norms[j0 : j0 + _TILE]
    tile = Xi @ Xj.T
    tile *= -2.0
    tile += sq_i[:, None]
    tile += sq_j[None, :]
    on_diagonal = i0 == j0
    if on_diagonal:
        xp.fill_diagonal(tile, xp.inf)
    # A pair loses digits only if d² < r (‖x‖² + ‖y‖²); a row whose minimum clears the
    # loosest form of that bound has no such pair, which spares a test per element.
    rows = xp.nonzero(tile.min(axis=1) < _REPAIR_RATIO * sq_i + loose)[0]
    if rows.shape[0]:
        sub_rows, cols = xp.nonzero(tile[rows] < _REPAIR_RATIO * (sq_i[rows, None] + sq_j))
        r = rows[sub_rows]
        diff = Xi[r] - Xj[cols]
        tile[r, cols] = xp.einsum("ij,ij->i", diff, diff)
    if on_diagonal:  # the upper triangle is the truth; the diagonal becomes exact zeros
        tile = xp.triu(tile, 1)
        tile += tile.T
    return xp.sqrt(tile, out=tile)


def _euclidean_sequential(X: Any, xp: Any) -> Any:
    n, d = X.shape
    columns = xp.ascontiguousarray(X.T)
    D = xp.empty((n, n), dtype=xp.float64)
    rows = max(1, (1 << 16) // n)
    for start in range(0, n, rows):
        block = columns[:, start : start + rows]
        acc = xp.zeros((block.shape[1], n), dtype=xp.float64)
        diff = xp.empty_like(acc)
        for j in range(d):
            xp.subtract(block[j][:, None], columns[j][None, :], out=diff)
            diff *= diff
            acc += diff
        D[start : start + rows] = xp.sqrt(acc, out=acc)
    return D


def _manhattan(X: Any, xp: Any) -> Any:
    n = X.shape[0]
    D = xp.empty((n, n), dtype=xp.float64)
    rows = max(1, (1 << 22) // max(n * X.shape[1], 1))
    for start in range(0, n, rows):
        D[start : start + rows] = xp.abs(X[start : start + rows, None, :] - X[None]).sum(-1)
    return D


def _cosine(X: Any, xp: Any) -> Any:
    norms = xp.sqrt(row_norms_squared(X))
    if bool((norms == 0).any()):
        raise ValueError(
            "metric='cosine' is undefined for all-zero samples; drop those rows or use "
            "another metric."
        )
    unit = X / norms[:, None]
    D = 1.0 - unit @ unit.T
    return xp.maximum(D, 0.0, out=D)


def _lance_williams(
    method: str, d_x: np.ndarray, d_y: np.ndarray, d_xy: float, nx: int, ny: int, ni: np.ndarray
) -> np.ndarray:
    """Distance from every cluster i to the merge of x and y (Lance–Williams updates).

    - complete: ``max(d_xi, d_yi)``
    - average:  ``(n_x d_xi + n_y d_yi) / (n_x + n_y)``
    - ward:     ``sqrt(((n_i + n_x) d_xi² + (n_i + n_y) d_yi² − n_i d_xy²) / (n_i + n_x + n_y))``
    """
    if method == "complete":
        return np.maximum(d_x, d_y)
    if method == "average":
        return (nx * d_x + ny * d_y) / (nx + ny)
    t = 1.0 / (nx + ny + ni)
    sq = (ni + nx) * t * d_x * d_x
    sq += (ni + ny) * t * d_y * d_y
    sq -= ni * t * d_xy * d_xy
    return np.sqrt(sq, out=sq)


def nn_chain_linkage(D: np.ndarray, method: str) -> np.ndarray:
    """Ward, complete or average linkage by the nearest-neighbour chain (Müllner 2011).

    Follow nearest neighbours from some cluster until two clusters are each other's
    nearest neighbour, merge them, and continue from the rest of the chain. Valid for
    reducible linkages (these three), ``O(n²)`` time, and ``D`` (``n × n``, destroyed) is
    the only quadratic allocation.

    The merged cluster takes the slot of the higher index (SciPy's convention). Dead slots
    are masked by an ``inf`` penalty added when a row is read, instead of being written
    into their column: a column write touches one cache line per row. When half the slots
    are dead the matrix is compacted to the live ones (order kept).

    Returns:
        The SciPy linkage matrix ``(n − 1, 4)``.
    """
    n = D.shape[0]
    np.fill_diagonal(D, np.inf)
    state = _ChainState(D)
    merges = np.empty((n - 1, 4))
    for k in range(n - 1):
        state.maybe_compact()
        x, y = state.reciprocal_pair()
        if x > y:
            x, y = y, x
        D, size = state.D, state.size
        d_xy = D[x, y]
        nx, ny = size[x], size[y]
        merges[k] = (state.slot_id[x], state.slot_id[y], d_xy, nx + ny)
        new = _lance_williams(method, D[x], D[y], d_xy, nx, ny, size)
        new[y] = np.inf
        D[y] = new
        D[:, y] = new
        size[y] = nx + ny
        size[x] = 0
        state.penalty[x] = np.inf
    return _sort_and_relabel(merges, n)


class _ChainState:
    """The live part of the NN-chain: distances, slots, sizes, dead mask and the chain."""

    def __init__(self, D: np.ndarray) -> None:
        n = D.shape[0]
        self.D = D
        self.slot_id = np.arange(n)  # the SciPy position index of each slot
        self.size = np.ones(n)
        self.penalty = np.zeros(n)  # inf for dead slots
        self.row = np.empty(n)
        self.chain: list[int] = []
        self.alive = n

    def reciprocal_pair(self) -> tuple[int, int]:
        """Extend the chain until its last two entries are reciprocal nearest neighbours;
        pop and return them. Ties prefer the previous chain element, then the lowest index
        (SciPy's order, so equal heights merge in the same order)."""
        chain, row = self.chain, self.row
        if not chain:
            chain.append(int(np.argmax(self.size > 0)))
        while True:
            x = chain[-1]
            np.add(self.D[x], self.penalty, out=row)
            y = int(row.argmin())
            if len(chain) > 1:
                prev = chain[-2]
                if row[prev] <= row[y]:
                    chain.pop()
                    chain.pop()
                    self.alive -= 1
                    return x, prev
            chain.append(y)

    def maybe_compact(self) -> None:
        """Pack the live rows and columns into the top-left corner of the same buffer.

        Row ``r`` of the packed matrix is read from row ``keep[r] ≥ r`` of the old one, at
        a larger stride, so writing rows in increasing order never overwrites a row that
        is still to be read; no new quadratic allocation is needed.
        """
        if 2 * self.alive > self.D.shape[0] or self.alive <= 64:
            return
        keep = np.flatnonzero(self.size > 0)
        m = len(keep)
        flat = self.D.reshape(-1) if self.D.base is None else self.D.base.reshape(-1)
        gathered = np.empty(m)
        for r, source in enumerate(keep):
            np.take(self.D[source], keep, out=gathered)
            flat[r * m : (r + 1) * m] = gathered
        new_index = np.full(len(self.size), -1)
        new_index[keep] = np.arange(m)
        self.D = flat[: m * m].reshape(m, m)
        self.slot_id, self.size = self.slot_id[keep], self.size[keep]
        self.penalty = np.zeros(m)
        self.row = np.empty(m)
        self.chain = [int(new_index[c]) for c in self.chain]


def mst_single_linkage(D: np.ndarray) -> np.ndarray:
    """Single linkage from Prim's minimum spanning tree, ``O(n²)`` time, ``O(n)`` extra.

    Grow a tree from sample 0, always adding the outside sample closest to the tree; the
    MST edges sorted by weight are exactly the single-linkage merges.

    Returns:
        The SciPy linkage matrix ``(n − 1, 4)``.
    """
    n = D.shape[0]
    merged = np.zeros(n, dtype=bool)
    outside = np.ones(n, dtype=bool)
    best = np.full(n, np.inf)
    merges = np.empty((n - 1, 4))
    x = 0
    for k in range(n - 1):
        merged[x] = True
        outside[x] = False
        best[x] = np.inf
        np.minimum(best, D[x], out=best, where=outside)
        y = int(best.argmin())
        merges[k] = (x, y, best[y], 0.0)
        x = y
    return _sort_and_relabel(merges, n)


def mst_single_linkage_features(X: Any) -> np.ndarray:
    """Single linkage by Prim's algorithm on Euclidean features, without a distance matrix.

    Each step computes one row of squared distances by GEMV (``O(n·d)``), so memory stays
    ``O(n·d)``; squared distances give the same tree, and only the ``n − 1`` chosen edges
    are square-rooted. Samples already in the tree are masked by an ``inf`` penalty and
    dropped from the arrays whenever they are half of them (order kept, so ties resolve
    to the lowest index as in SciPy). Runs on NumPy or CuPy.

    Returns:
        The SciPy linkage matrix ``(n − 1, 4)``.
    """
    xp = get_array_module(X)
    X, sq_norms = _gemm_operands(X.astype(xp.float64, copy=False), xp)
    n = X.shape[0]
    live = _PrimState(X, sq_norms, xp)
    merges = np.zeros((n - 1, 4))
    pos = 0  # position of the sample added last, in the live arrays
    for k in range(n - 1):
        live.sq_outside[pos] = xp.inf  # pos joins the tree: its row entry becomes inf
        row = live.squared_distances_from(pos)
        xp.minimum(live.best, row, out=live.best)
        nearest = int(live.best.argmin())
        # As in SciPy and fastcluster, the edge is recorded from the previously added
        # sample: after sorting, the union-find labelling gives the same dendrogram.
        merges[k, :3] = (live.index[pos], live.index[nearest], float(live.best[nearest]))
        live.best[nearest] = xp.inf
        pos = live.maybe_compact(nearest, n - 1 - k)
    merges[:, 2] = np.sqrt(merges[:, 2])
    return _sort_and_relabel(merges, n)


class _PrimState:
    """The samples not yet in Prim's tree (plus the last one added), with their data.

    ``sq_outside`` is ``‖x‖²`` for samples outside the tree and ``inf`` inside it, so one
    addition both completes the squared distance and masks the tree.
    """

    def __init__(self, X: Any, sq_norms: Any, xp: Any) -> None:
        self.xp = xp
        self._set(np.arange(X.shape[0]), -2.0 * X, X, sq_norms, sq_norms.copy())
        self.best = xp.full(X.shape[0], xp.inf)

    def _set(self, index: Any, X_m2: Any, X: Any, sq: Any, sq_outside: Any) -> None:
        self.index, self.X_m2, self.X = index, X_m2, X  # X_m2 = −2 X: one GEMV per row
        self.sq_norms, self.sq_outside = sq, sq_outside
        self.loose = _REPAIR_RATIO * float(sq.max())

    def squared_distances_from(self, pos: int) -> Any:
        """``‖x_i − x_pos‖²`` for the samples outside the tree (``inf`` inside), with the
        cancellation-prone ones recomputed by direct differences."""
        xp, X, sq = self.xp, self.X, self.sq_norms
        row = self.X_m2 @ X[pos]
        row += self.sq_outside
        row += sq[pos]
        # A pair can lose digits only if d² < r (‖x_i‖² + ‖x_pos‖²); test that per element
        # only when the smallest distance passes the loosest form of the bound.
        if float(row.min()) < self.loose + _REPAIR_RATIO * float(sq[pos]):
            close = xp.nonzero(row < _REPAIR_RATIO * (sq + sq[pos]))[0]
            diff = X[close] - X[pos]
            row[close] = xp.einsum("ij,ij->i", diff, diff)
        return row

    def maybe_compact(self, pos: int, outside: int) -> int:
        """Drop the samples already in the tree once they are half the arrays; return the
        new position of ``pos``."""
        if 2 * (outside + 1) > len(self.index) or outside < 64:
            return pos
        keep = to_numpy(self.sq_outside != self.xp.inf).nonzero()[0]
        new_pos = int(np.searchsorted(keep, pos))
        k = self.xp.asarray(keep)
        self._set(self.index[keep], self.X_m2[k], self.X[k], self.sq_norms[k], self.sq_outside[k])
        self.best = self.best[k]
        return new_pos


def _sort_and_relabel(merges: np.ndarray, n: int) -> np.ndarray:
    """Stable-sort merges by height and rename position indices to cluster ids.

    A merge records two samples, one from each cluster; a union-find over samples tells
    which cluster (leaf ``i < n`` or merge ``n + k``) each belongs to at that point.
    """
    Z = merges[np.argsort(merges[:, 2], kind="mergesort")]
    parent = np.arange(2 * n - 1)
    sizes = np.ones(2 * n - 1)
    for k in range(n - 1):
        a = _find(parent, int(Z[k, 0]))
        b = _find(parent, int(Z[k, 1]))
        a, b = (a, b) if a < b else (b, a)
        parent[a] = parent[b] = n + k
        sizes[n + k] = sizes[a] + sizes[b]
        Z[k, 0], Z[k, 1], Z[k, 3] = a, b, sizes[n + k]
    return Z


def _find(parent: np.ndarray, x: int) -> int:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression keeps later finds O(α(n))
        parent[x], x = root, parent[x]
    return int(root)
