"""Benchmark: deepnum's KMeans, PCA and AgglomerativeClustering against scikit-learn.

Each case is timed interleaved (deepnum, scikit-learn, deepnum, scikit-learn, ...) after
one untimed warm-up of each, so a noisy machine slows both sides alike; the row reports
the median times and ``ratio = deepnum / scikit-learn`` (below 1: deepnum is faster).

Run: ``python -m bench.bench_unsupervised [--repeats N] [--quick]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _blobs(n: int, d: int, centers: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=4.0, size=(centers, d))
    return means[rng.integers(0, centers, n)] + rng.normal(size=(n, d))


def _low_rank(n: int, d: int, rank: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scales = np.linspace(3.0, 0.3, rank)[:, None]
    X = rng.normal(size=(n, rank)) @ (scales * rng.normal(size=(rank, d)))
    return X + 0.1 * rng.normal(size=(n, d)) + 5.0


def _interleaved(ours: Callable[[], Any], ref: Callable[[], Any], repeats: int) -> tuple:
    ours()
    ref()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for fn, bucket in ((ours, times[0]), (ref, times[1])):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def _cases(quick: bool) -> list[tuple[str, Callable, Callable]]:
    from sklearn import cluster as sk_cluster
    from sklearn import decomposition as sk_decomposition

    from deepnum import cluster, decomposition

    n_km, n_pca, n_agg = (20_000, 5_000, 1_500) if quick else (100_000, 20_000, 5_000)
    X_km = _blobs(n_km, 50, 8, seed=0)
    init = X_km[np.random.default_rng(1).choice(n_km, 8, replace=False)]
    X_pca = _low_rank(n_pca, 784, 60, seed=2)
    X_agg = _blobs(n_agg, 10, 8, seed=3)

    cases = [
        (
            f"KMeans {n_km}x50, k=8, same init (Lloyd)",
            lambda: cluster.KMeans(8, init=init).fit(X_km),
            lambda: sk_cluster.KMeans(8, init=init, n_init=1).fit(X_km),
        ),
        (
            f"KMeans {n_km}x50, k=8, k-means++ (n_init=1)",
            lambda: cluster.KMeans(8, random_state=0).fit(X_km),
            lambda: sk_cluster.KMeans(8, random_state=0).fit(X_km),
        ),
        (
            f"PCA {n_pca}x784 -> 50, svd_solver=auto",
            lambda: decomposition.PCA(50).fit_transform(X_pca),
            lambda: sk_decomposition.PCA(50).fit_transform(X_pca),
        ),
        (
            f"PCA {n_pca}x784 -> 50, randomized",
            lambda: decomposition.PCA(50, svd_solver="randomized", random_state=0).fit(X_pca),
            lambda: sk_decomposition.PCA(50, svd_solver="randomized", random_state=0).fit(X_pca),
        ),
    ]
    for linkage in ("ward", "complete", "average", "single"):
        cases.append(
            (
                f"Agglomerative {n_agg}x10, {linkage}",
                lambda linkage=linkage: cluster.AgglomerativeClustering(8, linkage=linkage).fit(
                    X_agg
                ),
                lambda linkage=linkage: sk_cluster.AgglomerativeClustering(8, linkage=linkage).fit(
                    X_agg
                ),
            )
        )
    return cases


def run(repeats: int = 3, quick: bool = False) -> list[dict[str, Any]]:
    """Time every case and return one row per case.

    Args:
        repeats: timed runs of each side (after one warm-up each).
        quick: smaller inputs, for a fast smoke run.

    Returns:
        Rows ``{"case", "deepnum_s", "sklearn_s", "ratio"}``; ``ratio < 1`` means deepnum
        is faster.
    """
    rows = []
    for name, ours, ref in _cases(quick):
        t_ours, t_ref = _interleaved(ours, ref, repeats)
        rows.append(
            {"case": name, "deepnum_s": t_ours, "sklearn_s": t_ref, "ratio": t_ours / t_ref}
        )
    return rows


def _print(rows: list[dict[str, Any]]) -> None:
    width = max(len(r["case"]) for r in rows)
    print(f"{'case':<{width}}  {'deepnum':>9}  {'sklearn':>9}  {'ratio':>6}")
    for r in rows:
        print(
            f"{r['case']:<{width}}  {r['deepnum_s']:>8.3f}s  {r['sklearn_s']:>8.3f}s  "
            f"{r['ratio']:>6.2f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    args = parser.parse_args(argv)
    _print(run(args.repeats, args.quick))


if __name__ == "__main__":
    main()
