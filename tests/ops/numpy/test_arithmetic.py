"""Arithmetic (add, subtract, multiply, divide, divide_no_nan, floor_divide, mod, fmod, negative,
reciprocal, power, square): forward, gradient and second derivative against PyTorch, over
broadcasting, 0-d and empty shapes; the operators; integer and boolean semantics."""

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

BINARY_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),  # trailing broadcast
    ((4, 1), (1, 5)),  # both sides stretched
    ((2, 1, 3), (4, 1)),  # rank difference and stretch
    ((), (2, 3)),  # 0-d with a matrix
    ((), ()),
    ((0, 3), (3,)),  # empty
    ((2, 0), (1, 0)),
]


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize(
    "op, ref",
    [
        (ops.add, torch.add),
        (ops.subtract, torch.sub),
        (ops.multiply, torch.mul),
    ],
    ids=["add", "subtract", "multiply"],
)
def test_binary(op, ref, shapes):
    check_op(op, ref, *shapes)


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
def test_divide(shapes):
    # Denominators kept away from zero.
    x, y = (
        np.random.default_rng(0).uniform(-2, 2, shapes[0]),
        np.random.default_rng(1).uniform(0.5, 2, shapes[1]),
    )
    check_op(ops.divide, torch.div, inputs=[x, y * np.sign(y - 1.2)])


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (0, 2)], ids=str)
def test_negative(shape):
    check_op(ops.negative, torch.neg, shape)


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (0,)], ids=str)
def test_square(shape):
    check_op(ops.square, torch.square, shape)


@pytest.mark.parametrize("c", [2, 3, 0.5, -1.5, 1, 0])
def test_power_scalar_exponent(c):
    check_op(lambda x: ops.power(x, c), lambda x: torch.pow(x, c), (2, 3), low=0.5, high=2.0)


@pytest.mark.parametrize("c", [2, 3])
def test_power_integer_exponent_of_negative_base(c):
    check_op(lambda x: x**c, lambda x: x**c, (5,), low=-2.0, high=2.0)


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((), (4,))], ids=str)
def test_power_tensor_exponent(shapes):
    check_op(ops.power, torch.pow, *shapes, low=0.5, high=2.0)


def test_power_scalar_base():
    check_op(lambda y: ops.power(2.0, y), lambda y: torch.pow(2.0, y), (4,))


def test_power_with_a_numpy_scalar_exponent_keeps_float32():
    t = dn.tensor([1.0, 2.0])
    assert (t ** np.float64(2.0)).dtype == np.float32
    assert ops.power(t, np.int64(3)).dtype == np.float32


def test_power_zero_exponent_gradient_is_zero():
    x = dn.tensor(np.array([0.0, 2.0]), requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_power_tensor_exponent_at_zero_base():
    # d/dy 0^y = 0·ln 0 → 0 (the limit), as in PyTorch; d/dx at x=0 for y=2 is 0.
    x, y = np.array([0.0, 1.5]), np.array([2.0, 2.0])
    got = dn_grads(ops.power, [x, y], np.ones(2))
    want = torch_grads(torch.pow, [x, y], np.ones(2))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-12)


def test_power_mixed_second_derivative_at_zero_exponent():
    # ∂/∂y (y·x^(y−1)) = x^(y−1)(1 + y ln x) = 1/x at y = 0: checked numerically (torch gives 0).
    h = dn.hessian(lambda x, y: ops.power(x, y), argnums=(0, 1))(np.float64(0.5), np.float64(0.0))
    np.testing.assert_allclose(h[0][1].item(), 2.0, rtol=1e-12)
    np.testing.assert_allclose(h[1][0].item(), 2.0, rtol=1e-12)


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (0,)], ids=str)
def test_reciprocal(shape):
    check_op(ops.reciprocal, torch.reciprocal, shape, low=0.5, high=2.0)


def test_true_divide_is_divide():
    check_op(ops.true_divide, torch.true_divide, (2, 3), (3,), low=0.5, high=2.0)


def test_divide_of_integers_is_floatx():
    out = ops.divide(np.array([1, 3], "int32"), np.array([2, 2], "int64"))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), [0.5, 1.5])


def _torch_divide_no_nan(x, y):
    return torch.where(y == 0, 0.0, x / torch.where(y == 0, 1.0, y))


def test_divide_no_nan_away_from_zero():
    check_op(ops.divide_no_nan, _torch_divide_no_nan, (2, 3), (3,), low=0.5, high=2.0)


def test_divide_no_nan_at_zero_matches_torch():
    x, y = np.array([1.0, 0.0, np.inf, 2.0]), np.array([0.0, 0.0, 0.0, 4.0])
    np.testing.assert_array_equal(ops.divide_no_nan(x, y).numpy(), [0.0, 0.0, 0.0, 0.5])
    r = np.ones(4)
    got = dn_grads(ops.divide_no_nan, [x[[0, 1, 3]], y[[0, 1, 3]]], r[:3])
    want = torch_grads(_torch_divide_no_nan, [x[[0, 1, 3]], y[[0, 1, 3]]], r[:3])
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


# Quotients x1/x2 kept away from integers, where the remainder jumps.
REMAINDER_INPUTS = [np.array([[-2.3, 1.7, 3.1], [0.4, -5.3, 2.9]]), np.array([0.7, -1.3, 1.1])]


@pytest.mark.parametrize("op, ref", [(ops.mod, torch.remainder), (ops.fmod, torch.fmod)])
def test_remainders(op, ref):
    check_op(op, ref, inputs=REMAINDER_INPUTS)


@pytest.mark.parametrize("name, ref", [("mod", np.remainder), ("fmod", np.fmod)])
def test_integer_remainders_follow_numpy_signs(name, ref):
    x, y = np.array([7, -7, 7, -7], "int32"), np.array([3, 3, -3, -3], "int32")
    out = getattr(ops, name)(x, y)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), ref(x, y))
    assert getattr(ops, name)(np.array([True]), np.array([True])).dtype == np.int32


def test_floor_divide_matches_numpy_and_carries_no_gradient():
    x = dn.tensor(np.array([7.5, -7.5, 3.0]), requires_grad=True)
    out = ops.floor_divide(x, 2.0)
    np.testing.assert_array_equal(out.numpy(), [3.0, -4.0, 1.0])
    assert not out.requires_grad
    np.testing.assert_array_equal((x // 2).numpy(), out.numpy())
    np.testing.assert_array_equal((7 // dn.tensor(np.array([2, -2]))).numpy(), [3, -4])


@pytest.mark.parametrize("name", ["subtract", "floor_divide", "power"])
def test_boolean_operands_are_a_type_error(name):
    b = np.array([True, False])
    with pytest.raises(TypeError, match=rf"{name}: boolean operands"):
        getattr(ops, name)(b, b)
    with pytest.raises(TypeError, match="negative: boolean"):
        ops.negative(b)


def test_integer_and_boolean_results():
    i = np.array([1, 2, 3], "int32")
    assert ops.square(np.array([True, False])).dtype == np.int32
    assert ops.power(i, 2).dtype == np.int32 and ops.power(i, 0.5).dtype == np.float32
    assert ops.power(2, i).dtype == np.int32 and ops.power(2.0, i).dtype == np.float32
    assert ops.add(np.array([True]), np.array([True])).dtype == bool
    np.testing.assert_array_equal(ops.multiply(i, 2).numpy(), [2, 4, 6])


# --------------------------------------------------------------------------- operators
OPERATORS = [
    (lambda a, b: a + b, "add"),
    (lambda a, b: a - b, "sub"),
    (lambda a, b: a * b, "mul"),
    (lambda a, b: a / b, "div"),
    (lambda a, b: a % b, "mod"),
]


@pytest.mark.parametrize("op, name", OPERATORS, ids=[n for _, n in OPERATORS])
def test_operators_with_numpy_on_the_left(op, name):
    a = np.array([[1.0, 2.0, 3.0]])
    t = dn.tensor(np.array([[0.5], [4.0]]), requires_grad=True)
    out = op(a, t)
    assert isinstance(out, dn.Tensor)
    np.testing.assert_allclose(out.numpy(), op(a, t.numpy()))
    out.sum().backward()
    tt = torch.tensor(t.numpy(), requires_grad=True)
    op(torch.tensor(a), tt).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy())


@pytest.mark.parametrize("op, name", OPERATORS, ids=[n for _, n in OPERATORS])
def test_operators_with_python_numbers(op, name):
    t = dn.tensor([1.0, 2.0, 4.0])
    np.testing.assert_allclose(op(t, 2).numpy(), op(t.numpy(), 2))
    np.testing.assert_allclose(op(3, t).numpy(), op(3, t.numpy()), rtol=1e-6)
    assert op(t, 2).dtype == np.float32 and op(2.5, t).dtype == np.float32


def test_pow_matmul_neg_operators():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = dn.tensor(a)
    np.testing.assert_allclose((t**2).numpy(), a**2)
    np.testing.assert_allclose((2**t).numpy(), 2**a)
    np.testing.assert_allclose((t @ t).numpy(), a @ a)
    np.testing.assert_allclose((a @ t).numpy(), a @ a)
    np.testing.assert_allclose((-t).numpy(), -a)
    np.testing.assert_allclose(abs(-t).numpy(), a)


def test_mismatched_shapes_name_both_shapes():
    x, y = dn.tensor(np.ones((2, 3))), dn.tensor(np.ones((4,)))
    for op, name in [(ops.add, "add"), (ops.multiply, "multiply"), (ops.divide, "divide")]:
        with pytest.raises(ValueError, match=rf"{name}.*\(2, 3\).*\(4,\)"):
            op(x, y)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        x - y


# --------------------------------------------------------------------------- properties
@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together, and the arrays."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    a, b = shapes.input_shapes
    elements = st.floats(-3, 3, allow_nan=False, width=64)
    x = draw(hnp.arrays(np.float64, a, elements=elements))
    y = draw(hnp.arrays(np.float64, b, elements=elements))
    return x, y


@settings(max_examples=25, deadline=None)
@given(broadcast_pair(), st.sampled_from(["add", "subtract", "multiply", "maximum"]))
def test_broadcast_pairs_match_torch(pair, name):
    x, y = pair
    op, ref = getattr(ops, name), getattr(torch, name if name != "subtract" else "sub")
    if name == "maximum":  # ties split the gradient; keep the operands apart
        y = y + 10.0
    np.testing.assert_allclose(op(x, y).numpy(), getattr(np, name)(x, y))
    r = np.random.default_rng(0).standard_normal(np.broadcast_shapes(x.shape, y.shape))
    for g, w in zip(dn_grads(op, [x, y], r), torch_grads(ref, [x, y], r)):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(broadcast_pair())
def test_divide_gradient_property(pair):
    x, y = pair
    y = np.where(np.abs(y) < 0.5, 1.0, y)
    r = np.ones(np.broadcast_shapes(x.shape, y.shape))
    for g, w in zip(dn_grads(ops.divide, [x, y], r), torch_grads(torch.div, [x, y], r)):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(broadcast_pair(), st.sampled_from(["multiply", "divide", "power"]))
def test_second_derivatives_over_broadcast_pairs(pair, name):
    x, y = pair
    if name == "divide":
        y = np.where(np.abs(y) < 0.5, 1.0, y)
    if name == "power":
        # A positive base; and y ≠ 0, where torch's d/dx x^y is a constant 0 that drops the
        # mixed term ∂²/∂x∂y = 1/x (see test_power_mixed_second_derivative_at_zero_exponent).
        x = np.abs(x) + 0.5
        y = np.where(y == 0, 1.0, y)
    ref = {"multiply": torch.mul, "divide": torch.div, "power": torch.pow}[name]
    rng = np.random.default_rng(0)
    r = rng.standard_normal(np.broadcast_shapes(x.shape, y.shape))
    vs = [rng.standard_normal(x.shape), rng.standard_normal(y.shape)]
    got = dn_second(getattr(ops, name), [x, y], r, vs)
    for g, w in zip(got, torch_second(ref, [x, y], r, vs)):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-10)
