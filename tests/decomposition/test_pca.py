"""PCA against scikit-learn on bundled real data."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum
from deepnum.cluster import InvalidParameterError, NotFittedError
from deepnum.decomposition import PCA
from deepnum.decomposition._svd import svd_flip_rows
from tests.conftest import reference

# Leading components with distinct variances, so their signs and directions are unique.
CASES = [("iris", 4), ("wine", 13), ("digits", 20)]


def load(name: str) -> np.ndarray:
    return getattr(reference("sklearn.datasets"), f"load_{name}")().data


def sk_pca(**kwargs):
    return reference("sklearn.decomposition").PCA(**kwargs)


def assert_same_fit(ours: PCA, ref, X: np.ndarray) -> None:
    assert ours.n_components_ == ref.n_components_
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-9, atol=1e-15
    )
    np.testing.assert_allclose(
        ours.explained_variance_, ref.explained_variance_, rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-8)
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-12)
    np.testing.assert_allclose(ours.noise_variance_, ref.noise_variance_, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), atol=1e-7)


@pytest.mark.parametrize("name,k", CASES)
@pytest.mark.parametrize("solver", ["full", "covariance_eigh", "auto"])
def test_matches_sklearn_component_by_component(name, k, solver):
    X = load(name)
    ours = PCA(k, svd_solver=solver).fit(X)
    ref = sk_pca(n_components=k, svd_solver=solver).fit(X)
    assert_same_fit(ours, ref, X)
    np.testing.assert_allclose(
        PCA(k, svd_solver=solver).fit_transform(X), ref.fit_transform(X), atol=1e-7
    )


@pytest.mark.parametrize("name", ["iris", "wine", "digits"])
def test_all_components_span_the_data(name):
    # With every component kept the degenerate (zero-variance) directions of digits are
    # arbitrary, so compare the spectrum and the exact round trip rather than the axes.
    X = load(name)
    ours = PCA().fit(X)
    ref = sk_pca().fit(X)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, ref.explained_variance_ratio_, atol=1e-12
    )
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, atol=1e-5)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)), X, atol=1e-8)
    assert ours.noise_variance_ == 0.0


@pytest.mark.parametrize("name,k", CASES)
def test_whiten_matches_and_gives_unit_variance(name, k):
    X = load(name)
    ours = PCA(k, whiten=True, svd_solver="full").fit(X)
    ref = sk_pca(n_components=k, whiten=True, svd_solver="full").fit(X)
    Z = ours.transform(X)
    np.testing.assert_allclose(Z, ref.transform(X), atol=1e-7)
    np.testing.assert_allclose(Z.var(axis=0, ddof=1), np.ones(k), rtol=1e-8)
    np.testing.assert_allclose(
        PCA(k, whiten=True).fit_transform(X), ref.fit_transform(X), atol=1e-7
    )
    np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Z), atol=1e-7)


@pytest.mark.parametrize("fraction", [0.5, 0.8, 0.95, 0.99])
@pytest.mark.parametrize("name", ["wine", "digits"])
def test_float_n_components_keeps_the_variance_fraction(name, fraction):
    X = load(name)
    ours = PCA(fraction).fit(X)
    ref = sk_pca(n_components=fraction).fit(X)
    assert ours.n_components_ == ref.n_components_
    assert ours.explained_variance_ratio_.sum() > fraction
    assert ours.explained_variance_ratio_[:-1].sum() <= fraction
    np.testing.assert_allclose(ours.noise_variance_, ref.noise_variance_, rtol=1e-9)


@pytest.mark.parametrize("name", ["iris", "wine", "digits"])
def test_mle_dimension_matches_sklearn(name):
    X = load(name)
    assert PCA("mle").fit(X).n_components_ == sk_pca(n_components="mle").fit(X).n_components_


@pytest.mark.parametrize("name,k", CASES)
def test_randomized_solver_close_to_full(name, k):
    X = load(name)
    k = min(k, 10)
    full = PCA(k, svd_solver="full").fit(X)
    rand = PCA(k, svd_solver="randomized", random_state=0).fit(X)
    np.testing.assert_allclose(
        rand.explained_variance_ratio_, full.explained_variance_ratio_, rtol=1e-4
    )
    np.testing.assert_allclose(rand.singular_values_, full.singular_values_, rtol=1e-4)
    np.testing.assert_allclose(rand.components_, full.components_, atol=1e-3)
    np.testing.assert_allclose(rand.noise_variance_, full.noise_variance_, rtol=1e-4)
    ref = sk_pca(n_components=k, svd_solver="randomized", random_state=0).fit(X)
    np.testing.assert_allclose(
        rand.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-4
    )
    Z = PCA(k, svd_solver="randomized", random_state=0).fit_transform(X)
    np.testing.assert_allclose(np.abs(Z), np.abs(full.transform(X)), atol=1e-2 * np.abs(Z).max())


def test_auto_solver_choice_follows_sklearn():
    rng = np.random.default_rng(0)
    tall = rng.normal(size=(2000, 20))  # n >= 10 d, d <= 1000: covariance_eigh
    wide = rng.normal(size=(600, 700))  # large, k small: randomized
    for X, k in ((tall, 5), (wide, 10), (load("iris"), 2)):
        ours = PCA(k, random_state=0).fit(X)
        ref = sk_pca(n_components=k, random_state=0).fit(X)
        np.testing.assert_allclose(
            ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=2e-2
        )


def test_transform_inverse_transform_round_trip():
    X = load("digits")
    pca = PCA(30).fit(X)
    Z = pca.transform(X)
    back = pca.inverse_transform(Z)
    # Projection is idempotent, and the reconstruction error is the discarded variance.
    np.testing.assert_allclose(pca.transform(back), Z, atol=1e-8)
    residual = ((X - back) ** 2).sum() / (len(X) - 1)
    dropped = PCA().fit(X).explained_variance_[30:].sum()
    np.testing.assert_allclose(residual, dropped, rtol=1e-8)


def test_get_covariance_matches_sklearn():
    X = load("wine")
    ours = PCA(5).fit(X)
    ref = sk_pca(n_components=5).fit(X)
    np.testing.assert_allclose(ours.get_covariance(), ref.get_covariance(), rtol=1e-8, atol=1e-8)


def test_svd_flip_rows_makes_largest_entry_positive():
    Vt = np.array([[0.1, -0.9, 0.2], [0.5, 0.1, -0.3]])
    U = np.ones((4, 2))
    U, Vt = svd_flip_rows(U, Vt.copy())
    np.testing.assert_array_equal(Vt[0], [-0.1, 0.9, -0.2])
    np.testing.assert_array_equal(U[:, 0], -1.0)
    np.testing.assert_array_equal(Vt[1], [0.5, 0.1, -0.3])


def test_float32_and_tensor_input():
    X = load("iris")
    p32 = PCA(2).fit(X.astype(np.float32))
    assert p32.components_.dtype == np.float32
    ref = PCA(2).fit(X)
    np.testing.assert_allclose(
        p32.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-4
    )
    pt = PCA(2).fit(deepnum.tensor(X, dtype="float64"))
    np.testing.assert_allclose(pt.components_, ref.components_)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (
            {"n_components": 5},
            ValueError,
            r"n_components=5 must be between 0 and min\(n_samples, "
            r"n_features\)=4",
        ),
        ({"n_components": 1.5}, InvalidParameterError, r"'n_components'.*Got 1\.5"),
        ({"n_components": -1}, InvalidParameterError, r"'n_components'.*Got -1"),
        ({"n_components": "max"}, InvalidParameterError, r"'n_components'.*Got 'max'"),
        ({"svd_solver": "arpack"}, InvalidParameterError, r"'svd_solver'.*Got 'arpack'"),
        ({"n_components": 0.5, "svd_solver": "randomized"}, ValueError, "randomized solver"),
        ({"n_oversamples": 0}, InvalidParameterError, r"'n_oversamples'"),
    ],
)
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        PCA(**kwargs).fit(load("iris"))


def test_bad_input_and_unfitted():
    with pytest.raises(ValueError, match="Input X contains NaN"):
        PCA(1).fit(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        PCA(1).fit(np.arange(4.0))
    with pytest.raises(ValueError, match="n_components='mle' is only supported if n_samples"):
        PCA("mle").fit(np.ones((3, 5)))
    with pytest.raises(NotFittedError, match="This PCA instance is not fitted yet"):
        PCA(2).transform(load("iris"))
    pca = PCA(2).fit(load("iris"))
    with pytest.raises(ValueError, match="X has 3 features, but PCA is expecting 4"):
        pca.transform(np.ones((2, 3)))
    with pytest.raises(ValueError, match="expecting 2 features"):
        pca.inverse_transform(np.ones((2, 3)))
