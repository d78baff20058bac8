"""Exponentials, logarithms and roots: forward, gradient and second derivative against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, torch_grads

torch = reference("torch")

SHAPES = [(), (5,), (2, 3), (0, 4)]

# name: (deepnum op, torch op, input range)
UNARY = {
    "exp": (ops.exp, torch.exp, (-2.0, 2.0)),
    "exp2": (ops.exp2, torch.exp2, (-2.0, 2.0)),
    "expm1": (ops.expm1, torch.expm1, (-2.0, 2.0)),
    "log": (ops.log, torch.log, (0.3, 3.0)),
    "log2": (ops.log2, torch.log2, (0.3, 3.0)),
    "log10": (ops.log10, torch.log10, (0.3, 3.0)),
    "log1p": (ops.log1p, torch.log1p, (-0.7, 3.0)),
    "sqrt": (ops.sqrt, torch.sqrt, (0.3, 3.0)),
    # Keras's formula on PyTorch: sign(x)·|x|^(1/3).
    "cbrt": (ops.cbrt, lambda t: torch.sign(t) * t.abs() ** (1 / 3), (-3.0, 3.0)),
}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name, shape):
    op, ref, (low, high) = UNARY[name]
    check_op(op, ref, shape, low=low, high=high)


BINARY_SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((), (3,))]


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize(
    "op, ref", [(ops.logaddexp, torch.logaddexp), (ops.logaddexp2, torch.logaddexp2)]
)
def test_logaddexp(op, ref, shapes):
    check_op(op, ref, *shapes, low=-3.0, high=3.0)


def test_logaddexp_does_not_overflow():
    got = ops.logaddexp(np.array([1000.0, -1000.0]), np.array([1000.0, -1000.0]))
    np.testing.assert_allclose(got.numpy(), [1000.0 + np.log(2), -1000.0 + np.log(2)])


@pytest.mark.parametrize("n", [[2, 1, 0], [3, 3, 3]], ids=str)
def test_ldexp(n):
    e = np.array(n, dtype=np.int32)
    check_op(lambda x: ops.ldexp(x, e), lambda x: torch.ldexp(x, torch.tensor(e)), (3,))


def test_ldexp_negative_exponents_follow_numpy():
    # torch.ldexp computes 2**e in integers, which is 0 for e < 0; NumPy's is exact.
    x, e = np.array([1.5, -3.0, 8.0]), np.array([-1, -2, -3])
    np.testing.assert_array_equal(ops.ldexp(x, e).numpy(), np.ldexp(x, e))


def test_ldexp_needs_integer_exponents():
    with pytest.raises(TypeError, match="ldexp: the exponent x2 must be an integer"):
        ops.ldexp(np.array([1.0]), np.array([2.0]))


def test_edges_follow_numpy():
    x = np.array([0.0, -1.0, np.inf])
    with np.errstate(all="ignore"):
        for name in ("log", "log2", "log10", "sqrt"):
            np.testing.assert_array_equal(getattr(ops, name)(x).numpy(), getattr(np, name)(x))
    np.testing.assert_array_equal(ops.cbrt(np.array([-8.0, 0.0])).numpy(), [-2.0, 0.0])


@pytest.mark.parametrize("name", ["exp", "log", "sqrt"])
def test_tensor_methods_match_ops(name):
    x = np.array([0.5, 1.5, 2.0])
    np.testing.assert_allclose(getattr(dn.tensor(x), name)().numpy(), getattr(np, name)(x))


def test_sqrt_gradient_at_zero_is_inf_like_torch():
    x = np.array([0.0, 4.0])
    with np.errstate(divide="ignore"):
        got = dn_grads(ops.sqrt, [x], np.ones(2))[0]
    np.testing.assert_array_equal(got, torch_grads(torch.sqrt, [x], np.ones(2))[0])
