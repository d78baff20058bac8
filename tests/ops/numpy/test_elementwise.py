"""Elementwise maths: forward, gradient and second derivative against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, dn_second, torch_grads, torch_second

torch = reference("torch")

SHAPES = [(), (5,), (2, 3), (0, 4)]

# (deepnum op, torch op, input range)
UNARY = {
    "sqrt": (ops.sqrt, torch.sqrt, (0.3, 3.0)),
    "exp": (ops.exp, torch.exp, (-2.0, 2.0)),
    "log": (ops.log, torch.log, (0.3, 3.0)),
    "log1p": (ops.log1p, torch.log1p, (-0.7, 3.0)),
    "abs": (ops.abs, torch.abs, (-2.0, 2.0)),
    "sin": (ops.sin, torch.sin, (-3.0, 3.0)),
    "cos": (ops.cos, torch.cos, (-3.0, 3.0)),
    "tan": (ops.tan, torch.tan, (-1.2, 1.2)),
    "tanh": (ops.tanh, torch.tanh, (-2.0, 2.0)),
    "sinh": (ops.sinh, torch.sinh, (-2.0, 2.0)),
    "cosh": (ops.cosh, torch.cosh, (-2.0, 2.0)),
    "arctan": (ops.arctan, torch.arctan, (-3.0, 3.0)),
}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name, shape):
    op, ref, (low, high) = UNARY[name]
    check_op(op, ref, shape, low=low, high=high)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh"])
def test_tensor_methods_match_ops(name):
    x = np.array([0.5, 1.5, 2.0])
    np.testing.assert_allclose(getattr(dn.tensor(x), name)().numpy(), getattr(np, name)(x))


def test_sign_is_constant():
    x = dn.tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
    y = ops.sign(x)
    np.testing.assert_array_equal(y.numpy(), [-1.0, 0.0, 1.0])
    assert not y.requires_grad


def test_abs_gradient_at_zero_is_zero():
    got = dn_grads(ops.abs, [np.array([0.0, -1.0])], np.ones(2))[0]
    np.testing.assert_array_equal(got, [0.0, -1.0])


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((), (4,)), ((0,), ())])
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum(name, shapes):
    check_op(getattr(ops, name), getattr(torch, name), *shapes)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_the_gradient_like_torch(name):
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 5.0])
    got = dn_grads(getattr(ops, name), [x, y], np.ones(3))
    want = torch_grads(getattr(torch, name), [x, y], np.ones(3))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w)


@pytest.mark.parametrize(
    "lo, hi", [(-0.5, 0.5), (None, 0.3), (-0.3, None)], ids=["both", "max", "min"]
)
def test_clip(lo, hi):
    check_op(lambda x: ops.clip(x, lo, hi), lambda x: torch.clamp(x, lo, hi), (3, 4))


def test_clip_gradient_passes_at_the_bounds_like_torch():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    got = dn_grads(lambda t: ops.clip(t, -0.5, 0.5), [x], np.ones(5))[0]
    want = torch_grads(lambda t: torch.clamp(t, -0.5, 0.5), [x], np.ones(5))[0]
    np.testing.assert_array_equal(got, want)


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="x_min and x_max"):
        ops.clip(dn.tensor([1.0]))


@pytest.mark.parametrize(
    "cond_shape, shapes",
    [((2, 3), ((2, 3), (2, 3))), ((3,), ((2, 3), ())), ((2, 1), ((1, 3), (3,)))],
    ids=str,
)
def test_where(cond_shape, shapes):
    cond = np.random.default_rng(3).random(cond_shape) > 0.5
    check_op(
        lambda x, y: ops.where(cond, x, y),
        lambda x, y: torch.where(torch.tensor(cond), x, y),
        *shapes,
    )


def test_where_with_a_tensor_condition_and_python_scalars():
    x = dn.tensor([1.0, -2.0, 3.0])
    out = ops.where(x > 0, x, 0.0)
    np.testing.assert_array_equal(out.numpy(), [1.0, 0.0, 3.0])
    assert out.dtype == np.float32


def test_cast_float_to_float_is_differentiable():
    # float64 -> float32 -> float64: the gradient comes back in the input's dtype.
    x = np.array([0.5, -1.25, 2.0])
    g = dn.grad(lambda t: (ops.cast(t, "float32").astype("float64") * t).sum())(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g.numpy(), 2 * x)
    h = dn.hessian(lambda t: (ops.cast(t, "float32") ** 3).sum())(x.astype(np.float32))
    np.testing.assert_allclose(h.numpy(), np.diag(6 * x), rtol=1e-6)


def test_cast_to_int_carries_no_gradient():
    x = dn.tensor(np.array([1.7, -2.2]), requires_grad=True)
    y = x.astype("int32")
    assert y.dtype == np.int32 and not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), [1, -2])


def test_stop_gradient():
    x = dn.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * ops.stop_gradient(x)).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0])


# --------------------------------------------------------------------------- properties
@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(sorted(UNARY)),
    hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
    st.integers(0, 2**16),
)
def test_unary_first_and_second_derivatives_on_random_shapes(name, shape, seed):
    op, ref, (low, high) = UNARY[name]
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, shape)
    r, v = rng.standard_normal(shape), rng.standard_normal(shape)
    np.testing.assert_allclose(op(x).numpy(), ref(torch.tensor(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(dn_grads(op, [x], r)[0], torch_grads(ref, [x], r)[0], rtol=1e-10)
    got, want = dn_second(op, [x], r, [v])[0], torch_second(ref, [x], r, [v])[0]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
