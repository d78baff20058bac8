"""DistributedKMeans on sharded blobs; every rank writes ``OUT/rank<r>.npz``.

Run: ``mpiexec -n 2 python kmeans.py OUT``. The data and the initial centres are those of
:func:`make_blobs`, so a test can fit ``deepnum.cluster.KMeans`` on all of them and compare.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from deepnum import distributed


def make_blobs(n: int = 301, k: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=3.0, size=(k, 3))
    X = means[rng.integers(0, k, n)] + rng.normal(size=(n, 3))
    return X, X[rng.choice(n, k, replace=False)]


def far_init(init: np.ndarray) -> np.ndarray:
    """The same centres but one far from every sample: its cluster starts empty."""
    far = init.copy()
    far[-1] = 100.0
    return far


def main() -> None:
    out = sys.argv[1]
    distributed.init()
    X, init = make_blobs()
    local = distributed.shard(X)
    km = distributed.DistributedKMeans(n_clusters=4, init=init, n_init=1).fit(local)
    seeded = distributed.DistributedKMeans(n_clusters=4, random_state=0).fit(local)
    relocated = distributed.DistributedKMeans(n_clusters=4, init=far_init(init)).fit(local)
    os.makedirs(out, exist_ok=True)
    np.savez(
        os.path.join(out, f"rank{distributed.rank()}.npz"),
        centers=km.cluster_centers_,
        labels=km.labels_,
        inertia=km.inertia_,
        n_iter=km.n_iter_,
        seeded_centers=seeded.cluster_centers_,
        relocated_centers=relocated.cluster_centers_,
        relocated_labels=relocated.labels_,
    )


if __name__ == "__main__":
    main()
