"""flip, fliplr, flipud, rot90, roll, repeat, tile, diff — against keras.ops (shapes, dtypes,
values) and torch.autograd (first and second derivatives)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

X = np.arange(24.0).reshape(2, 3, 4)
I64 = np.arange(6).reshape(2, 3)

KERAS_CASES = [
    ("flip", (X,), {}),
    ("flip", (X, 1), {}),
    ("flip", (X, (0, -1)), {}),
    ("fliplr", (X,), {}),
    ("flipud", (I64,), {}),
    ("rot90", (I64,), {}),
    ("rot90", (X,), {"k": 2}),
    ("rot90", (X,), {"k": -1, "axes": (1, 2)}),
    ("rot90", (X,), {"k": 3, "axes": (2, 0)}),
    ("roll", (I64, 1), {}),
    ("roll", (X, -2, 2), {}),
    ("roll", (X, (1, 2), (0, 2)), {}),
    ("repeat", (I64, 2), {}),
    ("repeat", (X, 2), {"axis": 1}),
    ("repeat", (X, np.array([1, 0, 2])), {"axis": 1}),
    ("repeat", (X, np.array([3])), {"axis": -1}),
    ("tile", (I64, 2), {}),
    ("tile", (I64, (2, 1, 2)), {}),
    ("tile", (X, (2, 1)), {}),
    ("diff", (I64,), {}),
    ("diff", (X,), {"n": 2, "axis": 1}),
    ("diff", (X,), {"n": 0}),
    ("diff", (np.array([1.0, 4.0]),), {"n": 3}),
    ("diff", (I64 > 2,), {}),
]


@pytest.mark.parametrize(
    "name, args, kwargs", KERAS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)]
)
def test_against_keras(name, args, kwargs):
    check_keras(name, *args, **kwargs)


GRAD_CASES = [
    (lambda x: ops.flip(x), lambda x: torch.flip(x, (0, 1, 2)), (2, 3, 2)),
    (lambda x: ops.flip(x, -1), lambda x: torch.flip(x, (-1,)), (2, 3)),
    (ops.fliplr, torch.fliplr, (2, 3)),
    (ops.flipud, torch.flipud, (3,)),
    (lambda x: ops.rot90(x), lambda x: torch.rot90(x), (2, 3)),
    (lambda x: ops.rot90(x, 3, (1, 2)), lambda x: torch.rot90(x, 3, (1, 2)), (2, 3, 2)),
    (lambda x: ops.rot90(x, 2), lambda x: torch.rot90(x, 2), (2, 3)),
    (lambda x: ops.roll(x, 2), lambda x: torch.roll(x, 2), (2, 3)),
    (lambda x: ops.roll(x, -1, 1), lambda x: torch.roll(x, -1, 1), (2, 3)),
    (lambda x: ops.roll(x, (1, 2), (0, 1)), lambda x: torch.roll(x, (1, 2), (0, 1)), (2, 3)),
    (lambda x: ops.repeat(x, 2), lambda x: torch.repeat_interleave(x, 2), (2, 3)),
    (
        lambda x: ops.repeat(x, [2, 0, 1], axis=1),
        lambda x: torch.repeat_interleave(x, torch.tensor([2, 0, 1]), dim=1),
        (2, 3),
    ),
    (lambda x: ops.repeat(x, 3), lambda x: torch.repeat_interleave(x.reshape(-1), 3), ()),
    (lambda x: ops.tile(x, 2), lambda x: torch.tile(x, (2,)), (2, 3)),
    (lambda x: ops.tile(x, (2, 1, 2)), lambda x: torch.tile(x, (2, 1, 2)), (2, 3)),
    (lambda x: ops.diff(x), lambda x: torch.diff(x), (2, 4)),
    (lambda x: ops.diff(x, 2, 0), lambda x: torch.diff(x, 2, 0), (4, 2)),
]


@pytest.mark.parametrize(
    "fn, torch_fn, shape", GRAD_CASES, ids=[f"grad-{i}" for i in range(len(GRAD_CASES))]
)
def test_grad(fn, torch_fn, shape):
    check_op(fn, torch_fn, shape)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.fliplr(np.ones(3)), "rank >= 2"),
        (lambda: ops.rot90(np.ones(3)), "rank >= 2"),
        (lambda: ops.rot90(np.ones((2, 2)), axes=(0, 0)), "repeated axis"),
        (lambda: ops.roll(np.ones((2, 2)), (1, 2), 0), "same length"),
        (lambda: ops.repeat(np.ones(3), [1, 2]), "expected 3 non-negative counts"),
        (lambda: ops.diff(np.ones(3), -1), "must be >= 0"),
        (lambda: ops.flip(np.ones(3), 1), "axis 1 is out of bounds"),
    ],
    ids=["fliplr", "rot90-rank", "rot90-axes", "roll", "repeat", "diff", "flip"],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
