"""Magnitude and selection (abs, fabs, sign, maximum/minimum, fmax/fmin, clip, where, heaviside,
nan_to_num, cast, stop_gradient): forward, gradient and second derivative against PyTorch;
Keras's signatures for every elementwise name."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, torch_grads
from tests.ops.keras_reference import check_keras

torch = reference("torch")
keras = reference("keras")

ELEMENTWISE_NAMES = """abs absolute add angle arccos arccosh arcsin arcsinh arctan arctan2
arctanh bitwise_and bitwise_invert bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift
bitwise_xor cbrt ceil clip conj conjugate cos cosh deg2rad divide divide_no_nan equal exp exp2
expm1 fabs floor floor_divide fmax fmin fmod gcd greater greater_equal heaviside hypot i0 imag
isclose allclose isfinite isinf isnan isneginf isposinf isreal lcm ldexp left_shift less
less_equal log log10 log1p log2 logaddexp logaddexp2 logical_and logical_not logical_or
logical_xor maximum minimum mod multiply nan_to_num negative nextafter not_equal power rad2deg
real reciprocal right_shift round sign signbit sin sinc sinh sqrt square subtract tan tanh
true_divide trunc where""".split()


@pytest.mark.parametrize("name", ELEMENTWISE_NAMES)
def test_signature_is_keras(name):
    want = inspect.signature(getattr(keras.ops.numpy, name))
    got = inspect.signature(getattr(dn.ops.numpy, name))
    assert [(p.name, p.default, p.kind) for p in got.parameters.values()] == [
        (p.name, p.default, p.kind) for p in want.parameters.values()
    ]
    assert getattr(dn.ops, name) is getattr(dn.ops.numpy, name)


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (0, 4)], ids=str)
@pytest.mark.parametrize("op, ref", [(ops.abs, torch.abs), (ops.fabs, torch.abs)])
def test_abs(op, ref, shape):
    check_op(op, ref, shape)


def test_abs_gradient_at_zero_is_zero():
    got = dn_grads(ops.abs, [np.array([0.0, -1.0])], np.ones(2))[0]
    np.testing.assert_array_equal(got, [0.0, -1.0])


def test_abs_keeps_the_dtype_and_fabs_gives_floats():
    check_keras("abs", np.array([-3, 2], "int8"))
    check_keras("abs", np.array([True, False]))
    check_keras("fabs", np.array([-3, 2], "int8"))


def test_sign_is_constant_and_keeps_nan():
    x = dn.tensor(np.array([-2.0, 0.0, 3.0, np.nan]), requires_grad=True)
    y = ops.sign(x)
    np.testing.assert_array_equal(y.numpy(), [-1.0, 0.0, 1.0, np.nan])
    assert not y.requires_grad
    check_keras("sign", np.array([-3, 0, 2], "int8"))


BINARY_SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((), (4,)), ((0,), ())]


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_selections(name, shapes):
    check_op(getattr(ops, name), getattr(torch, name), *shapes)


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_ties_and_nans_route_the_gradient_like_torch(name):
    x = np.array([1.0, 2.0, 3.0, np.nan, np.nan])
    y = np.array([1.0, 0.0, 5.0, 1.0, np.nan])
    op = getattr(ops, name)
    np.testing.assert_array_equal(op(x, y).numpy(), getattr(np, name)(x, y))
    got = dn_grads(op, [x, y], np.ones(5))
    for g, w in zip(got, torch_grads(getattr(torch, name), [x, y], np.ones(5))):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("lo, hi", [(-0.5, 0.5), (None, 0.3), (-0.3, None), (0.5, -0.5)], ids=str)
def test_clip_with_number_bounds(lo, hi):
    check_op(lambda x: ops.clip(x, lo, hi), lambda x: torch.clamp(x, lo, hi), (3, 4))


@pytest.mark.parametrize("shapes", [((3, 4), (4,), (3, 1)), ((5,), (), (5,))], ids=str)
def test_clip_with_tensor_bounds_is_differentiable_in_the_bounds(shapes):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, shapes[0])
    lo = rng.uniform(-1.5, -0.1, shapes[1])
    hi = rng.uniform(0.1, 1.5, shapes[2])
    check_op(ops.clip, lambda a, b, c: torch.clamp(a, b, c), inputs=[x, lo, hi])


def test_clip_gradient_passes_at_the_bounds_like_torch():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    got = dn_grads(lambda t: ops.clip(t, -0.5, 0.5), [x], np.ones(5))[0]
    want = torch_grads(lambda t: torch.clamp(t, -0.5, 0.5), [x], np.ones(5))[0]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "x, lo, hi",
    [
        (np.array([1, 5, 9], "int32"), 2, 7),
        (np.array([1, 5, 9], "int32"), 2.5, 7.5),
        (np.array([True, False]), 0, 1),
        (np.array([0.5, 3.0], "float16"), 1.0, 2.0),
        (np.array([-4.0, 1.0, 4.0]), np.array([-1.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0])),
    ],
    ids=str,
)
def test_clip_matches_keras(x, lo, hi):
    check_keras("clip", x, lo, hi)


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="x_min and x_max"):
        ops.clip(dn.tensor([1.0]), None, None)
    np.testing.assert_array_equal(dn.tensor([-1.0, 2.0]).clip(max=1.0).numpy(), [-1.0, 1.0])


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


@pytest.mark.parametrize(
    "condition, x1, x2",
    [
        (np.array([True, False]), np.array([1, 2], "int32"), 2.5),
        (np.array([True, False]), np.array([1, 2], "int8"), 2),
        (np.array([1, 0, 3]), 1.0, 0.0),
        (np.array([[True, False], [False, True]]), None, None),
        (np.array([[0, 1, 1], [0, 0, 1]]), None, None),
    ],
    ids=str,
)
def test_where_matches_keras(condition, x1, x2):
    check_keras("where", condition, x1, x2)


def test_where_one_argument_unpacks_like_numpy():
    mask = np.array([[True, False], [False, True]])
    rows, cols = ops.where(mask)
    np.testing.assert_array_equal(rows.numpy(), np.nonzero(mask)[0])
    np.testing.assert_array_equal(cols.numpy(), np.nonzero(mask)[1])


def test_where_needs_both_values_or_neither():
    with pytest.raises(ValueError, match="x1.*x2.*both"):
        ops.where([True], 1.0)


def test_where_with_a_tensor_condition_and_python_numbers():
    x = dn.tensor([1.0, -2.0, 3.0])
    out = ops.where(x > 0, x, 0.0)
    np.testing.assert_array_equal(out.numpy(), [1.0, 0.0, 3.0])
    assert out.dtype == np.float32


def test_heaviside_matches_torch_and_carries_no_gradient():
    x, h = np.array([-1.5, 0.0, 0.0, 2.0]), np.array([0.5, 0.25, 1.0, 0.5])
    out = ops.heaviside(dn.tensor(x, requires_grad=True), h)
    np.testing.assert_array_equal(out.numpy(), torch.heaviside(torch.tensor(x), torch.tensor(h)))
    assert not out.requires_grad
    check_keras("heaviside", np.array([-1, 0, 3], "int32"), np.array([5, 5, 5], "int32"))
    check_keras("heaviside", np.array([True, False]), np.array([False, True]))


@pytest.mark.parametrize("kwargs", [{}, {"nan": -1.0}, {"posinf": 9.0, "neginf": -9.0}], ids=str)
def test_nan_to_num_values_and_gradient_match_torch(kwargs):
    x = np.array([1.5, np.nan, np.inf, -np.inf, -2.0])
    np.testing.assert_array_equal(ops.nan_to_num(x, **kwargs).numpy(), np.nan_to_num(x, **kwargs))
    got = dn_grads(lambda t: ops.nan_to_num(t, **kwargs), [x], np.ones(5))[0]
    want = torch_grads(lambda t: torch.nan_to_num(t, **kwargs), [x], np.ones(5))[0]
    np.testing.assert_array_equal(got, want)
    check_keras("nan_to_num", x.astype("float32"), **kwargs)


def test_nan_to_num_keeps_integers():
    check_keras("nan_to_num", np.array([1, 2], "int32"), nan=1.5)


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
