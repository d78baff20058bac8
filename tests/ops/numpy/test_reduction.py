"""Reductions: sum, mean, max/min (amax/amin), prod, logsumexp — over all axes, one axis,
negative axes, several axes, no axis, keepdims, 0-d and empty inputs; Keras's dtypes and edge
cases; gradients against torch.autograd and central differences, to second order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, torch_grads
from tests.ops.keras_reference import check_keras

torch = reference("torch")

# (shape, axis, keepdims)
CASES = [
    ((2, 3, 4), None, False),
    ((2, 3, 4), 1, False),
    ((2, 3, 4), -1, True),
    ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), (-3, -1), True),
    ((5,), 0, False),
    ((), None, False),
]
IDS = [f"{s}-axis{a}-keep{k}" for s, a, k in CASES]
# Keras's dtypes up to 32 bits (64-bit inputs: see test_64_bit_inputs_stay_64_bit).
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "float16", "float32"]
KERAS_AXES = [(None, False), (1, False), (-1, True), ((0, 1), False), ((), False)]


def _dim(axis, shape):
    """torch's ``dim`` for a NumPy ``axis`` (all axes when None)."""
    return tuple(range(len(shape))) if axis is None else axis


def _data(dtype, shape=(3, 4), seed=0):
    """Small values that fit every dtype (products of a row stay in int8's range)."""
    values = np.random.default_rng(seed).integers(-2, 3, size=shape)
    if dtype in ("bool", "uint8"):
        values = np.abs(values)
    return values.astype(dtype) if dtype != "bool" else values > 0


@pytest.mark.parametrize("shape, axis, keepdims", CASES, ids=IDS)
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_mean(name, shape, axis, keepdims):
    check_op(
        lambda x: getattr(ops, name)(x, axis=axis, keepdims=keepdims),
        lambda x: getattr(torch, name)(x, dim=_dim(axis, shape), keepdim=keepdims),
        shape,
    )


@pytest.mark.parametrize("shape, axis, keepdims", CASES, ids=IDS)
@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_max_min(name, shape, axis, keepdims):
    ref = torch.amax if name.endswith("max") else torch.amin
    check_op(
        lambda x: getattr(ops, name)(x, axis=axis, keepdims=keepdims),
        lambda x: ref(x, dim=_dim(axis, shape), keepdim=keepdims),
        shape,
    )


@pytest.mark.parametrize("axis", [1, None])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_ties_share_the_gradient_like_torch(name, axis):
    """torch.amax (Keras's max over axes) and torch.max (its full max) split ties equally."""
    x = np.array([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.0]])
    full = torch.max if name == "max" else torch.min
    axes = torch.amax if name == "max" else torch.amin
    ref = full if axis is None else (lambda t: axes(t, dim=axis))
    r = np.array([1.0, 2.0]) if axis is not None else np.array(1.5)
    got = dn_grads(lambda t: getattr(ops, name)(t, axis=axis), [x], r)[0]
    np.testing.assert_allclose(got, torch_grads(ref, [x], r)[0])


@pytest.mark.parametrize("axis, initial", [(None, 0.5), (1, 0.0), ((0, 1), 10.0)])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_initial(name, axis, initial):
    """initial bounds the result: torch.maximum/minimum with it (ties split the gradient)."""
    pick = torch.maximum if name == "max" else torch.minimum
    reduce = torch.amax if name == "max" else torch.amin
    check_op(
        lambda x: getattr(ops, name)(x, axis=axis, initial=initial),
        lambda x: pick(reduce(x, dim=_dim(axis, (3, 4))), torch.tensor(initial, dtype=x.dtype)),
        inputs=[np.array([[0.0, 0.5, 1.0, -1.0], [2.0, -0.5, 0.25, 0.0], [1.5, 3.0, 0.0, 0.5]])],
    )


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dtype, initial", [("float32", -0.5), ("int32", 1), ("int32", 2.7)])
def test_max_min_initial_matches_keras(name, dtype, initial):
    x = np.array([[0, 1, 3], [-2, 2, 1]]).astype(dtype)
    check_keras(name, x, initial=initial)
    check_keras(name, x, axis=0, keepdims=True, initial=initial)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_extreme_of_an_empty_axis_needs_initial(name):
    with pytest.raises(ValueError, match=rf"{name}: cannot reduce .*\(0, 3\).*initial="):
        getattr(ops, name)(np.zeros((0, 3)), axis=0)
    # An empty tensor reduced over a non-empty axis is empty, as in NumPy.
    assert getattr(ops, name)(np.zeros((0, 3)), axis=1).shape == (0,)


@pytest.mark.parametrize("keepdims", [False, True])
def test_extreme_of_an_empty_axis_is_initial(keepdims):
    x = np.zeros((0, 3), dtype="float32")
    got = ops.max(x, axis=0, keepdims=keepdims, initial=-1.0)
    want = np.max(x, axis=0, keepdims=keepdims, initial=-1.0)
    np.testing.assert_array_equal(got.numpy(), want)
    assert got.dtype == want.dtype
    check_keras("max", x, initial=2.0)


@pytest.mark.parametrize("shape, axis, keepdims", CASES, ids=IDS)
def test_prod(shape, axis, keepdims):
    ref = _torch_prod(axis, keepdims, len(shape))
    check_op(lambda x: ops.prod(x, axis=axis, keepdims=keepdims), ref, shape, low=0.5, high=1.5)


def _torch_prod(axis, keepdims, ndim):
    """torch.prod reduces one dim at a time; reduce the highest first so indices stay valid."""
    axes = range(ndim) if axis is None else [axis] if isinstance(axis, int) else axis
    axes = sorted((a % ndim for a in axes), reverse=True)

    def ref(x):
        for a in axes:
            x = torch.prod(x, dim=a, keepdim=keepdims)
        return x

    return ref


ZEROS = {
    "one-zero": [[1.5, 0.0, 2.0], [0.5, 3.0, -1.0]],
    "two-zeros": [[0.0, 0.0, 2.0], [0.5, 0.0, -1.0]],
    "all-zero": [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]],
}


@pytest.mark.parametrize("x", ZEROS.values(), ids=ZEROS.keys())
@pytest.mark.parametrize("axis", [1, 0, None])
def test_prod_with_zeros(x, axis):
    check_op(lambda t: ops.prod(t, axis=axis), _torch_prod(axis, False, 2), inputs=[x])


@pytest.mark.parametrize("x", ZEROS.values(), ids=ZEROS.keys())
def test_prod_with_zeros_second_order_matches_central_differences(x):
    check_op(lambda t: ops.prod(t, axis=1), None, inputs=[x], np_fn=lambda a: np.prod(a, 1))


def test_prod_hessian_with_a_zero_matches_torch():
    """∂²∏x/∂xᵢ∂xⱼ = ∏_{k≠i,j} xₖ, also where one factor is 0 (y/x would give nan there)."""
    x = np.array([0.0, 2.0, 3.0, 0.5])
    got = dn.hessian(ops.prod)(x).numpy()
    want = torch.autograd.functional.hessian(torch.prod, torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, want)


def test_prod_array_and_recorded_backward_agree_with_zeros():
    """``backward()`` runs the O(n) array formula; create_graph the differentiable one."""
    x = np.random.default_rng(1).uniform(0.5, 1.5, (4, 6))
    x[0, 2] = x[1, [0, 5]] = x[3, :] = 0.0
    first = dn.tensor(x, requires_grad=True)
    ops.prod(first, axis=1).sum().backward()
    recorded = dn.tensor(x, requires_grad=True)
    ops.prod(recorded, axis=1).sum().backward(create_graph=True)
    np.testing.assert_allclose(first.grad.numpy(), recorded.grad.numpy())


@pytest.mark.parametrize("shape, axis, keepdims", CASES, ids=IDS)
def test_logsumexp(shape, axis, keepdims):
    check_op(
        lambda x: ops.logsumexp(x, axis=axis, keepdims=keepdims),
        lambda x: torch.logsumexp(x, dim=_dim(axis, shape), keepdim=keepdims),
        shape,
    )


@pytest.mark.parametrize("axis", [0, 1])
def test_logsumexp_over_an_empty_axis_is_minus_inf_like_torch(axis):
    with np.errstate(divide="ignore", invalid="ignore"):
        check_op(
            lambda t: ops.logsumexp(t, axis=axis),
            lambda t: torch.logsumexp(t, dim=axis),
            inputs=[np.zeros((0, 3))],
            second_order=False,
        )


def test_logsumexp_is_stable_for_large_inputs():
    x = np.array([1000.0, 1000.0, -1000.0])
    np.testing.assert_allclose(ops.logsumexp(x).item(), 1000.0 + np.log(2.0))
    g = dn.grad(ops.logsumexp)(x).numpy()
    np.testing.assert_allclose(g, [0.5, 0.5, 0.0])


@pytest.mark.parametrize("name", ["sum", "mean"])
def test_empty_reductions(name):
    x = np.zeros((0, 3))
    check_op(
        lambda t: getattr(ops, name)(t, axis=0),
        lambda t: getattr(torch, name)(t, dim=0),
        inputs=[x],
        second_order=False,
    )
    check_op(lambda t: ops.sum(t, axis=1), lambda t: torch.sum(t, dim=1), inputs=[x])


# --------------------------------------------------------------------------- Keras's rules
@pytest.mark.parametrize("axis, keepdims", KERAS_AXES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "amax", "amin", "prod"])
def test_matches_keras_values_and_dtypes(name, dtype, axis, keepdims):
    """sum/prod widen bool..int16 to int32, mean gives float32 for integers, () reduces nothing."""
    check_keras(name, _data(dtype), axis=axis, keepdims=keepdims, atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize(
    "name, dtype, want",
    [
        ("sum", "float64", "float64"),
        ("sum", "int64", "int64"),
        ("prod", "float64", "float64"),
        ("prod", "int64", "int64"),
        ("max", "int64", "int64"),
        ("mean", "float64", "float64"),
        ("mean", "int64", "float32"),
    ],
)
def test_64_bit_inputs_stay_64_bit(name, dtype, want):
    """Keras's lattice without its JAX-style narrowing to 32 bits: float64 data stays float64."""
    got = getattr(ops, name)(_data(dtype), axis=1)
    assert got.dtype == want
    np.testing.assert_allclose(got.numpy(), getattr(np, name)(_data(dtype), axis=1))


def test_prod_dtype_argument_matches_keras():
    check_keras("prod", _data("int8"), dtype="float32")
    check_keras("prod", _data("float32"), axis=1, dtype="int32")
    x = dn.tensor(np.array([[1.0, 2.0], [3.0, 4.0]], dtype="float32"), requires_grad=True)
    y = ops.prod(x, axis=1, dtype="float64")
    assert y.dtype == "float64" and y.requires_grad


@pytest.mark.parametrize("x, ddof", [([1.0, 2.0], 2), ([1.0], 1), ([1.0, 2.0], 3)])
def test_tensor_var_with_ddof_not_below_n_gives_inf_or_nan_like_torch(x, ddof):
    with np.errstate(divide="ignore", invalid="ignore"):
        got = dn.tensor(np.array(x)).var(ddof=ddof).item()
    with pytest.warns(UserWarning):
        want = torch.var(torch.tensor(x, dtype=torch.float64), correction=ddof).item()
    np.testing.assert_equal(got, want)


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("name", ["var", "std"])
def test_tensor_var_std_take_ddof(name, ddof):
    check_op(
        lambda x: getattr(x, name)(axis=1, ddof=ddof),
        lambda x: getattr(torch, name)(x, dim=1, correction=ddof),
        (3, 4),
    )


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "std", "prod", "any", "all"])
def test_tensor_methods(name):
    x = np.random.default_rng(0).uniform(0.5, 2, (2, 3))
    t = dn.tensor(x)
    np.testing.assert_allclose(getattr(t, name)(axis=-1).numpy(), getattr(np, name)(x, axis=-1))
    np.testing.assert_allclose(getattr(t, name)().numpy(), getattr(np, name)(x))
    got = getattr(t, name)(axis=0, keepdims=True).numpy()
    np.testing.assert_allclose(got, getattr(np, name)(x, axis=0, keepdims=True))


@pytest.mark.parametrize(
    "axis, error, match",
    [
        (2, ValueError, r"sum: axis 2 is out of bounds for a tensor of rank 2"),
        ((0, -2), ValueError, r"sum: axis \(0, -2\) repeats an axis"),
        (1.0, TypeError, r"sum: axis must be an int or a tuple of ints"),
    ],
)
def test_bad_axis(axis, error, match):
    with pytest.raises(error, match=match):
        ops.sum(np.ones((2, 3)), axis=axis)


def test_axis_of_a_0d_tensor_reduces_nothing_like_torch():
    x = np.array(2.5)
    for name in ("sum", "mean", "max", "prod"):
        assert getattr(ops, name)(x, axis=0).item() == 2.5
        assert getattr(ops, name)(x, axis=-1).item() == 2.5


# --------------------------------------------------------------------------- properties
@st.composite
def array_and_axis(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3, width=64), unique=True))
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    return x, axis, draw(st.booleans())


@settings(max_examples=30, deadline=None)
@given(array_and_axis(), st.sampled_from(["sum", "mean", "max", "logsumexp"]))
def test_reductions_match_numpy_and_torch(case, name):
    x, axis, keepdims = case
    op = getattr(ops, name)
    got = op(x, axis=axis, keepdims=keepdims)
    ref = {"max": torch.amax}.get(name, getattr(torch, name))
    dim = tuple(range(x.ndim)) if axis is None else axis
    want = ref(torch.tensor(x), dim=dim, keepdim=keepdims).numpy()
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    r = np.random.default_rng(0).standard_normal(want.shape)
    g = dn_grads(lambda t: op(t, axis=axis, keepdims=keepdims), [x], r)[0]
    w = torch_grads(lambda t: ref(t, dim=dim, keepdim=keepdims), [x], r)[0]
    np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
