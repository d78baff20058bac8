"""broadcast_to and its adjoint sum_to."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads
from tests.ops.keras_reference import check_keras

torch = reference("torch")


@pytest.mark.parametrize(
    "x, shape",
    [
        (np.arange(3.0), (2, 3)),
        (np.arange(3, dtype=np.int32).reshape(3, 1), (2, 3, 4)),
        (np.array(True), (2,)),
        (np.ones((2, 1), np.float32), [2, 5]),
    ],
    ids=["vector", "int32", "bool", "list-shape"],
)
def test_against_keras(x, shape):
    check_keras("broadcast_to", x, shape)


@pytest.mark.parametrize(
    "shape, target",
    [
        ((3,), (2, 3)),
        ((2, 1), (2, 4)),
        ((), (2, 2)),
        ((1, 3, 1), (2, 3, 4)),
        ((1,), (0,)),
        ((2, 3), (2, 3)),
    ],
    ids=str,
)
def test_broadcast_to(shape, target):
    check_op(lambda x: ops.broadcast_to(x, target), lambda x: torch.broadcast_to(x, target), shape)


@pytest.mark.parametrize(
    "shape, target",
    [((2, 3), (3,)), ((2, 4), (2, 1)), ((2, 2), ()), ((2, 3, 4), (1, 3, 1))],
    ids=str,
)
def test_sum_to(shape, target):
    def ref(x):
        lead = len(shape) - len(target)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(target) if s == 1 and shape[lead + i] != 1
        )
        return x.sum(dim=axes, keepdim=True).reshape(target) if axes else x

    check_op(lambda x: ops.sum_to(x, target), ref, shape)


def test_broadcast_to_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"shape \(2, 3\) to \(4, 3\)"):
        ops.broadcast_to(dn.tensor(np.ones((2, 3))), (4, 3))


@settings(max_examples=30, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=3, max_side=3))
def test_broadcast_to_gradient_sums_back(shapes):
    (shape,), target = shapes.input_shapes, shapes.result_shape
    x = np.random.default_rng(0).standard_normal(shape)
    r = np.random.default_rng(1).standard_normal(target)
    got = dn_grads(lambda t: ops.broadcast_to(t, target), [x], r)[0]
    lead = len(target) - len(shape)
    want = r.sum(axis=tuple(range(lead))) if lead else r
    want = want.sum(axis=tuple(i for i, s in enumerate(shape) if s == 1), keepdims=True)
    np.testing.assert_allclose(got, want.reshape(shape), rtol=1e-12, atol=1e-12)
