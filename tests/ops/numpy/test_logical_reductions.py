"""Logical reductions: all, any, count_nonzero — against Keras (bool / int32 results, axes,
keepdims, empty axes) and NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.ops.keras_reference import check_keras

X = np.array([[0, 1, 2], [0, 0, 3]], dtype="int32")
DTYPES = ["bool", "int8", "int32", "float32"]


@pytest.mark.parametrize(
    "axis, keepdims", [(None, False), (0, False), (-1, True), ((0, 1), True), ((), False)]
)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any_match_keras(name, dtype, axis, keepdims):
    check_keras(name, X.astype(dtype), axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), ()])
@pytest.mark.parametrize("dtype", DTYPES)
def test_count_nonzero_matches_keras(dtype, axis):
    check_keras("count_nonzero", X.astype(dtype), axis=axis)


def test_count_nonzero_keeps_the_remaining_axes_in_order_like_numpy():
    """Keras's PyTorch backend transposes results of rank 2 and more; NumPy's order is kept."""
    x = np.random.default_rng(0).integers(0, 2, (2, 3, 4))
    got = ops.count_nonzero(x, axis=0)
    np.testing.assert_array_equal(got.numpy(), np.count_nonzero(x, axis=0))
    assert got.dtype == "int32"


def test_nan_counts_as_true():
    x = np.array([np.nan, 0.0])
    assert ops.any(x).item() and not ops.all(x).item()
    assert ops.count_nonzero(x).item() == 1


def test_outputs_carry_no_gradient():
    t = dn.tensor(np.array([[0.5, 0.0]]), requires_grad=True)
    for out in (ops.all(t), ops.any(t, axis=1), ops.count_nonzero(t), t.any(), t.all(axis=0)):
        assert not out.requires_grad
