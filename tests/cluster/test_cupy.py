"""The estimators on CuPy arrays give the NumPy results (skipped without a CUDA device)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.backend import cupy_available, to_numpy
from deepnum.cluster import AgglomerativeClustering, KMeans, MiniBatchKMeans
from deepnum.decomposition import PCA
from tests.conftest import reference

pytestmark = pytest.mark.skipif(not cupy_available(), reason="needs CuPy and a CUDA device")


@pytest.fixture
def data():
    import cupy

    X = reference("sklearn.datasets").load_digits().data
    return X, cupy.asarray(X)


def test_kmeans_on_cupy(data):
    X, X_gpu = data
    cpu = KMeans(10, init=X[:10]).fit(X)
    gpu = KMeans(10, init=X_gpu[:10]).fit(X_gpu)
    assert type(gpu.labels_).__module__.startswith("cupy")
    np.testing.assert_array_equal(to_numpy(gpu.labels_), cpu.labels_)
    np.testing.assert_allclose(gpu.inertia_, cpu.inertia_, rtol=1e-9)
    assert gpu.n_iter_ == cpu.n_iter_
    np.testing.assert_array_equal(to_numpy(gpu.predict(X_gpu)), cpu.predict(X))
    pp = KMeans(10, random_state=0).fit(X_gpu)
    assert pp.inertia_ <= 1.05 * KMeans(10, random_state=0).fit(X).inertia_
    mini = MiniBatchKMeans(10, random_state=0).fit(X_gpu)
    assert mini.inertia_ <= 1.1 * cpu.inertia_


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
def test_agglomerative_on_cupy(data, linkage):
    X, X_gpu = data
    cpu = AgglomerativeClustering(10, linkage=linkage).fit(X)
    gpu = AgglomerativeClustering(10, linkage=linkage).fit(X_gpu)
    np.testing.assert_array_equal(gpu.linkage_matrix_, cpu.linkage_matrix_)
    np.testing.assert_array_equal(to_numpy(gpu.labels_), cpu.labels_)


@pytest.mark.parametrize("solver", ["full", "covariance_eigh", "randomized"])
def test_pca_on_cupy(data, solver):
    X, X_gpu = data
    cpu = PCA(10, svd_solver=solver, random_state=0).fit(X)
    gpu = PCA(10, svd_solver=solver, random_state=0).fit(X_gpu)
    np.testing.assert_allclose(
        to_numpy(gpu.explained_variance_ratio_), cpu.explained_variance_ratio_, rtol=1e-6
    )
    np.testing.assert_allclose(to_numpy(gpu.components_), cpu.components_, atol=1e-6)
    np.testing.assert_allclose(to_numpy(gpu.transform(X_gpu)), cpu.transform(X), atol=1e-5)
    back = to_numpy(gpu.inverse_transform(gpu.transform(X_gpu)))
    np.testing.assert_allclose(back, cpu.inverse_transform(cpu.transform(X)), atol=1e-5)
    assert PCA(0.9).fit(X_gpu).n_components_ == PCA(0.9).fit(X).n_components_
