"""Rounding and floating-point representation: values against NumPy/PyTorch, no gradients
(piecewise constant), nextafter's step and its pass-through gradient."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

X = np.array([-2.5, -1.5, -0.5, -0.0, 0.4, 0.5, 1.5, 2.5, 2.675, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("name", ["ceil", "floor", "trunc"])
def test_rounding_matches_numpy_and_carries_no_gradient(name):
    t = dn.tensor(X, requires_grad=True)
    out = getattr(ops, name)(t)
    np.testing.assert_array_equal(out.numpy(), getattr(np, name)(X))
    assert out.dtype == np.float64 and not out.requires_grad


@pytest.mark.parametrize("decimals", [0, 1, 2, -1])
def test_round_halves_to_even_like_numpy(decimals):
    np.testing.assert_array_equal(ops.round(X, decimals).numpy(), np.round(X, decimals))


@pytest.mark.parametrize(
    "x, decimals",
    [
        (np.array([1.25, 2.35, -0.5], "float32"), 1),
        (np.array([15, 25, -15, 14], "int32"), -1),
        (np.array([15, 25], "int8"), 0),
    ],
    ids=str,
)
def test_round_matches_keras(x, decimals):
    check_keras("round", x, decimals)


def test_round_rejects_non_integer_decimals():
    with pytest.raises(TypeError, match="decimals"):
        ops.round([1.0], 0.5)


def test_ceil_of_integers_is_floatx():
    assert ops.ceil(np.array([1, 2], "int32")).dtype == np.float32
    assert ops.trunc(np.array([1, 2], "int32")).dtype == np.int32


def test_nextafter_steps_one_ulp_in_its_dtype():
    for dtype in ("float16", "float32", "float64"):
        x, y = np.array([1.0, 1.0, 0.0], dtype), np.array([2.0, 0.0, 1.0], dtype)
        got = ops.nextafter(x, y)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.numpy(), np.nextafter(x, y))


def test_nextafter_gradient_passes_to_x1_like_torch():
    check_op(ops.nextafter, torch.nextafter, (2, 3), (3,), second_order=False)


def test_signbit():
    np.testing.assert_array_equal(ops.signbit(X).numpy(), np.signbit(X))
    np.testing.assert_array_equal(ops.signbit(np.array([-3, 0, 2])).numpy(), [True, False, False])
    np.testing.assert_array_equal(ops.signbit(np.array([True])).numpy(), [False])
