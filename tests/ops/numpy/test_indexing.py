"""Indexing: ``x[index]`` / get_item with ints, slices, None, Ellipsis, integer arrays
(repeated indices accumulate, ``np.add.at`` semantics) and boolean masks; take,
take_along_axis, select, unravel_index, one_hot."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads
from tests.ops.keras_reference import check_keras

torch = reference("torch")

X = np.arange(12.0).reshape(3, 4)
I64 = np.arange(12).reshape(3, 4)

KERAS_CASES = [
    ("get_item", (X, 1), {}),
    ("get_item", (X, (slice(None), 2)), {}),
    ("get_item", (X, (slice(0, 2), slice(None, None, 2))), {}),
    ("take", (X, np.array([2, 0, 2])), {"axis": 0}),
    ("take", (X, np.array([[1, -1], [0, 3]])), {"axis": 1}),
    ("take", (X, np.array([5, 1])), {}),
    ("take", (I64, np.array([1.0, 0.0])), {"axis": 0}),  # float indices are truncated
    ("take_along_axis", (X, np.array([[0], [3], [1]])), {"axis": 1}),
    ("take_along_axis", (X, np.array([[2, 0, 1, 1]])), {"axis": 0}),
    ("take_along_axis", (X, np.array([[-1, 0]])), {"axis": 1}),  # broadcast over rows
    ("take_along_axis", (X, np.array([11, 0, 2])), {}),
    ("select", ([X > 8, X < 3], [X, -X]), {}),
    ("select", ([I64 > 8, I64 < 3], [I64, np.float32(2.0) * np.ones((3, 4), np.float32)]), {}),
    ("select", ([X > 5], [X]), {"default": -1.0}),
    ("unravel_index", (np.array([1, 5, 11]), (3, 4)), {}),
    ("unravel_index", (np.array([[0, 7]], np.int32), (2, 2, 2)), {}),
    ("unravel_index", (np.array([-1, 2]), (2, 3)), {}),
]


@pytest.mark.parametrize(
    "name, args, kwargs", KERAS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)]
)
def test_against_keras(name, args, kwargs):
    check_keras(name, *args, **kwargs)


MASK = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])

INDICES = {
    "int": 1,
    "negative-int": -1,
    "int-pair": (2, 3),
    "slice": slice(0, 2),
    "step-slice": (slice(None), slice(None, None, 2)),
    "negative-step": (slice(None, None, -1), 0),
    "none": (None, slice(1, 3), None),
    "ellipsis": (Ellipsis, 1),
    "int-array": np.array([2, 0]),
    "repeated-int-array": np.array([0, 2, 0, 0]),
    "2d-int-array": (slice(None), np.array([[0, 3], [3, 3]])),
    "two-int-arrays": (np.array([0, 2, 2]), np.array([1, 1, 3])),
    "list": [1, 1, 2],
    "mask": MASK,
    "row-mask": np.array([True, False, True]),
    "mask-and-slice": (np.array([False, True, True]), slice(1, None)),
    "empty-slice": slice(3, 3),
}


def _torch_index(index):
    """The same index for a torch tensor (arrays become tensors)."""
    if isinstance(index, tuple):
        return tuple(_torch_index(i) for i in index)
    if isinstance(index, (np.ndarray, list)):
        return torch.tensor(np.asarray(index))
    return index


@pytest.mark.parametrize("name", list(INDICES))
def test_getitem(name):
    index = INDICES[name]
    ref = lambda x: x[_torch_index(index)]  # noqa: E731
    if name == "negative-step":  # torch has no negative steps
        ref = lambda x: torch.flip(x, [0])[:, 0]  # noqa: E731
    check_op(lambda x: x[index], ref, (3, 4))
    np.testing.assert_array_equal(
        dn.tensor(np.arange(12.0).reshape(3, 4))[index].numpy(),
        np.arange(12.0).reshape(3, 4)[index],
    )


def test_getitem_repeated_indices_accumulate_like_add_at():
    x = np.arange(5.0)
    idx = np.array([1, 1, 3, 1, 0])
    r = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    got = dn_grads(lambda t: t[idx], [x], r)[0]
    want = np.zeros(5)
    np.add.at(want, idx, r)
    np.testing.assert_array_equal(got, want)


def test_getitem_with_a_tensor_index_and_tensor_mask():
    x = dn.tensor(np.arange(6.0), requires_grad=True)
    y = x[dn.tensor(np.array([4, 4, 0]))] + x[x > 2.5].sum()
    np.testing.assert_array_equal(y.numpy(), [4.0 + 12.0, 4.0 + 12.0, 0.0 + 12.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 0.0, 3.0, 5.0, 3.0])


def test_getitem_0d_and_iteration():
    t = dn.tensor(np.arange(6.0).reshape(2, 3))
    assert t[1, 2].shape == () and t[1, 2].item() == 5.0
    assert [row.shape for row in t] == [(3,), (3,)]
    assert len(t) == 2


def test_getitem_out_of_range_names_the_shape():
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        dn.tensor(np.ones((2, 3)))[5]


@pytest.mark.parametrize(
    "indices, axis",
    [([2, 0, 2], 0), ([[1, 0], [3, 3]], 1), ([4, 0], None), ([-1, 0], -1)],
    ids=str,
)
def test_take(indices, axis):
    def ref(x):
        idx = torch.tensor(np.asarray(indices))
        if axis is None:
            return torch.take(x, idx)
        return torch.index_select(x, axis, idx.reshape(-1) % x.shape[axis]).reshape(
            x.shape[: axis % 2] + idx.shape + x.shape[axis % 2 + 1 :]
        )

    check_op(lambda x: ops.take(x, indices, axis=axis), ref, (3, 4))
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(
        ops.take(x, indices, axis=axis).numpy(), np.take(x, indices, axis=axis)
    )


@pytest.mark.parametrize(
    "idx, axis",
    [
        (np.random.default_rng(0).integers(0, 3, (3, 3)), 0),
        (np.random.default_rng(1).integers(0, 3, (3, 3)), 1),
        (np.array([[2, 2, 0, 1]]), 0),  # broadcast over the other axis
        (np.array([[2], [0], [0]]), -1),
        (np.array([3, 3, 8, 0]), None),
    ],
    ids=["axis0", "axis1", "broadcast", "one-per-row", "flat"],
)
def test_take_along_axis(idx, axis):
    shape = (3, 3) if idx.shape[-1] != 4 else (3, 4)
    check_op(
        lambda x: ops.take_along_axis(x, idx, axis=axis),
        lambda x: torch.take_along_dim(x, torch.tensor(idx), dim=axis),
        shape,
    )


def test_flat_negative_indices_count_from_the_end_of_the_flattened_tensor():
    # NumPy's rule; Keras's PyTorch backend offsets them by the size of the first axis.
    assert ops.take(X, np.array([-1])).numpy().tolist() == [11.0]
    assert ops.take_along_axis(X, np.array([-2])).numpy().tolist() == [10.0]


def test_select_grad():
    cond = [np.array([True, False, False, True]), np.array([True, True, False, False])]
    check_op(
        lambda a, b, d: ops.select(cond, [a, b], d),
        lambda a, b, d: torch.where(
            torch.tensor(cond[0]), a, torch.where(torch.tensor(cond[1]), b, d)
        ),
        (4,),
        (4,),
        (4,),
    )


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ops.take(X, [3], axis=0), IndexError, "valid: -3 to 2"),
        (lambda: ops.take_along_axis(X, np.array([0, 1]), axis=1), ValueError, "same rank"),
        (lambda: ops.take_along_axis(X, np.zeros((2, 1), int), 1), ValueError, "broadcast"),
        (lambda: ops.select([X > 1], [X, X]), ValueError, "same length"),
        (lambda: ops.unravel_index(np.array([6]), (2, 3)), IndexError, "size 6"),
        (lambda: ops.take(X, np.array([True])), TypeError, "must be integers"),
    ],
    ids=["take-range", "rank", "broadcast", "select", "unravel", "bool-indices"],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("axis", [-1, 0])
def test_one_hot(axis):
    labels = np.array([[0, 2], [1, -1]])
    got = ops.one_hot(labels, 3, axis=axis)
    want = np.eye(3, dtype=np.float32)[labels.clip(0)] * (labels >= 0)[..., None]
    want = np.moveaxis(want, -1, axis)
    np.testing.assert_array_equal(got.numpy(), want)
    assert got.dtype == np.float32
    ref = torch.nn.functional.one_hot(torch.tensor([0, 2, 1]), 3).numpy()
    np.testing.assert_array_equal(ops.one_hot([0, 2, 1], 3, dtype="int64").numpy(), ref)


# --------------------------------------------------------------------------- properties
@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(-5, 4), min_size=0, max_size=8),
    st.integers(-6, 6),
    st.integers(-6, 6),
    st.sampled_from([1, 2, -1]),
)
def test_random_indices_match_numpy_and_add_at(idx, start, stop, step):
    x = np.random.default_rng(0).standard_normal((5, 3))
    index = (slice(start, stop, step), 1) if not idx else (np.array(idx, dtype=np.int64),)
    want_y = x[index]
    r = np.random.default_rng(1).standard_normal(want_y.shape)
    got = dn_grads(lambda t: t[index], [x], r)[0]
    want = np.zeros_like(x)
    np.add.at(want, index, r)
    np.testing.assert_array_equal(dn.tensor(x)[index].numpy(), want_y)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
