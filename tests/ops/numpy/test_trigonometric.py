"""Trigonometric and hyperbolic functions and their inverses: forward, gradient and second
derivative against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, dn_second, torch_grads, torch_second

torch = reference("torch")

SHAPES = [(), (5,), (2, 3), (0, 4)]

# name: (deepnum op, torch op, input range)
UNARY = {
    "sin": (ops.sin, torch.sin, (-3.0, 3.0)),
    "cos": (ops.cos, torch.cos, (-3.0, 3.0)),
    "tan": (ops.tan, torch.tan, (-1.2, 1.2)),
    "sinh": (ops.sinh, torch.sinh, (-2.0, 2.0)),
    "cosh": (ops.cosh, torch.cosh, (-2.0, 2.0)),
    "tanh": (ops.tanh, torch.tanh, (-2.0, 2.0)),
    "arcsin": (ops.arcsin, torch.arcsin, (-0.9, 0.9)),
    "arccos": (ops.arccos, torch.arccos, (-0.9, 0.9)),
    "arctan": (ops.arctan, torch.arctan, (-3.0, 3.0)),
    "arcsinh": (ops.arcsinh, torch.arcsinh, (-3.0, 3.0)),
    "arccosh": (ops.arccosh, torch.arccosh, (1.1, 3.0)),
    "arctanh": (ops.arctanh, torch.arctanh, (-0.9, 0.9)),
    "deg2rad": (ops.deg2rad, torch.deg2rad, (-360.0, 360.0)),
    "rad2deg": (ops.rad2deg, torch.rad2deg, (-7.0, 7.0)),
    "sinc": (ops.sinc, torch.sinc, (-2.5, 2.5)),
}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name, shape):
    op, ref, (low, high) = UNARY[name]
    check_op(op, ref, shape, low=low, high=high)


BINARY_SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((), (3,))]


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("op, ref", [(ops.arctan2, torch.atan2), (ops.hypot, torch.hypot)])
def test_binary(op, ref, shapes):
    check_op(op, ref, *shapes)


def test_arctan2_quadrants_follow_numpy():
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0])
    x = np.array([1.0, -1.0, -1.0, 1.0, -1.0, 0.0])
    np.testing.assert_array_equal(ops.arctan2(y, x).numpy(), np.arctan2(y, x))


def test_sinc_at_zero_is_one_with_torch_gradient():
    x = np.array([0.0, 0.5, -1.0])
    np.testing.assert_allclose(ops.sinc(x).numpy(), np.sinc(x))
    got = dn_grads(ops.sinc, [x], np.ones(3))[0]
    np.testing.assert_allclose(got, torch_grads(torch.sinc, [x], np.ones(3))[0], atol=1e-15)


def test_tanh_second_derivative_on_a_wide_range():
    x = np.linspace(-4, 4, 9)
    r, v = np.ones(9), np.linspace(-1, 1, 9)
    got = dn_second(ops.tanh, [x], r, [v])[0]
    np.testing.assert_allclose(got, torch_second(torch.tanh, [x], r, [v])[0], atol=1e-12)


def test_degrees_round_trip():
    x = np.array([0.0, 90.0, 180.0])
    np.testing.assert_allclose(ops.deg2rad(x).numpy(), [0.0, math.pi / 2, math.pi])
    np.testing.assert_allclose(ops.rad2deg(ops.deg2rad(x)).numpy(), x)
