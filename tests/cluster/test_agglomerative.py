"""AgglomerativeClustering against scikit-learn (labels) and SciPy (linkage matrix)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.cluster import AgglomerativeClustering, InvalidParameterError, _hierarchy
from deepnum.cluster._agglomerative import cut_tree
from tests.conftest import reference

LINKAGES = ("ward", "complete", "average", "single")


def load(name: str) -> np.ndarray:
    return getattr(reference("sklearn.datasets"), f"load_{name}")().data


def scipy_linkage(X, method, metric="euclidean"):
    return reference("scipy.cluster.hierarchy").linkage(X, method=method, metric=metric)


def ari(a, b) -> float:
    return reference("sklearn.metrics").adjusted_rand_score(a, b)


def sk_agglomerative(**kwargs):
    return reference("sklearn.cluster").AgglomerativeClustering(**kwargs)


def assert_same_tree(ours: np.ndarray, Z: np.ndarray) -> None:
    """Same merges (children, sizes) and the same heights as SciPy's linkage."""
    np.testing.assert_array_equal(ours[:, [0, 1, 3]], Z[:, [0, 1, 3]])
    np.testing.assert_allclose(ours[:, 2], Z[:, 2], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["iris", "wine", "digits"])
@pytest.mark.parametrize("linkage", LINKAGES)
def test_labels_and_linkage_match_sklearn_and_scipy(name, linkage):
    X = load(name)
    Z = scipy_linkage(X, linkage)
    for k in (2, 3, 10):
        ours = AgglomerativeClustering(n_clusters=k, linkage=linkage).fit(X)
        ref = sk_agglomerative(n_clusters=k, linkage=linkage).fit(X)
        assert ari(ours.labels_, ref.labels_) == 1.0
        assert ours.n_clusters_ == k and len(np.unique(ours.labels_)) == k
    assert_same_tree(ours.linkage_matrix_, Z)
    np.testing.assert_array_equal(ours.children_, Z[:, :2].astype(np.intp))
    assert ours.n_leaves_ == len(X) and ours.n_connected_components_ == 1
    if linkage != "single":
        # scikit-learn delegates these three to SciPy, so even the label numbers agree;
        # its single linkage orders tied MST edges its own way.
        np.testing.assert_array_equal(ours.children_, ref.children_)
        np.testing.assert_array_equal(ours.labels_, ref.labels_)


@pytest.mark.parametrize("linkage", LINKAGES)
def test_large_float_data_takes_gemm_path_and_still_matches(linkage):
    # n² d above the SciPy-rounding budget: GEMM distances with close pairs repaired.
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=3.0, size=(6, 40))
    X = centers[rng.integers(0, 6, 700)] + rng.normal(size=(700, 40))
    X[5] = X[17]  # an exact duplicate must merge at height 0
    assert _hierarchy._euclidean_mode(X, np) == "gemm"
    ours = AgglomerativeClustering(n_clusters=6, linkage=linkage).fit(X)
    ref = sk_agglomerative(n_clusters=6, linkage=linkage).fit(X)
    assert ari(ours.labels_, ref.labels_) == 1.0
    Z = scipy_linkage(X, linkage)
    np.testing.assert_allclose(ours.linkage_matrix_[:, 2], Z[:, 2], rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(ours.linkage_matrix_[:, 3], Z[:, 3])
    assert ours.linkage_matrix_[0, 2] == 0.0


def test_distance_matrix_is_symmetric_with_exact_zero_diagonal():
    X = np.random.default_rng(1).normal(loc=50.0, size=(600, 30))
    D = _hierarchy.pairwise_distances(X, "euclidean")
    np.testing.assert_array_equal(D, D.T)
    assert (np.diag(D) == 0).all()
    ref = reference("scipy.spatial.distance")
    np.testing.assert_allclose(D, ref.squareform(ref.pdist(X)), rtol=1e-11)


def test_small_float_data_rounds_like_scipy_pdist():
    X = load("iris")
    ref = reference("scipy.spatial.distance")
    D = _hierarchy.pairwise_distances(X, "euclidean")
    np.testing.assert_array_equal(D, ref.squareform(ref.pdist(X)))


@pytest.mark.parametrize("threshold", [0.5, 3.0, 10.0])
@pytest.mark.parametrize("linkage", LINKAGES)
def test_distance_threshold_matches_sklearn(linkage, threshold):
    X = load("iris")
    ours = AgglomerativeClustering(None, linkage=linkage, distance_threshold=threshold).fit(X)
    ref = sk_agglomerative(n_clusters=None, linkage=linkage, distance_threshold=threshold)
    ref.fit(X)
    assert ours.n_clusters_ == ref.n_clusters_
    assert ari(ours.labels_, ref.labels_) == 1.0
    np.testing.assert_allclose(ours.distances_, ref.distances_, rtol=1e-12)


def test_compute_distances_stores_heights():
    X = load("wine")
    ours = AgglomerativeClustering(3, compute_distances=True).fit(X)
    ref = sk_agglomerative(n_clusters=3, compute_distances=True).fit(X)
    np.testing.assert_allclose(ours.distances_, ref.distances_, rtol=1e-12)
    assert not hasattr(AgglomerativeClustering(3).fit(X), "distances_")


@pytest.mark.parametrize(
    "metric,scipy_metric",
    [("manhattan", "cityblock"), ("l1", "cityblock"), ("cosine", "cosine"), ("l2", "euclidean")],
)
@pytest.mark.parametrize("linkage", ["complete", "average", "single"])
def test_other_metrics_match(metric, scipy_metric, linkage):
    X = load("wine")
    ours = AgglomerativeClustering(4, metric=metric, linkage=linkage).fit(X)
    ref = sk_agglomerative(n_clusters=4, metric=metric, linkage=linkage).fit(X)
    assert ari(ours.labels_, ref.labels_) == 1.0
    Z = scipy_linkage(X, linkage, scipy_metric)
    np.testing.assert_allclose(ours.linkage_matrix_[:, 2], Z[:, 2], rtol=1e-9, atol=1e-12)


def test_precomputed_distances():
    X = load("iris")
    D = reference("scipy.spatial.distance").squareform(
        reference("scipy.spatial.distance").pdist(X, "cityblock")
    )
    ours = AgglomerativeClustering(3, metric="precomputed", linkage="average").fit(D)
    ref = sk_agglomerative(n_clusters=3, metric="precomputed", linkage="average").fit(D)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    with pytest.raises(ValueError, match="square distance matrix"):
        AgglomerativeClustering(3, metric="precomputed", linkage="average").fit(X)


def test_children_structure_is_consistent():
    X = load("wine")
    model = AgglomerativeClustering(3, linkage="average").fit(X)
    n = len(X)
    Z = model.linkage_matrix_
    seen = set()
    for k, (a, b) in enumerate(model.children_):
        assert a < b < n + k  # children exist before their parent, smaller id first
        assert a not in seen and b not in seen  # each node merges exactly once
        seen.update((a, b))
        size = sum(1 if c < n else Z[c - n, 3] for c in (a, b))
        assert Z[k, 3] == size
    assert seen == set(range(2 * n - 2))
    assert (np.diff(Z[:, 2]) >= 0).all()


def test_cut_tree_partitions_by_undoing_last_merges():
    X = load("iris")
    model = AgglomerativeClustering(1, linkage="ward").fit(X)
    assert (model.labels_ == 0).all()
    for k in (1, 2, 7, 150):
        labels = cut_tree(model.children_, k, len(X))
        assert len(np.unique(labels)) == k
    with pytest.raises(ValueError, match="Cannot extract more clusters than samples"):
        cut_tree(model.children_, 151, len(X))


def test_nn_chain_compaction_keeps_results(monkeypatch):
    X = load("digits")[:400]
    before = AgglomerativeClustering(5, linkage="average").fit(X).linkage_matrix_
    # Never compact: a different memory path must give the identical tree.
    monkeypatch.setattr(_hierarchy._ChainState, "maybe_compact", lambda self: None)
    after = AgglomerativeClustering(5, linkage="average").fit(X).linkage_matrix_
    np.testing.assert_array_equal(before, after)


def test_fit_predict_and_params():
    X = load("iris")
    model = AgglomerativeClustering(3, linkage="complete")
    np.testing.assert_array_equal(model.fit_predict(X), model.labels_)
    assert model.get_params()["linkage"] == "complete"
    assert repr(model) == "AgglomerativeClustering(n_clusters=3, linkage='complete')"


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"linkage": "centroid"}, InvalidParameterError, r"'linkage'.*Got 'centroid'"),
        ({"metric": "mahalanobis"}, InvalidParameterError, r"'metric'.*Got 'mahalanobis'"),
        ({"metric": "cosine"}, InvalidParameterError, "not supported with linkage='ward'"),
        ({"n_clusters": 0}, InvalidParameterError, r"'n_clusters'.*\[1, inf\).*Got 0"),
        ({"n_clusters": None}, ValueError, "Exactly one of n_clusters and distance_threshold"),
        ({"distance_threshold": 1.0}, ValueError, "Exactly one of n_clusters"),
        ({"n_clusters": 151}, ValueError, r"n_samples=150 should be >= n_clusters=151\."),
    ],
)
def test_bad_parameters(kwargs, error, match):
    params = {"n_clusters": 2, **kwargs}
    with pytest.raises(error, match=match):
        AgglomerativeClustering(**params).fit(load("iris"))


def test_bad_input():
    with pytest.raises(ValueError, match="minimum of 2 is required by AgglomerativeClustering"):
        AgglomerativeClustering(1).fit(np.ones((1, 3)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        AgglomerativeClustering(2).fit(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        AgglomerativeClustering(2).fit(np.arange(5.0))
    with pytest.raises(ValueError, match="all-zero samples"):
        AgglomerativeClustering(2, metric="cosine", linkage="average").fit(np.eye(3) * [0, 1, 1])
