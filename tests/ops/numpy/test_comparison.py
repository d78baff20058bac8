"""Comparisons and classification: values against NumPy/PyTorch with broadcasting, boolean
results without gradients, the Tensor operators, and isclose/allclose against torch."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.keras_reference import check_keras

torch = reference("torch")

COMPARISONS = [
    ("equal", operator.eq),
    ("not_equal", operator.ne),
    ("greater", operator.gt),
    ("greater_equal", operator.ge),
    ("less", operator.lt),
    ("less_equal", operator.le),
]
A = np.array([[1.0, 2.0, np.nan], [3.0, -1.0, 2.0]])
B = np.array([2.0, 2.0, 1.0])


@pytest.mark.parametrize("name, op", COMPARISONS, ids=[n for n, _ in COMPARISONS])
def test_comparisons_match_numpy_and_operators(name, op):
    t = dn.tensor(A, requires_grad=True)
    out = getattr(ops, name)(t, B)
    assert out.dtype == bool and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), op(A, B))
    np.testing.assert_array_equal(op(t, B).numpy(), op(A, B))
    np.testing.assert_array_equal(op(t, 2).numpy(), op(A, 2))
    np.testing.assert_array_equal(op(B, t).numpy(), op(B, A))


def test_comparison_promotes_like_keras():
    # 16777217 is not a float32: compared as float32 (Keras's promotion) it equals 16777216.
    x = np.array([16777217], "int32")
    check_keras("equal", x, np.array([16777216.0], "float32"))
    check_keras("less", np.array([1, 2], "uint8"), np.array([-1, 3], "int8"))


def test_equality_with_non_numbers_is_python_identity():
    t = dn.tensor([1.0])
    assert (t == None) is False  # noqa: E711 - the operator is what is tested
    assert (t != "a") is True
    assert t in [t] and hash(t) == object.__hash__(t)


def test_broadcast_error_names_the_op():
    with pytest.raises(ValueError, match=r"greater: shapes \(2,\) and \(3,\)"):
        ops.greater(np.ones(2), np.ones(3))


@pytest.mark.parametrize(
    "rtol, atol, equal_nan", [(1e-5, 1e-8, False), (1e-2, 0.0, False), (0.0, 0.5, True)]
)
def test_isclose_allclose_match_torch(rtol, atol, equal_nan):
    a = np.array([1.0, 1.001, np.nan, np.inf, -np.inf, 0.0, 1e-9])
    b = np.array([1.0, 1.0, np.nan, np.inf, np.inf, 0.3, 0.0])
    want = torch.isclose(torch.tensor(a), torch.tensor(b), rtol, atol, equal_nan).numpy()
    np.testing.assert_array_equal(ops.isclose(a, b, rtol, atol, equal_nan).numpy(), want)
    got = ops.allclose(a[:2], b[:2], rtol=rtol, atol=atol)
    assert got.shape == () and bool(got) == bool(want[:2].all())


def test_isclose_of_integers_is_equality():
    check_keras("isclose", np.array([1, 2, 3]), np.array([1, 3, 3]))


@pytest.mark.parametrize("name", ["isfinite", "isinf", "isnan", "isneginf", "isposinf"])
def test_classification_matches_numpy(name):
    x = np.array([0.0, -1.5, np.inf, -np.inf, np.nan], "float32")
    out = getattr(ops, name)(x)
    assert out.dtype == bool
    np.testing.assert_array_equal(out.numpy(), getattr(np, name)(x))
    ints = getattr(ops, name)(np.array([1, -2], "int32")).numpy()
    np.testing.assert_array_equal(ints, getattr(np, name)(np.array([1.0, -2.0])))
