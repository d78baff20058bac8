"""Sorting and searching: sort (differentiable), argsort, argpartition, argmax, argmin,
searchsorted, nonzero — against Keras (values and int32 dtypes), NumPy and torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype("float32")
TIES = np.array([[2, 1, 2, 1], [0, 0, 3, 0], [5, 5, 5, 5]], dtype="int32")


@pytest.mark.parametrize("axis", [-1, 0, None])
@pytest.mark.parametrize(
    "x", [X, TIES, TIES > 1, TIES.astype("uint8")], ids=["f32", "i32", "b", "u8"]
)
@pytest.mark.parametrize("name", ["sort", "argsort"])
def test_sort_argsort_match_keras(name, x, axis):
    """argsort is stable (Keras's ``stable=True``), so ties keep their order."""
    check_keras(name, x, axis=axis)


@pytest.mark.parametrize("axis", [-1, 0, None])
def test_sort_gradient(axis):
    ref = (lambda t: torch.sort(t.reshape(-1)).values) if axis is None else None
    check_op(
        lambda x: ops.sort(x, axis=axis),
        ref or (lambda t: torch.sort(t, dim=axis).values),
        (4, 5),
    )


def test_sort_puts_nan_last_like_keras():
    x = np.array([[2.0, np.nan, -1.0], [np.nan, 0.0, np.nan]], dtype="float32")
    check_keras("sort", x)
    check_keras("argsort", x)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (None, True), (0, False), (-1, True)])
@pytest.mark.parametrize("x", [X, TIES, TIES > 1], ids=["f32", "i32", "b"])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin_match_keras(name, x, axis, keepdims):
    """int32 indices; the first of tied extremes wins."""
    check_keras(name, x, axis=axis, keepdims=keepdims)


def test_argmax_of_nan_is_the_nan_like_keras():
    check_keras("argmax", np.array([1.0, np.nan, 3.0], dtype="float32"))


@pytest.mark.parametrize("axis", [-1, 0, None])
@pytest.mark.parametrize("kth", [0, 2, [1, 3]])
def test_argpartition_partitions(kth, axis):
    """The order inside the partitions is free (Keras's backends differ), so check the rule:
    position k holds the k-th smallest, nothing before it is larger, nothing after smaller."""
    x = np.random.default_rng(3).permutation(20).reshape(4, 5).astype("float32")
    got = ops.argpartition(x, kth, axis=axis)
    assert got.dtype == "int32"
    flat = x.reshape(-1) if axis is None else x
    idx = got.numpy()
    values = np.take_along_axis(flat, idx, axis=-1 if axis is None else axis)
    want = np.sort(flat, axis=-1 if axis is None else axis)
    ax = -1 if axis is None else axis
    np.testing.assert_array_equal(
        np.sort(idx, axis=ax), np.sort(np.argsort(flat, axis=ax), axis=ax)
    )
    for k in np.atleast_1d(kth):
        kv = np.take(values, [k], axis=ax)
        np.testing.assert_array_equal(kv, np.take(want, [k], axis=ax))
        assert (np.take(values, range(k), axis=ax) <= kv).all()
        assert (np.take(values, range(k + 1, values.shape[ax]), axis=ax) >= kv).all()


def test_argpartition_kth_out_of_bounds():
    with pytest.raises(ValueError, match=r"argpartition: kth=4 is out of bounds .* length 4"):
        ops.argpartition(np.zeros(4), 4)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize(
    "sequence, values",
    [
        (np.array([1.0, 2.0, 2.0, 3.0], "float32"), np.array([[2.0, 0.5], [3.0, 9.0]], "float32")),
        (np.array([0, 2, 4], "int32"), np.array([4, 1, -1, 2], "int32")),
    ],
)
def test_searchsorted_matches_keras(sequence, values, side):
    check_keras("searchsorted", sequence, values, side=side)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((np.ones((2, 2)), [1.0]), ValueError, r"searchsorted: sorted_sequence must be 1-d"),
        ((np.ones(2), [1.0], "middle"), ValueError, r"side must be 'left' or 'right'"),
    ],
)
def test_searchsorted_errors(args, error, match):
    with pytest.raises(error, match=match):
        ops.searchsorted(*args)


@pytest.mark.parametrize("x", [TIES, X > 0, np.array([0.0, 1.5, 0.0, -2.0])], ids=["2d", "b", "1d"])
def test_nonzero_is_a_tuple_of_int32_like_numpy(x):
    got = ops.nonzero(x)
    want = np.nonzero(x)
    assert isinstance(got, tuple) and len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == "int32"
        np.testing.assert_array_equal(g.numpy(), w)
    check_keras("nonzero", x)  # Keras's PyTorch backend stacks the same indices


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: ops.argsort(t),
        lambda t: ops.argmax(t, axis=0),
        lambda t: ops.argmin(t),
        lambda t: ops.argpartition(t, 1),
        lambda t: ops.searchsorted(ops.sort(t[0]), t),
        lambda t: ops.nonzero(t)[0],
    ],
    ids=["argsort", "argmax", "argmin", "argpartition", "searchsorted", "nonzero"],
)
def test_index_ops_carry_no_gradient(fn):
    out = fn(dn.tensor(X, requires_grad=True))
    assert out.dtype.kind == "i" and not out.requires_grad


def test_sort_without_grad_is_a_plain_sort():
    y = ops.sort(dn.tensor(X))
    assert not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), np.sort(X))
