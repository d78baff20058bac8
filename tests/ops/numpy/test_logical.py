"""Logical operations on booleans and numbers, against NumPy, and the boolean operators."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops

A = np.array([[True, False, True, False]])
B = np.array([[1.0, 1.0, 0.0, 0.0], [0.5, 0.0, 2.0, 0.0]])


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_binary_logical_matches_numpy(name):
    out = getattr(ops, name)(A, B)
    assert out.dtype == bool and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), getattr(np, name)(A, B))


def test_logical_not():
    np.testing.assert_array_equal(ops.logical_not(B).numpy(), np.logical_not(B))


def test_boolean_operators():
    a, b = dn.tensor(A), dn.tensor(B != 0)
    np.testing.assert_array_equal((a & b).numpy(), A & (B != 0))
    np.testing.assert_array_equal((a | b).numpy(), A | (B != 0))
    np.testing.assert_array_equal((a ^ b).numpy(), A ^ (B != 0))
    np.testing.assert_array_equal((~a).numpy(), ~A)
    np.testing.assert_array_equal((True & a).numpy(), A)


def test_mask_from_comparisons():
    x = dn.tensor(np.array([-1.0, 0.5, 2.0]))
    np.testing.assert_array_equal(((x > 0) & (x < 1)).numpy(), [False, True, False])
