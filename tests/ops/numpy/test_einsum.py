"""einsum: matrix products, reductions, ellipsis, and repeated indices (traces, diagonals) —
against torch.einsum (forward, gradients, second order) and keras.ops (dtypes)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

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
    ("ii->", (3, 3)),  # trace
    ("ii->i", (3, 3)),  # diagonal
    ("ii", (3, 3)),  # implicit: the trace
    ("iij,j->i", (2, 2, 3), (3,)),
    ("ij,jj->i", (2, 3), (3, 3)),
    ("iji->j", (2, 3, 2)),
    ("iiii->i", (2, 2, 2, 2)),
    ("bii->b", (4, 3, 3)),  # batched traces
    ("...ii->...i", (2, 3, 3)),
    ("ii,jj->ij", (2, 2), (3, 3)),
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


@pytest.mark.parametrize(
    "spec, args, match",
    [
        ("ijk,k->ij", (np.ones((2, 3)), np.ones(3)), "do not match an operand of rank 2"),
        ("ij,jk->ik", (np.ones((2, 3)),), "names 2 operands, received 1"),
        ("ii->i", (np.ones((2, 3)),), "repeated index 'i' has sizes 2 and 3"),
        ("ij->ii", (np.ones((2, 2)),), "must be distinct"),
        ("ij->k", (np.ones((2, 2)),), "must be distinct indices of the inputs"),
        ("i1->i", (np.ones((2, 2)),), "must be letters"),
    ],
    ids=["rank", "operands", "diagonal-sizes", "repeated-output", "unknown-output", "digit"],
)
def test_einsum_errors(spec, args, match):
    with pytest.raises(ValueError, match=match):
        ops.einsum(spec, *args)


KERAS_CASES = [
    ("ij,jk->ik", (np.ones((2, 3), np.float32), np.ones((3, 2), np.float32))),
    ("ii->i", (np.arange(9.0).reshape(3, 3),)),
    ("ij,kj->ik", (np.arange(6, dtype=np.int8).reshape(2, 3),) * 2),  # int8 → int32
    ("i,i", (np.arange(3, dtype=np.int32),) * 2),
]


@pytest.mark.parametrize("spec, args", KERAS_CASES, ids=[c[0] for c in KERAS_CASES])
def test_against_keras(spec, args):
    check_keras("einsum", spec, *args)


def test_mixed_dtypes_are_promoted():
    # Keras's PyTorch backend refuses mixed dtypes; the common dtype is used here.
    out = ops.einsum("ij,j->i", np.ones((2, 3), np.int32), np.ones(3, np.float32))
    assert out.dtype == np.float32 and out.numpy().tolist() == [3.0, 3.0]


def test_keyword_arguments_are_accepted():
    out = ops.einsum("i,i->", np.ones(3), np.ones(3), optimize="greedy")
    assert out.item() == 3.0
