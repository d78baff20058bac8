"""Counting into bins: bincount, digitize, histogram — against Keras (values and dtypes) and
NumPy; their outputs carry no gradient."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.ops.keras_reference import check_keras

LABELS = np.array([1, 3, 1, 0, 4, 1], dtype="int32")


@pytest.mark.parametrize(
    "x, kwargs",
    [
        (LABELS, {}),
        (LABELS, {"minlength": 8}),
        (LABELS.astype("uint8"), {"minlength": 2}),
        (LABELS, {"weights": np.linspace(0.5, 3.0, 6).astype("float32")}),
        (LABELS, {"weights": np.arange(6, dtype="int32")}),
        (LABELS, {"weights": np.linspace(0.5, 3.0, 6).astype("float16")}),
        (LABELS.reshape(2, 3), {"minlength": 5}),
        (np.array([[0, 1, 2], [2, 2, 0]], "int32"), {"weights": np.ones((2, 3), "float32")}),
    ],
    ids=["plain", "minlength", "uint8", "weights", "int-weights", "f16-weights", "2d", "2d-w"],
)
def test_bincount_matches_keras(x, kwargs):
    check_keras("bincount", x, **kwargs)


def test_bincount_rows_share_one_length():
    """Each row of a 2-d x counts into max(minlength, max(x) + 1) bins (Keras's PyTorch backend
    needs rows of equal maxima to stack them)."""
    x = np.array([[0, 1, 1], [4, 2, 0]], dtype="int32")
    got = ops.bincount(x, minlength=3)
    np.testing.assert_array_equal(got.numpy(), [np.bincount(row, minlength=5) for row in x])


@pytest.mark.parametrize(
    "x, kwargs, error, match",
    [
        (np.array([0, -1, 2]), {}, ValueError, "bincount: x must hold non-negative integers"),
        (np.array([0.5, 1.0]), {}, TypeError, "bincount: x must hold integers"),
        (LABELS, {"sparse": True}, ValueError, "bincount: sparse=True is not supported"),
        (LABELS, {"weights": np.ones(2)}, ValueError, r"weights of shape \(2,\) must match"),
        (np.zeros((2, 2, 2), "int32"), {}, ValueError, "bincount: x must be 1-d or 2-d"),
    ],
)
def test_bincount_errors(x, kwargs, error, match):
    with pytest.raises(error, match=match):
        ops.bincount(x, **kwargs)


@pytest.mark.parametrize(
    "x",
    [
        np.array([0.0, 1.0, 3.0, 1.6, 7.0, -2.0, 4.5], "float32"),
        np.array([[0, 3], [5, 8]], "int32"),
        np.array([True, False]),
    ],
    ids=["float", "int", "bool"],
)
def test_digitize_matches_keras(x):
    check_keras("digitize", x, np.array([0.0, 3.0, 4.5, 7.0], "float32"))


@pytest.mark.parametrize(
    "x, kwargs",
    [
        (np.random.default_rng(0).standard_normal(50).astype("float32"), {}),
        (np.random.default_rng(1).standard_normal(40).astype("float32"), {"bins": 7}),
        (np.array([0.0, 1.0, 1.0, 2.0, 5.0], "float32"), {"bins": 3}),
        (np.array([0.0, 1.0, 1.0, 2.0, 5.0], "float32"), {"bins": 2, "range": (0, 2)}),
        (np.array([1.0, 1.0], "float32"), {"bins": 2}),
        (np.random.default_rng(2).uniform(0, 1, 30), {"bins": 4, "range": (0.25, 0.75)}),
    ],
    ids=["default", "bins", "edges", "range", "constant", "float64-range"],
)
def test_histogram_matches_keras(x, kwargs):
    """Counts in x's float dtype; edges as PyTorch's linspace computes them."""
    check_keras("histogram", x, **kwargs)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"bins": 2.5}, TypeError, "histogram: bins must be an int"),
        ({"bins": 0}, ValueError, "histogram: bins must be a positive int"),
        ({"range": [0, 1]}, ValueError, r"histogram: range must be a tuple"),
        ({"range": (1, 0)}, ValueError, r"histogram: range must have low <= high"),
    ],
)
def test_histogram_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        ops.histogram(np.ones(3), **kwargs)


def test_histogram_of_integers_counts_like_numpy():
    x = np.array([1, 2, 2, 3, 7], dtype="int32")
    counts, edges = ops.histogram(x, bins=3)
    want_counts, want_edges = np.histogram(x, bins=3)
    np.testing.assert_array_equal(counts.numpy(), want_counts)
    np.testing.assert_allclose(edges.numpy(), want_edges, rtol=1e-6)
    assert counts.dtype == "float32"


def test_outputs_carry_no_gradient():
    t = dn.tensor(np.array([0.5, 1.5, 2.5]), requires_grad=True)
    counts, edges = ops.histogram(t, bins=2)
    assert not counts.requires_grad and not edges.requires_grad
    assert not ops.digitize(t, [1.0, 2.0]).requires_grad
    assert not ops.bincount(LABELS, weights=dn.tensor(np.ones(6), requires_grad=True)).requires_grad
