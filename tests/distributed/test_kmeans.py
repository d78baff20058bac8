"""DistributedKMeans on data sharded across 3 ranks equals KMeans on all the data."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from deepnum import distributed
from deepnum.cluster import KMeans
from tests.distributed.conftest import SCRIPTS, check, run_script


def _script_module():
    spec = importlib.util.spec_from_file_location("kmeans_script", SCRIPTS / "kmeans.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def three_ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("kmeans")
    check(run_script("kmeans.py", str(out), ranks=3))  # 301 samples: shards of 101, 100, 100
    runs = []
    for rank in range(3):
        with np.load(out / f"rank{rank}.npz") as data:
            runs.append({k: data[k] for k in data.files})
    return runs


@pytest.mark.parametrize("case", ["plain", "empty cluster relocated"])
def test_equals_single_process_kmeans_from_the_same_centres(three_ranks, case):
    script = _script_module()
    X, init = script.make_blobs()
    prefix = "" if case == "plain" else "relocated_"
    if case != "plain":
        init = script.far_init(init)
    expected = KMeans(n_clusters=4, init=init, n_init=1).fit(X)
    for run in three_ranks:
        np.testing.assert_allclose(
            run[f"{prefix}centers"], expected.cluster_centers_, rtol=1e-12, atol=1e-12
        )
    labels = np.concatenate([run[f"{prefix}labels"] for run in three_ranks])
    np.testing.assert_array_equal(labels, expected.labels_)
    if case == "plain":
        assert float(three_ranks[0]["inertia"]) == pytest.approx(expected.inertia_, rel=1e-12)
        assert int(three_ranks[0]["n_iter"]) == expected.n_iter_


def test_kmeans_plus_plus_seeds_agree_on_every_rank(three_ranks):
    for run in three_ranks[1:]:
        np.testing.assert_array_equal(run["seeded_centers"], three_ranks[0]["seeded_centers"])


def test_one_process_equals_kmeans():
    X, init = _script_module().make_blobs(n=120)
    got = distributed.DistributedKMeans(n_clusters=4, init=init).fit(X)
    expected = KMeans(n_clusters=4, init=init).fit(X)
    np.testing.assert_allclose(got.cluster_centers_, expected.cluster_centers_, atol=1e-12)
    np.testing.assert_array_equal(got.labels_, expected.labels_)
    assert got.n_samples_global_ == 120
    seeded = distributed.DistributedKMeans(n_clusters=4, random_state=0).fit(X)
    reference = KMeans(n_clusters=4, random_state=0).fit(X)
    np.testing.assert_allclose(seeded.cluster_centers_, reference.cluster_centers_, atol=1e-12)
    with pytest.raises(ValueError, match="n_samples=120 should be >= n_clusters=200"):
        distributed.DistributedKMeans(n_clusters=200).fit(X)
