"""matmul (1-d, 2-d, batched broadcast), dot, vdot, tensordot, inner, outer, kron, cross —
against keras.ops (shapes, dtypes, values) and torch.autograd (first and second order)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, torch_grads
from tests.ops.keras_reference import check_keras

torch = reference("torch")

F32 = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
I32 = np.arange(6, dtype=np.int32).reshape(2, 3)
I64 = I32.astype(np.int64)
I8 = I32.astype(np.int8)
V3 = np.array([1.0, -2.0, 0.5], np.float32)

KERAS_CASES = [
    ("matmul", (F32, F32.T), {}),
    ("matmul", (I32, I32.T), {}),  # integers stay integers
    ("matmul", (I8, I8.T), {}),  # int8 · int8 accumulates in int32
    ("matmul", (I64, F32.T), {}),  # Keras's lattice: float32
    ("matmul", (I32 > 2, (I32 < 4).T), {}),  # booleans: any product true
    ("matmul", (V3, np.ones((3, 2), np.float32)), {}),
    ("dot", (I32, I32.T), {}),
    ("dot", (F32, V3), {}),
    ("dot", (np.float32(2.0), V3), {}),
    ("vdot", (V3, V3), {}),
    ("inner", (I32, I32), {}),
    ("inner", (F32, F32), {}),
    ("outer", (I32, F32), {}),
    ("tensordot", (F32, F32), {}),
    ("tensordot", (I32, F32), {"axes": ([1], [1])}),
    ("tensordot", (F32, F32.T), {"axes": 1}),
    ("tensordot", (F32, F32), {"axes": (0, 0)}),
    ("kron", (F32, F32[:, :2]), {}),
    ("kron", (I32, F32), {}),
    ("kron", (V3, F32), {}),
    ("cross", (V3, np.array([0.0, 1.0, 2.0], np.float32)), {}),
    ("cross", (np.ones((2, 3), np.float32), np.stack([V3, -V3])), {}),
    (
        "cross",
        (np.ones((3, 2), np.float32), np.arange(6, dtype=np.float32).reshape(3, 2)),
        {"axis": 0},
    ),
]


@pytest.mark.parametrize(
    "name, args, kwargs", KERAS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)]
)
def test_against_keras(name, args, kwargs):
    check_keras(name, *args, **kwargs, atol=1e-5, rtol=1e-6)


@pytest.mark.parametrize(
    "shapes",
    [
        ((2, 3), (3, 4)),
        ((3,), (3,)),  # 1-d @ 1-d -> scalar
        ((3,), (3, 4)),  # 1-d on the left
        ((2, 3), (3,)),  # 1-d on the right
        ((5, 2, 3), (3, 4)),  # batched @ matrix
        ((2, 3), (5, 3, 4)),
        ((2, 1, 2, 3), (4, 3, 2)),  # batch dims broadcast
        ((3,), (2, 3, 4)),
        ((0, 3), (3, 2)),  # empty
        ((2, 0), (0, 3)),  # empty contraction gives zeros
    ],
    ids=str,
)
def test_matmul(shapes):
    check_op(ops.matmul, torch.matmul, *shapes, atol=1e-12, rtol=1e-12)


def test_matmul_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        ops.matmul(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="at least one dimension"):
        ops.matmul(np.float64(2.0), np.ones(3))


@pytest.mark.parametrize(
    "shapes",
    [
        ((3,), (3,)),
        ((2, 3), (3, 4)),
        ((2, 3), (3,)),
        ((), (3,)),
        ((2, 2, 3), (4, 3, 5)),
        ((2, 2, 3), (3,)),
    ],
    ids=str,
)
def test_dot(shapes):
    check_op(ops.dot, None, *shapes, np_fn=np.dot, atol=1e-12, rtol=1e-12)


def test_dot_against_torch():
    check_op(ops.dot, torch.dot, (4,), (4,))


@pytest.mark.parametrize(
    "shapes, axes",
    [
        (((2, 3, 4), (3, 4, 5)), 2),
        (((2, 3), (3, 4)), 1),
        (((2, 3), (4, 5)), 0),  # outer product
        (((3, 2, 4), (4, 3)), ([0, 2], [1, 0])),
        (((3, 4), (4, 2)), ([-1], [0])),
        (((2, 3), (3, 2)), ([1], [0])),
    ],
    ids=str,
)
def test_tensordot(shapes, axes):
    check_op(
        lambda a, b: ops.tensordot(a, b, axes),
        lambda a, b: torch.tensordot(a, b, dims=axes),
        *shapes,
        atol=1e-12,
        rtol=1e-12,
    )


def test_tensordot_int_pair_axes():
    check_op(
        lambda a, b: ops.tensordot(a, b, (1, 0)),
        None,
        (2, 3),
        (3, 2),
        np_fn=lambda a, b: np.tensordot(a, b, (1, 0)),
    )


def test_tensordot_error():
    with pytest.raises(ValueError, match="tensordot: axis 1 of .*equal sizes"):
        ops.tensordot(np.ones((2, 3)), np.ones((4, 2)), axes=1)


def test_inner_outer_vdot_kron():
    check_op(ops.inner, torch.inner, (2, 3), (4, 3))
    check_op(ops.outer, torch.outer, (3,), (4,))
    check_op(ops.outer, lambda a, b: torch.outer(a.reshape(-1), b.reshape(-1)), (2, 2), (3,))
    check_op(ops.vdot, lambda a, b: (a * b).sum(), (2, 3), (2, 3))
    check_op(ops.kron, torch.kron, (2, 3), (3, 2))
    check_op(ops.kron, torch.kron, (2,), (2, 3))


@pytest.mark.parametrize(
    "shapes, kwargs",
    [
        (((3,), (3,)), {}),
        (((2, 3), (3,)), {}),
        (((4, 1, 3), (2, 3)), {}),
        (((3, 2), (3, 2)), {"axis": 0}),
        (((2, 3), (3, 2)), {"axisa": -1, "axisb": 0, "axisc": 0}),
        (((2,), (3,)), {}),
        (((2, 2), (2, 2)), {}),
    ],
    ids=["vectors", "broadcast", "batched", "axis", "axisabc", "2-and-3", "2-and-2"],
)
def test_cross(shapes, kwargs):
    check_op(
        lambda a, b: ops.cross(a, b, **kwargs),
        None,
        *shapes,
        np_fn=lambda a, b: _np_cross(a, b, **kwargs),
    )


def _np_cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """np.cross, with 2-vectors (deprecated in NumPy 2) read as 3-vectors with a zero z."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    planar = a.shape[-1] == b.shape[-1] == 2
    a, b = (
        np.concatenate([v, np.zeros_like(v[..., :1])], -1) if v.shape[-1] == 2 else v
        for v in (a, b)
    )
    out = np.cross(a, b)
    return out[..., 2] if planar else np.moveaxis(out, -1, axisc)


def test_cross_against_torch():
    check_op(lambda a, b: ops.cross(a, b), lambda a, b: torch.linalg.cross(a, b), (2, 3), (2, 3))


def test_dot_is_numpys_not_a_batched_matmul():
    # np.dot sums over the last axis of a and the second-to-last of b, pairing every batch
    # of a with every batch of b; Keras's PyTorch backend would broadcast them instead.
    a, b = np.ones((3, 4)), np.ones((2, 4, 5))
    assert ops.dot(a, b).shape == np.dot(a, b).shape == (3, 2, 5)


# --------------------------------------------------------------------------- properties
@settings(max_examples=25, deadline=None)
@given(
    hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
)
def test_batched_matmul_broadcast(batches, m, k, n):
    batch_a, batch_b = batches.input_shapes
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((*batch_a, m, k)), rng.standard_normal((*batch_b, k, n))
    want = np.matmul(a, b)
    np.testing.assert_allclose(ops.matmul(a, b).numpy(), want, rtol=1e-12, atol=1e-12)
    r = rng.standard_normal(want.shape)
    for g, w in zip(dn_grads(ops.matmul, [a, b], r), torch_grads(torch.matmul, [a, b], r)):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
