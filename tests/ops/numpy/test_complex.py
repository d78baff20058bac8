"""Complex parts, conjugate, angle and isreal against NumPy and keras.ops."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.ops.keras_reference import check_keras

Z = np.array([1 + 2j, -3 - 0.5j, 0j, -2 + 0j], "complex64")
R = np.array([-1.5, 0.0, 2.0], "float32")


@pytest.mark.parametrize("name", ["real", "imag", "conj", "conjugate", "angle", "isreal"])
def test_complex_input_matches_numpy_and_keras(name):
    got = getattr(ops, name)(Z)
    want = getattr(np, name)(Z)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    check_keras(name, Z)


@pytest.mark.parametrize("name", ["real", "imag", "conj", "angle", "isreal"])
def test_real_input_follows_numpy(name):
    got = getattr(ops, name)(R)
    want = getattr(np, name)(R)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.numpy(), want)


def test_real_and_conj_of_real_data_keep_the_gradient_path():
    x = dn.tensor(np.array([1.0, -2.0]), requires_grad=True)
    (ops.real(x) * ops.conj(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0])
    assert not ops.angle(x).requires_grad and not ops.imag(x).requires_grad
