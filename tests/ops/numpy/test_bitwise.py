"""Bitwise and integer ops against NumPy and keras.ops, the integer operators, and the errors
for floating inputs."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.ops.keras_reference import check_keras

X = np.array([[12, -7, 0, 255], [3, 1, -128, 64]], "int32")
Y = np.array([6, 3, 5, 2], "int32")

BINARY = [
    ("bitwise_and", np.bitwise_and),
    ("bitwise_or", np.bitwise_or),
    ("bitwise_xor", np.bitwise_xor),
    ("left_shift", np.left_shift),
    ("bitwise_left_shift", np.left_shift),
    ("right_shift", np.right_shift),
    ("bitwise_right_shift", np.right_shift),
    ("gcd", np.gcd),
    ("lcm", np.lcm),
]


@pytest.mark.parametrize("name, ref", BINARY, ids=[n for n, _ in BINARY])
def test_binary_matches_numpy_and_keras(name, ref):
    out = getattr(ops, name)(X, Y)
    assert out.dtype == np.int32 and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), ref(X, Y))
    check_keras(name, X, Y)
    check_keras(name, np.array([3, 5], "uint8"), 2)


@pytest.mark.parametrize("name", ["bitwise_invert", "bitwise_not"])
def test_invert(name):
    np.testing.assert_array_equal(getattr(ops, name)(X).numpy(), ~X)
    check_keras(name, np.array([True, False]))
    check_keras(name, np.array([0, 7], "uint8"))


def test_integer_operators():
    t = dn.tensor(X)
    np.testing.assert_array_equal((t & 6).numpy(), X & 6)
    np.testing.assert_array_equal((t | Y).numpy(), X | Y)
    np.testing.assert_array_equal((t ^ 1).numpy(), X ^ 1)
    np.testing.assert_array_equal((~t).numpy(), ~X)
    np.testing.assert_array_equal((t << 2).numpy(), X << 2)
    np.testing.assert_array_equal((t >> 1).numpy(), X >> 1)
    np.testing.assert_array_equal((1 << dn.tensor(Y)).numpy(), 1 << Y)
    np.testing.assert_array_equal((256 >> dn.tensor(Y)).numpy(), 256 >> Y)
    np.testing.assert_array_equal((6 & t).numpy(), 6 & X)


@pytest.mark.parametrize("name", ["bitwise_and", "left_shift", "gcd"])
def test_floating_inputs_are_a_type_error(name):
    with pytest.raises(TypeError, match=rf"{name}: expected .*integer.*float32"):
        getattr(ops, name)(np.ones(2, "float32"), 1)
    with pytest.raises(TypeError, match="bitwise_invert"):
        ops.bitwise_invert(np.ones(2))
