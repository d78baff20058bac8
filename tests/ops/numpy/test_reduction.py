"""Reductions: sum, mean, max, min, var, std, prod, logsumexp, argmax, argmin — over all
axes, one axis, negative axes, several axes, keepdims, 0-d and empty inputs."""

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


def _dim(axis, shape):
    """torch's ``dim`` for a NumPy ``axis`` (all axes when None)."""
    return tuple(range(len(shape))) if axis is None else axis


@pytest.mark.parametrize("shape, axis, keepdims", CASES, ids=IDS)
def test_sum(shape, axis, keepdims):
    check_op(
        lambda x: ops.sum(x, axis=axis, keepdims=keepdims),
        lambda x: torch.sum(x, dim=_dim(axis, shape), keepdim=keepdims),
        shape,
    )


@pytest.mark.parametrize("shape, axis, keepdims", CASES, ids=IDS)
def test_mean(shape, axis, keepdims):
    check_op(
        lambda x: ops.mean(x, axis=axis, keepdims=keepdims),
        lambda x: torch.mean(x, dim=_dim(axis, shape), keepdim=keepdims),
        shape,
    )


@pytest.mark.parametrize("shape, axis, keepdims", CASES, ids=IDS)
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min(name, shape, axis, keepdims):
    ref = torch.amax if name == "max" else torch.amin
    check_op(
        lambda x: getattr(ops, name)(x, axis=axis, keepdims=keepdims),
        lambda x: ref(x, dim=_dim(axis, shape), keepdim=keepdims),
        shape,
    )


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_ties_share_the_gradient_like_torch_amax(name):
    x = np.array([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.0]])
    ref = torch.amax if name == "max" else torch.amin
    r = np.array([1.0, 2.0])
    got = dn_grads(lambda t: getattr(ops, name)(t, axis=1), [x], r)[0]
    want = torch_grads(lambda t: ref(t, dim=1), [x], r)[0]
    np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("shape, axis, keepdims", CASES[:5], ids=IDS[:5])
@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std(name, ddof, shape, axis, keepdims):
    ref = getattr(torch, name)
    check_op(
        lambda x: getattr(ops, name)(x, axis=axis, keepdims=keepdims, ddof=ddof),
        lambda x: ref(x, dim=_dim(axis, shape), keepdim=keepdims, correction=ddof),
        shape,
    )


@pytest.mark.parametrize("x, ddof", [([1.0, 2.0], 2), ([1.0], 1), ([1.0, 2.0], 3)])
def test_var_with_ddof_not_below_n_gives_inf_or_nan_like_torch(x, ddof):
    with np.errstate(divide="ignore", invalid="ignore"):
        got = ops.var(np.array(x), ddof=ddof).item()
    with pytest.warns(UserWarning):
        want = torch.var(torch.tensor(x, dtype=torch.float64), correction=ddof).item()
    np.testing.assert_equal(got, want)


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


@pytest.mark.parametrize(
    "x",
    [
        [[1.5, 0.0, 2.0], [0.5, 3.0, -1.0]],  # one zero in a row
        [[0.0, 0.0, 2.0], [0.5, 0.0, -1.0]],  # two zeros in a row
        [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]],
    ],
    ids=["one-zero", "two-zeros", "all-zero"],
)
@pytest.mark.parametrize("axis", [1, None])
def test_prod_with_zeros(x, axis):
    check_op(lambda t: ops.prod(t, axis=axis), _torch_prod(axis, False, 2), inputs=[x])


@pytest.mark.parametrize("shape, axis, keepdims", CASES, ids=IDS)
def test_logsumexp(shape, axis, keepdims):
    check_op(
        lambda x: ops.logsumexp(x, axis=axis, keepdims=keepdims),
        lambda x: torch.logsumexp(x, dim=_dim(axis, shape), keepdim=keepdims),
        shape,
    )


@pytest.mark.parametrize("axis", [0, 1])
def test_logsumexp_over_an_empty_axis_is_minus_inf_like_torch(axis):
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


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (-1, True)])
def test_argmax_argmin(name, axis, keepdims):
    x = np.random.default_rng(0).standard_normal((3, 4))
    t = dn.tensor(x, requires_grad=True)
    got = getattr(ops, name)(t, axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(got.numpy(), getattr(np, name)(x, axis=axis, keepdims=keepdims))
    assert got.dtype.kind == "i" and not got.requires_grad
    np.testing.assert_array_equal(getattr(t, name)(axis=axis).numpy(), getattr(np, name)(x, axis))


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "std", "prod"])
def test_tensor_methods(name):
    x = np.random.default_rng(0).uniform(0.5, 2, (2, 3))
    t = dn.tensor(x)
    np.testing.assert_allclose(getattr(t, name)(axis=-1).numpy(), getattr(np, name)(x, axis=-1))
    np.testing.assert_allclose(getattr(t, name)().numpy(), getattr(np, name)(x))
    got = getattr(t, name)(axis=0, keepdims=True).numpy()
    np.testing.assert_allclose(got, getattr(np, name)(x, axis=0, keepdims=True))


def test_axis_out_of_bounds():
    with pytest.raises(ValueError, match="axis 2 is out of bounds.*rank 2"):
        ops.sum(np.ones((2, 3)), axis=2)


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
