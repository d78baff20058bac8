"""Numerical differentiation as taught (central differences) and check_grad."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops


def test_numerical_diff_against_analytic_derivatives():
    assert dn.numerical_diff(lambda x: x**2, 3.0) == pytest.approx(6.0, abs=1e-8)
    assert dn.numerical_diff(ops.exp, 1.0) == pytest.approx(np.e, rel=1e-7)
    assert dn.numerical_diff(ops.sin, 0.5) == pytest.approx(np.cos(0.5), rel=1e-7)
    # The central difference has error O(h²): for x³ it is exactly h².
    assert dn.numerical_diff(lambda x: x**3, 2.0, h=1e-2) == pytest.approx(12.0 + 1e-4, rel=1e-9)


def test_numerical_diff_accepts_a_tensor_point():
    assert dn.numerical_diff(ops.log, dn.tensor(2.0)) == pytest.approx(0.5, rel=1e-6)


def test_numerical_grad_against_analytic():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    got = dn.numerical_grad(lambda t: (ops.sin(t) * t).sum(), x)
    np.testing.assert_allclose(got, np.sin(x) + x * np.cos(x), rtol=1e-7)
    assert got.shape == x.shape and got.dtype == np.float64


def test_numerical_grad_does_not_modify_its_input():
    x = np.array([1.0, 2.0])
    dn.numerical_grad(lambda t: (t * t).sum(), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_grad_of_a_transposed_array():
    x = np.arange(1.0, 7.0).reshape(2, 3).T  # not C-contiguous
    np.testing.assert_allclose(dn.numerical_grad(lambda t: (t**2).sum(), x), 2 * x, rtol=1e-7)


def test_numerical_grad_requires_a_scalar_function():
    with pytest.raises(ValueError, match=r"single value.*shape \(2,\)"):
        dn.numerical_grad(lambda t: t * 2, np.ones(2))


def test_numerical_jacobian_against_analytic():
    x = np.array([0.5, 1.5, -0.3])
    a = np.random.default_rng(0).standard_normal((2, 3))
    got = dn.numerical_jacobian(lambda t: ops.tanh(ops.matmul(a, t)), x)
    want = (1 - np.tanh(a @ x) ** 2)[:, None] * a
    np.testing.assert_allclose(got, want, rtol=1e-7)
    assert dn.numerical_jacobian(lambda t: t * t, np.ones((2, 2))).shape == (2, 2, 2, 2)


def test_numerical_hessian_against_analytic():
    x = np.array([1.0, 2.0])

    def f(t):
        return t[0] ** 2 * t[1] + ops.exp(t[1])

    want = np.array([[2 * x[1], 2 * x[0]], [2 * x[0], np.exp(x[1])]])
    np.testing.assert_allclose(dn.numerical_hessian(f, x), want, rtol=1e-6)
    np.testing.assert_allclose(dn.numerical_hessian(f, x), dn.hessian(f)(x).numpy(), rtol=1e-6)


# --------------------------------------------------------------------------- check_grad
def test_check_grad_with_an_empty_input():
    assert dn.check_grad(lambda a, b: (a.sum() + 1) * b, np.zeros((0, 2)), np.ones(2)) < 1e-8


def test_check_grad_returns_a_small_error_for_correct_ops():
    x, y = np.random.default_rng(0).standard_normal((2, 3, 4))
    err = dn.check_grad(lambda a, b: ops.tanh(a) * b + ops.exp(a / 4), x, y)
    assert isinstance(err, float) and 0 <= err < 1e-6


class WrongSin(dn.Function):
    """sin with a deliberately wrong derivative (should be cos x)."""

    def forward(self, x):
        return np.sin(x)

    def backward(self, gy):
        return gy * ops.cos(self.inputs[0]) * 1.1


class WrongSecondInput(dn.Function):
    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        return gy * b, gy * b  # ∂/∂b should be gy·a


def test_check_grad_catches_a_wrong_backward():
    x = np.array([1.0, 1.2, 1.4])
    with pytest.raises(dn.GradientCheckError) as info:
        dn.check_grad(lambda t: WrongSin()(t).sum(), x)
    msg = str(info.value)
    # The error 0.1·cos x (below 1: absolute) is largest at x = 1.0; both values are named.
    assert "input 0" in msg and "at index (0,)" in msg
    assert f"{1.1 * np.cos(1.0):.6f}"[:7] in msg  # autodiff
    assert f"{np.cos(1.0):.6f}"[:7] in msg  # central differences


def test_check_grad_reports_a_nan_gradient_at_its_element():
    class NanAtOne(dn.Function):
        def forward(self, x):
            return x * 2

        def backward(self, gy):
            x = self.inputs[0]
            return ops.where(x.data == 1.0, float("nan"), gy * 2)

    with pytest.raises(dn.GradientCheckError, match=r"at index \(1,\): autodiff gives nan"):
        dn.check_grad(lambda t: NanAtOne()(t).sum(), np.array([0.5, 1.0, 2.0]))


def test_check_grad_names_the_wrong_input():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    with pytest.raises(dn.GradientCheckError, match=r"input 1 \(shape \(2,\)\).*rtol"):
        dn.check_grad(lambda s, t: WrongSecondInput()(s, t).sum(), a, b)


def test_check_grad_is_a_gradient_check_error_and_an_assertion_error():
    assert issubclass(dn.GradientCheckError, AssertionError)


def test_check_grad_works_on_float32_ops_by_evaluating_in_float64():
    x = np.random.default_rng(0).standard_normal(5).astype(np.float32)
    assert dn.check_grad(lambda t: ops.sigmoid(t) * t, x) < 1e-6


def test_check_grad_random_direction_for_large_inputs():
    x = np.random.default_rng(0).standard_normal(20_000)
    err = dn.check_grad(lambda t: (ops.sin(t) * t).sum(), x)
    assert err < 1e-6

    class WrongLarge(dn.Function):
        def forward(self, v):
            return (v * v).sum()

        def backward(self, gy):
            return gy * 2.5 * self.inputs[0]

    with pytest.raises(dn.GradientCheckError, match="along a random direction"):
        dn.check_grad(lambda t: WrongLarge()(t), x)


def test_check_grad_rtol():
    x = np.array([0.3])
    with pytest.raises(dn.GradientCheckError):
        dn.check_grad(lambda t: WrongSin()(t), x)
    # |1.1 cos x − cos x| / max(1, 1.1 cos x) with 1.1 cos 0.3 > 1.
    assert dn.check_grad(lambda t: WrongSin()(t), x, rtol=0.2) == pytest.approx(1 / 11, rel=1e-6)
