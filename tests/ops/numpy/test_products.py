"""matmul (1-d, 2-d, batched broadcast), dot, tensordot, einsum, inner, outer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, torch_grads

torch = reference("torch")


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


EINSUM = [
    ("ij,jk->ik", (2, 3), (3, 4)),
    ("ij,jk", (2, 3), (3, 4)),  # implicit output
    ("i,i->", (3,), (3,)),
    ("i,j->ij", (3,), (2,)),
    ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
    ("ij->ji", (2, 3)),
    ("ij->i", (2, 3)),  # reduction of an index only the operand carries
    ("ij,j->", (2, 3), (3,)),
    ("...ij,jk->...ik", (2, 5, 3, 4), (4, 2)),  # ellipsis
    ("...i,...i->...", (2, 3), (2, 3)),
    ("...ij,...jk->...ik", (1, 2, 3), (4, 3, 5)),  # ellipsis dims broadcast
    ("i,jk->ijk", (2,), (1, 3)),
    ("ijk,k->ij", (0, 2, 3), (3,)),
]


@pytest.mark.parametrize(
    "spec, shapes", [(c[0], c[1:]) for c in EINSUM], ids=[c[0] for c in EINSUM]
)
def test_einsum(spec, shapes):
    check_op(
        lambda *xs: ops.einsum(spec, *xs),
        lambda *xs: torch.einsum(spec, *xs),
        *shapes,
        atol=1e-12,
        rtol=1e-12,
    )


def test_einsum_three_operands():
    check_op(
        lambda a, b, c: ops.einsum("ij,jk,kl->il", a, b, c),
        lambda a, b, c: torch.einsum("ij,jk,kl->il", a, b, c),
        (2, 3),
        (3, 4),
        (4, 2),
    )


def test_einsum_bad_subscripts():
    with pytest.raises(ValueError, match="do not match an operand of rank 2"):
        ops.einsum("ijk,k->ij", np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match="names 2 operands, got 1"):
        ops.einsum("ij,jk->ik", np.ones((2, 3)))


def test_inner_outer():
    check_op(ops.inner, torch.inner, (2, 3), (4, 3))
    check_op(ops.outer, torch.outer, (3,), (4,))


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
