"""i0 against PyTorch (both Chebyshev branches, float32 and float64), its gradient I₁ and second
derivative I₁' = I₀ − I₁/x, including x = 0."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, torch_grads

torch = reference("torch")

X = np.array([-30.0, -8.5, -8.0, -1.0, -1e-3, 0.0, 0.5, 3.0, 7.9, 8.1, 20.0, 100.0])


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-14), ("float32", 1e-6)])
def test_i0_matches_torch_and_numpy(dtype, rtol):
    x = X.astype(dtype)
    got = ops.i0(x)
    assert got.dtype == dtype
    np.testing.assert_allclose(got.numpy(), torch.i0(torch.tensor(x)).numpy(), rtol=rtol)
    with np.errstate(over="ignore"):  # NumPy's float32 i0 overflows to inf at 100, as ours
        np.testing.assert_allclose(got.numpy(), np.i0(x), rtol=rtol)


@pytest.mark.parametrize("low, high", [(-3.0, 3.0), (8.5, 12.0)])
def test_i0_first_and_second_derivatives(low, high):
    check_op(ops.i0, torch.i0, (2, 3), low=low, high=high)


def test_i0_gradient_over_both_branches_matches_torch():
    r = np.linspace(-1, 1, X.size)
    got = dn_grads(ops.i0, [X], r)[0]
    np.testing.assert_allclose(got, torch_grads(torch.i0, [X], r)[0], rtol=1e-12, atol=1e-300)


def test_i0_second_derivative_at_zero_is_one_half():
    # I₀''(x) = I₁'(x) = I₀ − I₁/x → 1/2 at 0.
    h = dn.hessian(lambda t: ops.i0(t).sum())(np.array([0.0]))
    np.testing.assert_allclose(h.numpy(), [[0.5]], rtol=1e-14)


def test_integer_input_gives_floatx():
    assert ops.i0(np.array([0, 1], "int32")).dtype == np.float32
