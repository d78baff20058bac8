"""tril, triu, diagonal, diag, diagflat, trace — against keras.ops (shapes, dtypes, values)
and torch.autograd (first and second derivatives)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

M = np.arange(12.0).reshape(3, 4)
X = np.arange(24.0).reshape(2, 3, 4)
I32 = np.arange(9, dtype=np.int32).reshape(3, 3)

KERAS_CASES = [
    ("tril", (M,), {}),
    ("tril", (X, -1), {}),
    ("triu", (M, 2), {}),
    ("triu", (I32,), {}),
    ("diagonal", (M,), {}),
    ("diagonal", (M, 1), {}),
    ("diagonal", (M, -2), {}),
    ("diagonal", (X, 0, 1, 2), {}),
    ("diagonal", (X, 1, -1, 0), {}),
    ("diagonal", (M, 5), {}),  # past the corner: empty
    ("diag", (np.arange(3.0),), {}),
    ("diag", (np.arange(3.0), -1), {}),
    ("diag", (M,), {}),
    ("diag", (M, 2), {}),
    ("diagflat", (np.arange(4.0).reshape(2, 2),), {}),
    ("diagflat", (np.arange(3.0), 1), {}),
    ("trace", (M,), {}),
    ("trace", (X, 1, 1, 2), {}),
    ("trace", (I32,), {}),
    ("trace", (I32.astype(np.int64),), {}),
    ("trace", (I32.astype(np.int8),), {}),  # narrow integers sum as int32
    ("trace", (I32 > 3,), {}),
]


@pytest.mark.parametrize(
    "name, args, kwargs", KERAS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)]
)
def test_against_keras(name, args, kwargs):
    check_keras(name, *args, **kwargs)


def test_vector_triangles_as_numpy():
    np.testing.assert_array_equal(ops.tril(np.arange(3.0)).numpy(), np.tril(np.arange(3.0)))
    np.testing.assert_array_equal(ops.triu(np.arange(3.0), 1).numpy(), np.triu(np.arange(3.0), 1))


GRAD_CASES = [
    (lambda x: ops.tril(x), torch.tril, (3, 4)),
    (lambda x: ops.tril(x, 1), lambda x: torch.tril(x, 1), (2, 3, 3)),
    (lambda x: ops.triu(x, -1), lambda x: torch.triu(x, -1), (4, 3)),
    (lambda x: ops.diagonal(x), torch.diagonal, (3, 4)),
    (lambda x: ops.diagonal(x, -1, 2, 0), lambda x: torch.diagonal(x, -1, 2, 0), (3, 2, 4)),
    (lambda x: ops.diag(x, 1), lambda x: torch.diag(x, 1), (3,)),
    (lambda x: ops.diag(x, -1), lambda x: torch.diag(x, -1), (3, 3)),
    (lambda x: ops.diagflat(x, -2), lambda x: torch.diagflat(x, -2), (2, 2)),
    (lambda x: ops.trace(x), torch.trace, (3, 4)),
    (lambda x: ops.trace(x, 1, 1, 2), lambda x: x.diagonal(1, 1, 2).sum(-1), (2, 3, 3)),
]


@pytest.mark.parametrize(
    "fn, torch_fn, shape", GRAD_CASES, ids=[f"grad-{i}" for i in range(len(GRAD_CASES))]
)
def test_grad(fn, torch_fn, shape):
    check_op(fn, torch_fn, shape)


def test_diagonal_of_a_product_second_order():
    # second derivatives flow through the diagonal's adjoint (diagonal of x·xᵀ)
    check_op(lambda x: ops.diagonal(x @ x.T), lambda x: torch.diagonal(x @ x.T), (3, 2))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.diagonal(np.ones(3)), "rank >= 2"),
        (lambda: ops.diagonal(np.ones((2, 2)), 0, 1, -1), "must differ"),
        (lambda: ops.diag(np.ones((2, 2, 2))), "1-d or 2-d"),
        (lambda: ops.tril(np.float64(1.0)), "rank >= 1"),
    ],
    ids=["diagonal-rank", "diagonal-axes", "diag", "tril"],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
