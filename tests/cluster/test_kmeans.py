"""KMeans and MiniBatchKMeans against scikit-learn on bundled real data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepnum
from deepnum.cluster import (
    ConvergenceWarning,
    InvalidParameterError,
    KMeans,
    MiniBatchKMeans,
    NotFittedError,
    _kmeans_common,
    kmeans_plusplus,
)
from tests.conftest import reference

DATASETS = ("iris", "wine", "digits")


def load(name: str) -> np.ndarray:
    datasets = reference("sklearn.datasets")
    return getattr(datasets, f"load_{name}")().data


def sk_cluster():
    return reference("sklearn.cluster")


# -- Lloyd's algorithm against scikit-learn from the same start -------------------------


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("k", [3, 8])
def test_same_init_gives_same_labels_inertia_and_iterations(name, k):
    X = load(name)
    init = X[np.random.default_rng(k).choice(len(X), k, replace=False)]
    ours = KMeans(k, init=init).fit(X)
    ref = sk_cluster().KMeans(k, init=init, n_init=1).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-10)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-10, atol=1e-10)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours.score(X), ref.score(X), rtol=1e-10)


@pytest.mark.parametrize("name,k", [("iris", 3), ("wine", 3), ("digits", 10)])
def test_kmeans_plus_plus_best_of_n_init_within_one_percent(name, k):
    X = load(name)
    ours = KMeans(k, n_init=10, random_state=0).fit(X)
    ref = sk_cluster().KMeans(k, n_init=10, random_state=0).fit(X)
    assert ours.inertia_ <= 1.01 * ref.inertia_


def test_kmeans_plus_plus_seeding_matches_sklearn_in_distribution():
    X = load("digits")

    def potential(centers):
        return ((X[:, None, :] - centers[None]) ** 2).sum(-1).min(axis=1).sum()

    ours = [potential(kmeans_plusplus(X, 10, random_state=s)[0]) for s in range(30)]
    ref = [potential(sk_cluster().kmeans_plusplus(X, 10, random_state=s)[0]) for s in range(30)]
    assert abs(np.mean(ours) / np.mean(ref) - 1) < 0.03


def test_kmeans_plus_plus_returns_data_rows_and_indices():
    X = load("iris")
    centers, idx = kmeans_plusplus(X, 5, random_state=0, n_local_trials=1)
    assert len(set(idx.tolist())) == 5
    np.testing.assert_array_equal(centers, X[idx])
    with pytest.raises(ValueError, match=r"n_samples=150 should be >= n_clusters=151\."):
        kmeans_plusplus(X, 151)


def test_empty_cluster_is_relocated_like_sklearn():
    X = load("iris")
    init = np.vstack([X[:3], np.full((1, 4), 100.0)])  # the far centre gets no sample
    ours = KMeans(4, init=init).fit(X)
    ref = sk_cluster().KMeans(4, init=init, n_init=1).fit(X)
    assert len(np.unique(ours.labels_)) == 4
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=1e-10)
    assert ours.n_iter_ == ref.n_iter_


def test_chunked_passes_equal_one_pass(monkeypatch):
    X = load("digits")
    init = X[:10]
    whole = KMeans(10, init=init).fit(X)
    monkeypatch.setattr(_kmeans_common, "_CHUNK_BYTES", 1)  # 256-row chunks
    assert _kmeans_common.chunk_rows(len(X), 64, 10) == 256
    chunked = KMeans(10, init=init).fit(X)
    np.testing.assert_array_equal(whole.labels_, chunked.labels_)
    np.testing.assert_allclose(whole.inertia_, chunked.inertia_, rtol=1e-12)


def test_chunk_rows_bounds_memory():
    rows = _kmeans_common.chunk_rows(10**7, 50, 8)
    assert 256 <= rows and rows * (50 + 8) * 8 <= 2 * _kmeans_common._CHUNK_BYTES


# -- n_init, init, seeds ---------------------------------------------------------------


@pytest.mark.parametrize(
    "init,expected",
    [("k-means++", 1), ("random", 10), ("callable", 10), ("array", 1)],
)
def test_n_init_auto_follows_sklearn(init, expected, monkeypatch):
    X = load("iris")
    calls = []
    original = KMeans._init_centroids

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(KMeans, "_init_centroids", counting)
    if init == "callable":
        init = lambda X, k, random_state: X[:k]  # noqa: E731
    elif init == "array":
        init = X[:3]
    KMeans(3, init=init, random_state=0).fit(X)
    assert len(calls) == expected


def test_explicit_n_init_with_array_init_warns_and_runs_once():
    X = load("iris")
    with pytest.warns(RuntimeWarning, match="performing only one init"):
        km = KMeans(3, init=X[:3], n_init=5).fit(X)
    assert km._n_init == 1


def test_random_init_within_one_percent_of_sklearn():
    X = load("wine")
    ours = KMeans(3, init="random", random_state=0).fit(X)
    ref = sk_cluster().KMeans(3, init="random", random_state=0).fit(X)
    assert ours.inertia_ <= 1.01 * ref.inertia_


def test_random_state_makes_runs_repeatable():
    X = load("wine")
    a = KMeans(5, random_state=3).fit(X)
    b = KMeans(5, random_state=3).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    deepnum.utils.set_random_seed(7)
    c = KMeans(5).fit(X)
    deepnum.utils.set_random_seed(7)
    d = KMeans(5).fit(X)
    np.testing.assert_array_equal(c.labels_, d.labels_)
    e = KMeans(5, random_state=np.random.default_rng(3)).fit(X)
    assert e.inertia_ > 0


def test_fit_predict_and_fit_transform():
    X = load("iris")
    km = KMeans(3, random_state=0)
    labels = km.fit_predict(X)
    np.testing.assert_array_equal(labels, km.labels_)
    distances = KMeans(3, random_state=0).fit_transform(X)
    assert distances.shape == (150, 3)
    np.testing.assert_array_equal(distances.argmin(axis=1), labels)
    np.testing.assert_allclose(-km.score(X), km.inertia_, rtol=1e-10)


def test_float32_stays_float32_and_ints_become_float64():
    X = load("iris")
    km32 = KMeans(3, random_state=0).fit(X.astype(np.float32))
    assert km32.cluster_centers_.dtype == np.float32
    km_int = KMeans(3, random_state=0).fit((X * 10).astype(np.int64))
    assert km_int.cluster_centers_.dtype == np.float64
    ref = KMeans(3, random_state=0).fit(X)
    assert abs(km32.inertia_ / ref.inertia_ - 1) < 1e-4


def test_accepts_lists_and_tensors():
    X = load("iris")
    a = KMeans(3, init=X[:3]).fit(X.tolist())
    b = KMeans(3, init=X[:3]).fit(deepnum.tensor(X, dtype="float64"))
    np.testing.assert_array_equal(a.labels_, b.labels_)


def test_duplicate_points_warn_fewer_distinct_clusters():
    X = np.repeat([[0.0, 0.0], [1.0, 1.0]], 5, axis=0)
    with pytest.warns(ConvergenceWarning, match="distinct clusters"):
        KMeans(3, random_state=0).fit(X)


def test_tol_zero_runs_until_labels_stop_changing():
    X = load("wine")
    init = X[:4]
    ours = KMeans(4, init=init, tol=0).fit(X)
    ref = sk_cluster().KMeans(4, init=init, n_init=1, tol=0).fit(X)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(ours.labels_, ref.labels_)


def test_params_round_trip_and_repr():
    km = KMeans(4, max_iter=50)
    assert km.get_params()["n_clusters"] == 4
    assert km.set_params(tol=1e-3) is km and km.tol == 1e-3
    assert repr(km) == "KMeans(n_clusters=4, max_iter=50, tol=0.001)"
    with pytest.raises(ValueError, match="Invalid parameter 'bogus'"):
        km.set_params(bogus=1)


# -- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "X,match",
    [
        (
            np.array([1.0, 2.0, 3.0]),
            "(?s)Expected 2D array, got 1D array instead.*Reshape your data",
        ),
        (np.array(3.0), "Expected 2D array, got scalar array"),
        (np.ones((2, 3, 4)), "Found array with dim 3"),
        (np.array([[1.0, np.nan], [0.0, 1.0], [2.0, 2.0]]), "Input X contains NaN"),
        (np.array([[1.0, np.inf], [0.0, 1.0], [2.0, 2.0]]), "Input X contains infinity"),
        (np.empty((0, 2)), "Found array with 0 sample"),
        (np.array([["a", "b"]] * 3), "numeric input"),
    ],
)
def test_bad_input_messages(X, match):
    with pytest.raises(ValueError, match=match):
        KMeans(2).fit(X)


def test_fewer_samples_than_clusters():
    with pytest.raises(ValueError, match=r"n_samples=3 should be >= n_clusters=4\."):
        KMeans(4).fit(np.eye(3))


@pytest.mark.parametrize(
    "params,match",
    [
        (
            {"n_clusters": 0},
            r"'n_clusters' parameter of KMeans must be an int in the range \[1, inf\)\. Got 0",
        ),
        ({"n_clusters": 2.5}, r"'n_clusters'.*Got 2\.5"),
        ({"init": "kmeans"}, r"'init' parameter of KMeans must be a str among.*Got 'kmeans'"),
        ({"n_init": 0}, r"'n_init'.*Got 0"),
        ({"max_iter": -1}, r"'max_iter'.*Got -1"),
        ({"tol": -1.0}, r"'tol' parameter of KMeans must be a float in the range \[0\.0, inf\)"),
        ({"random_state": "seed"}, r"'random_state'.*Got 'seed'"),
    ],
)
def test_bad_parameters_name_parameter_value_and_allowed(params, match):
    params = {"n_clusters": 2, **params}
    with pytest.raises(InvalidParameterError, match=match):
        KMeans(**params).fit(load("iris"))


def test_init_array_shape_is_checked():
    X = load("iris")
    with pytest.raises(ValueError, match="does not match the number of clusters 3"):
        KMeans(3, init=X[:2]).fit(X)
    with pytest.raises(ValueError, match="does not match the number of features of the data 4"):
        KMeans(3, init=X[:3, :2]).fit(X)


def test_predict_before_fit_and_feature_mismatch():
    X = load("iris")
    with pytest.raises(NotFittedError, match="not fitted yet"):
        KMeans(3).predict(X)
    km = KMeans(3, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 2 features, but KMeans is expecting 4"):
        km.predict(X[:, :2])


# -- MiniBatchKMeans -------------------------------------------------------------------


def test_minibatch_inertia_close_to_full_kmeans():
    X = load("digits")
    full = KMeans(10, n_init=3, random_state=0).fit(X)
    ours = [MiniBatchKMeans(10, batch_size=256, n_init=3, random_state=s).fit(X) for s in range(6)]
    # Over seeds, scikit-learn's MiniBatchKMeans lands ~2.5 % above full k-means here.
    assert np.mean([m.inertia_ for m in ours]) <= 1.05 * full.inertia_
    mini = ours[0]
    assert mini.labels_.shape == (len(X),)
    assert mini.n_steps_ >= 1 and 1 <= mini.n_iter_ <= 100
    np.testing.assert_allclose(mini.inertia_, -mini.score(X), rtol=1e-10)


def test_minibatch_early_stopping_and_tol():
    X = load("wine")
    stopped = MiniBatchKMeans(3, batch_size=32, max_no_improvement=2, random_state=0).fit(X)
    assert stopped.n_steps_ < (100 * len(X)) // 32
    tol = MiniBatchKMeans(3, batch_size=32, tol=1e-2, max_no_improvement=None, random_state=0)
    assert tol.fit(X).n_steps_ < (100 * len(X)) // 32


def test_minibatch_partial_fit_streams_batches():
    X = load("digits")
    rng = np.random.default_rng(0)
    model = MiniBatchKMeans(10, random_state=0)
    for _ in range(5):
        for batch in np.array_split(X[rng.permutation(len(X))], 6):
            model.partial_fit(batch)
    assert model.n_steps_ == 30
    full = KMeans(10, n_init=3, random_state=0).fit(X)
    assert -model.score(X) <= 1.1 * full.inertia_
    with pytest.raises(ValueError, match="X has 3 features, but MiniBatchKMeans is expecting 64"):
        model.partial_fit(X[:, :3])


def test_minibatch_reassigns_starved_centres():
    X = load("iris")
    init = np.vstack([X[:2], np.full((1, 4), 50.0)])
    model = MiniBatchKMeans(3, init=init, batch_size=30, reassignment_ratio=0.5, random_state=0)
    model.fit(X)
    assert np.abs(model.cluster_centers_).max() < 20  # the far centre was moved onto data


def test_minibatch_validation():
    X = load("iris")
    with pytest.raises(InvalidParameterError, match="'batch_size'"):
        MiniBatchKMeans(3, batch_size=0).fit(X)
    with pytest.raises(InvalidParameterError, match="'reassignment_ratio'"):
        MiniBatchKMeans(3, reassignment_ratio=-1.0).fit(X)
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_clusters=5"):
        MiniBatchKMeans(5).fit(X[:3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MiniBatchKMeans(3, random_state=0, compute_labels=False).fit(X)
