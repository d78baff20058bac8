"""Set operations: unique (index, inverse, counts, axis, fixed size) and isin — against Keras
(values and dtypes) and NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.ops.keras_reference import check_keras

X = np.array([[3, 1, 2], [1, 3, 5]], dtype="int32")
FLAGS = {"return_inverse": True, "return_counts": True}


@pytest.mark.parametrize(
    "x, kwargs",
    [
        (X, {}),
        (X, FLAGS),
        (X.astype("float32"), {"return_counts": True}),
        (X > 2, {"return_inverse": True}),
        (X.ravel(), {"return_index": True, **FLAGS}),
        (X.ravel(), {"size": 7, "fill_value": -1, "return_counts": True, "return_index": True}),
        (X.ravel(), {"size": 2, "return_counts": True}),
        (X.ravel(), {"size": 6}),
        (np.array([[1, 2], [0, 1], [1, 2]], "int32"), {"axis": 0, **FLAGS}),
        (np.array([[1, 2, 1], [0, 1, 0]], "int32"), {"axis": -1, "size": 3, "fill_value": 9}),
        (np.array([2.0, np.nan, 2.0, np.nan], "float32"), {"return_counts": True}),
    ],
    ids=[
        "plain",
        "inverse-counts",
        "float",
        "bool",
        "index",
        "pad",
        "truncate",
        "exact-size",
        "rows",
        "columns-pad",
        "nan",
    ],
)
def test_unique_matches_keras(x, kwargs):
    """Values keep the dtype; index, inverse and counts are int64; NaN are all distinct."""
    check_keras("unique", x, **kwargs)


def test_unique_sorted_false_is_still_a_valid_answer():
    got = ops.unique(np.array([3.0, 1.0, 3.0]), sorted=False)
    np.testing.assert_array_equal(np.sort(got.numpy()), [1.0, 3.0])


def test_unique_inverse_rebuilds_x():
    values, inverse = ops.unique(X, return_inverse=True)
    np.testing.assert_array_equal(values.numpy()[inverse.numpy()], X)


@pytest.mark.parametrize("kwargs", [{}, {"invert": True}, {"assume_unique": True}])
@pytest.mark.parametrize(
    "x1, x2",
    [
        (np.array([[1, 2], [3, 4]], "int32"), np.array([2, 3], "int32")),
        (np.array([1.0, 2.5, -1.0], "float32"), np.array([[2.5], [7.0]], "float32")),
        (np.array([True, False]), np.array([1, 2], "int32")),
    ],
    ids=["int", "float", "bool-int"],
)
def test_isin_matches_keras(x1, x2, kwargs):
    check_keras("isin", x1, x2, **kwargs)


def test_outputs_carry_no_gradient():
    t = dn.tensor(np.array([1.0, 2.0, 1.0]), requires_grad=True)
    for out in (*ops.unique(t, return_counts=True), ops.isin(t, [1.0])):
        assert not out.requires_grad
