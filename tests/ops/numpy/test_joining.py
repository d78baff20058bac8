"""Joining and splitting: concatenate, stack, hstack, vstack, dstack, append, split,
array_split, hsplit, vsplit, dsplit — against keras.ops (shapes, dtypes, values) and
torch.autograd (gradients)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

A = np.arange(6.0).reshape(2, 3)
B = np.arange(6.0, 12.0).reshape(2, 3)
V = np.arange(3.0)
I32 = np.arange(6, dtype=np.int32).reshape(2, 3)
F32 = np.ones((2, 3), np.float32)
I64 = np.arange(6).reshape(2, 3)

KERAS_CASES = [
    ("concatenate", ([A, B],), {}),
    ("concatenate", ([A, B[:, :1]],), {"axis": -1}),
    ("concatenate", ([I32, F32],), {}),  # promoted: float32
    ("concatenate", ([I64, F32],), {}),  # Keras's lattice: float32, not NumPy's float64
    ("concatenate", ([I32, I64],), {}),
    ("concatenate", ([I32 > 2, I32 < 2],), {}),
    ("stack", ([A, B],), {}),
    ("stack", ([A, B],), {"axis": -1}),
    ("stack", ([V, V, V],), {"axis": 1}),
    ("stack", ([I32, F32],), {}),
    ("hstack", ([A, B],), {}),
    ("hstack", ([V, V],), {}),
    ("vstack", ([A, B],), {}),
    ("vstack", ([V, V],), {}),
    ("dstack", ([A, B],), {}),
    ("dstack", ([V, V],), {}),
    ("append", (A, B), {}),
    ("append", (A, B), {"axis": 0}),
    ("append", (I32, F32), {"axis": 1}),
    ("split", (np.arange(12.0).reshape(6, 2), 3), {}),
    ("split", (A, [1, 2]), {"axis": 1}),
    ("split", (np.zeros((0, 2)), 2), {}),
    ("array_split", (np.arange(7.0), 3), {}),
    ("array_split", (np.arange(8.0).reshape(2, 4), 3), {"axis": 1}),
    ("hsplit", (np.arange(8.0).reshape(2, 4), 2), {}),
    ("hsplit", (np.arange(4.0), 2), {}),
    ("vsplit", (np.arange(8.0).reshape(4, 2), [1]), {}),
    ("dsplit", (np.arange(8.0).reshape(1, 2, 4), 2), {}),
]


@pytest.mark.parametrize(
    "name, args, kwargs", KERAS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)]
)
def test_against_keras(name, args, kwargs):
    check_keras(name, *args, **kwargs)


@pytest.mark.parametrize(
    "shapes, axis",
    [(((2, 3), (4, 3)), 0), (((2, 3), (2, 1), (2, 2)), -1), (((0, 3), (2, 3)), 0), (((3,),), 0)],
    ids=str,
)
def test_concatenate_grad(shapes, axis):
    check_op(lambda *xs: ops.concatenate(xs, axis=axis), lambda *xs: torch.cat(xs, axis), *shapes)


def test_concatenate_axis_none_flattens():
    check_op(
        lambda a, b: ops.concatenate([a, b], axis=None),
        lambda a, b: torch.cat([a.reshape(-1), b.reshape(-1)]),
        (2, 2),
        (3,),
    )


@pytest.mark.parametrize(
    "n, shape, axis", [(3, (2, 3), 0), (2, (2, 3), -1), (2, (), 0), (1, (2,), 1)]
)
def test_stack_grad(n, shape, axis):
    check_op(lambda *xs: ops.stack(xs, axis=axis), lambda *xs: torch.stack(xs, axis), *[shape] * n)


@pytest.mark.parametrize(
    "fn, torch_fn, shapes",
    [
        (ops.hstack, torch.hstack, ((2, 3), (2, 1))),
        (ops.vstack, torch.vstack, ((3,), (2, 3))),
        (ops.dstack, torch.dstack, ((2, 3), (2, 3, 2))),
    ],
    ids=["hstack", "vstack", "dstack"],
)
def test_hvd_stack_grad(fn, torch_fn, shapes):
    check_op(lambda *xs: fn(list(xs)), lambda *xs: torch_fn(list(xs)), *shapes)


def test_append_grad():
    check_op(
        lambda a, b: ops.append(a, b),
        lambda a, b: torch.cat([a.reshape(-1), b.reshape(-1)]),
        (2, 2),
        (3,),
    )


def _weighted_join(split_fn, join_axis):
    """Split, weight each piece differently (so that a mis-routed gradient shows), rejoin."""

    def fn(x):
        parts = split_fn(x)
        return ops.concatenate([p * (i + 1) for i, p in enumerate(parts)], axis=join_axis)

    return fn


def _torch_weighted_join(split_fn, join_axis):
    def fn(x):
        parts = split_fn(x)
        return torch.cat([p * (i + 1) for i, p in enumerate(parts)], join_axis)

    return fn


@pytest.mark.parametrize(
    "split_fn, torch_split, shape, axis",
    [
        (lambda x: ops.split(x, 3), lambda x: torch.tensor_split(x, 3), (6, 2), 0),
        (
            lambda x: ops.split(x, [1, 4], -1),
            lambda x: torch.tensor_split(x, [1, 4], -1),
            (2, 6),
            -1,
        ),
        (lambda x: ops.split(x, [0, 4]), lambda x: torch.tensor_split(x, [0, 4]), (4, 3), 0),
        (lambda x: ops.array_split(x, 3), lambda x: torch.tensor_split(x, 3), (7,), 0),
        (lambda x: ops.hsplit(x, 2), lambda x: torch.hsplit(x, 2), (2, 4), 1),
        (lambda x: ops.vsplit(x, [1]), lambda x: torch.vsplit(x, [1]), (3, 2), 0),
        (lambda x: ops.dsplit(x, 2), lambda x: torch.dsplit(x, 2), (1, 2, 4), 2),
    ],
    ids=[
        "split-int",
        "split-indices",
        "split-empty-piece",
        "array_split",
        "hsplit",
        "vsplit",
        "dsplit",
    ],
)
def test_split_grad(split_fn, torch_split, shape, axis):
    check_op(_weighted_join(split_fn, axis), _torch_weighted_join(torch_split, axis), shape)


def test_split_only_one_piece_used():
    check_op(
        lambda x: ops.split(x, 3, axis=1)[1],
        lambda x: torch.tensor_split(x, 3, dim=1)[1],
        (2, 6),
    )


def test_array_split_at_indices_as_numpy():
    # Keras's array_split takes only a number of sections; NumPy's also takes split points.
    got = [p.numpy() for p in ops.array_split(np.arange(7.0), [2, 5])]
    for g, w in zip(got, np.array_split(np.arange(7.0), [2, 5]), strict=True):
        np.testing.assert_array_equal(g, w)


def test_split_into_one_piece():
    (piece,) = ops.split(np.arange(4.0), 1)
    np.testing.assert_array_equal(piece.numpy(), np.arange(4.0))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.concatenate([np.ones((2, 3)), np.ones((2, 4))]), r"\(2, 3\) and \(2, 4\)"),
        (lambda: ops.concatenate([dn.tensor(1.0), dn.tensor(2.0)]), "0-d tensors.*use stack"),
        (lambda: ops.concatenate([]), "at least one tensor"),
        (lambda: ops.stack([np.ones(2), np.ones(3)]), "same shape"),
        (lambda: ops.split(np.ones(5), 2), "size 5 .* cannot be split into 2"),
        (lambda: ops.array_split(np.ones(5), 0), "must be positive"),
        (lambda: ops.vsplit(np.ones(4), 2), "rank >= 2"),
        (lambda: ops.dsplit(np.ones((2, 2)), 2), "rank >= 3"),
    ],
    ids=[
        "concat-shapes",
        "concat-0d",
        "concat-empty",
        "stack",
        "split",
        "array_split",
        "vsplit",
        "dsplit",
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
