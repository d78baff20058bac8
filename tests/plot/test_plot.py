"""deepnum.plot: dendrogram layout against SciPy, PNG files, atomic writes."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from deepnum.cluster import AgglomerativeClustering
from deepnum.decomposition import PCA
from deepnum.plot import dendrogram, dendrogram_layout, linkage_from, scatter_2d
from tests.conftest import reference

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load(name: str) -> np.ndarray:
    return getattr(reference("sklearn.datasets"), f"load_{name}")().data


def scipy_dendrogram(Z, **kwargs):
    return reference("scipy.cluster.hierarchy").dendrogram(Z, no_plot=True, **kwargs)


@pytest.fixture
def matplotlib():
    return reference("matplotlib")


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
@pytest.mark.parametrize("name", ["iris", "digits"])
def test_layout_equals_scipy(name, linkage):
    X = load(name)
    model = AgglomerativeClustering(3, linkage=linkage).fit(X)
    ours = dendrogram(model, no_plot=True)
    ref = scipy_dendrogram(model.linkage_matrix_)
    assert ours["leaves"] == ref["leaves"]
    for key in ("icoord", "dcoord", "color_list", "ivl"):
        assert ours[key] == ref[key], key


@pytest.mark.parametrize("p", [5, 12, 30])
def test_lastp_truncation_equals_scipy(p):
    Z = AgglomerativeClustering(3).fit(load("wine")).linkage_matrix_
    ours = dendrogram_layout(Z, truncate_mode="lastp", p=p)
    ref = scipy_dendrogram(Z, truncate_mode="lastp", p=p)
    for key in ("leaves", "icoord", "dcoord", "color_list", "ivl"):
        assert ours[key] == ref[key], key


@pytest.mark.parametrize("threshold", [0.0, 2.0, 1e9])
def test_color_threshold_and_labels_equal_scipy(threshold):
    X = load("iris")[:40]
    Z = AgglomerativeClustering(2, linkage="average").fit(X).linkage_matrix_
    labels = [f"s{i}" for i in range(40)]
    ours = dendrogram_layout(Z, color_threshold=threshold, labels=labels)
    ref = scipy_dendrogram(Z, color_threshold=threshold, labels=labels)
    assert ours["color_list"] == ref["color_list"]
    assert ours["ivl"] == ref["ivl"]


def test_deep_chain_needs_no_recursion():
    # Single linkage on a line makes a tree 2999 levels deep.
    # (SciPy's own dendrogram recurses and hits Python's recursion limit here.)
    n = 3000
    X = np.cumsum(np.linspace(1.0, 2.0, n))[:, None]  # gaps grow: each point joins in turn
    model = AgglomerativeClustering(2, linkage="single").fit(X)
    leaves = dendrogram(model, no_plot=True)["leaves"]
    assert leaves == list(range(n - 1, 1, -1)) + [0, 1]
    small = AgglomerativeClustering(2, linkage="single").fit(X[:300]).linkage_matrix_
    assert dendrogram(small, no_plot=True)["leaves"] == scipy_dendrogram(small)["leaves"]


def test_dendrogram_writes_png(tmp_path, matplotlib):
    model = AgglomerativeClustering(3, linkage="ward").fit(load("iris"))
    path = tmp_path / "tree.png"
    result = dendrogram(model, path, title="iris, ward")
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert result["figure"] is not None
    assert os.listdir(tmp_path) == ["tree.png"]  # no temporary file left behind


@pytest.mark.parametrize("orientation", ["top", "bottom", "left", "right"])
def test_dendrogram_orientations_and_truncation(tmp_path, matplotlib, orientation):
    model = AgglomerativeClustering(3).fit(load("digits"))
    path = tmp_path / f"{orientation}.png"
    dendrogram(model, str(path), orientation=orientation, truncate_mode="lastp", p=20)
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_dendrogram_other_formats_and_existing_axes(tmp_path, matplotlib):
    from matplotlib.figure import Figure

    Z = AgglomerativeClustering(2).fit(load("iris")[:30]).linkage_matrix_
    dendrogram(Z, tmp_path / "tree.svg")
    assert (tmp_path / "tree.svg").read_text().lstrip().startswith("<?xml")
    fig = Figure()
    ax = fig.add_subplot()
    result = dendrogram(Z, ax=ax)
    assert result["figure"] is fig and len(ax.collections) >= 1


def test_dendrogram_accepts_sklearn_models_with_distances():
    X = load("iris")
    ref = reference("sklearn.cluster").AgglomerativeClustering(3, compute_distances=True).fit(X)
    ours = AgglomerativeClustering(3).fit(X)
    np.testing.assert_allclose(linkage_from(ref), ours.linkage_matrix_)
    no_distances = reference("sklearn.cluster").AgglomerativeClustering(3).fit(X)
    with pytest.raises(ValueError, match="compute_distances=True"):
        linkage_from(no_distances)


def test_dendrogram_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shape \(n_samples - 1, 4\)"):
        dendrogram(np.ones((3, 3)), no_plot=True)
    with pytest.raises(ValueError, match="Invalid linkage matrix"):
        dendrogram(np.array([[0.0, 5.0, 1.0, 2.0]]), no_plot=True)
    Z = AgglomerativeClustering(2).fit(load("iris")[:10]).linkage_matrix_
    with pytest.raises(ValueError, match="labels has 3 entries but the tree has 10"):
        dendrogram(Z, no_plot=True, labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="orientation"):
        dendrogram(Z, orientation="up")


def test_scatter_2d_writes_png(tmp_path, matplotlib):
    X = load("digits")
    labels = reference("sklearn.datasets").load_digits().target
    Z = PCA(2).fit_transform(X)
    path = tmp_path / "digits_pca.png"
    fig = scatter_2d(Z, labels, path, title="digits, PCA")
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert len(fig.axes[0].collections) == 10
    assert os.listdir(tmp_path) == ["digits_pca.png"]
    scatter_2d(Z, None, tmp_path / "plain.png")
    assert (tmp_path / "plain.png").read_bytes()[:8] == PNG_MAGIC


def test_scatter_2d_rejects_bad_input(matplotlib):
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        scatter_2d(np.ones(5))
    with pytest.raises(ValueError, match="labels has 3 entries but X2 has 5 rows"):
        scatter_2d(np.ones((5, 2)), [0, 1, 2])


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, matplotlib):
    path = tmp_path / "plot.png"
    path.write_bytes(b"old")
    with pytest.raises(ValueError):
        scatter_2d(np.ones((5, 2)), to_file=tmp_path / "plot.notaformat")
    assert path.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["plot.png"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        scatter_2d(np.ones((5, 2)), to_file=tmp_path / "missing" / "plot.png")


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    for module in list(sys.modules):
        if module == "matplotlib" or module.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install deepnum\[plot\]"):
        scatter_2d(np.ones((5, 2)))
    Z = np.array([[0.0, 1.0, 1.0, 2.0]])
    assert dendrogram(Z, no_plot=True)["leaves"] == [0, 1]  # layout needs no matplotlib
