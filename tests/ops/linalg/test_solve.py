"""inv, solve, solve_triangular, cholesky_inverse: forward against torch.linalg and keras.ops,
gradients against numerical differentiation and torch.autograd, second order for inv and
solve."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras
from tests.ops.linalg.matrices import normal, well_conditioned

torch = reference("torch")

F32 = {"atol": 1e-5, "rtol": 1e-5}


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 3, 3), (2, 1, 2, 2)], ids=str)
def test_inv(shape):
    check_op(ops.inv, torch.linalg.inv, inputs=[well_conditioned(*shape)])


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((3, 3), (3,)),  # a vector
        ((3, 3), (3, 2)),
        ((2, 3, 3), (2, 3)),  # a batch of vectors: b.shape == a.shape[:-1]
        ((2, 3, 3), (3, 4)),  # b broadcast over a's batch
        ((3, 3), (2, 3, 1)),  # a broadcast over b's batch
    ],
    ids=str,
)
def test_solve(a_shape, b_shape):
    inputs = [well_conditioned(*a_shape), normal(*b_shape, seed=1)]
    check_op(ops.solve, torch.linalg.solve, inputs=inputs)


@pytest.mark.parametrize(
    "a_shape, b_shape, lower",
    [
        ((3, 3), (3,), True),
        ((3, 3), (3, 2), False),
        ((2, 3, 3), (2, 3), False),  # b.ndim == a.ndim - 1: vectors
        ((2, 3, 3), (2, 3, 2), True),
    ],
    ids=str,
)
def test_solve_triangular(a_shape, b_shape, lower):
    def torch_fn(a, b):
        vector = b.ndim == a.ndim - 1
        x = torch.linalg.solve_triangular(a, b[..., None] if vector else b, upper=not lower)
        return x[..., 0] if vector else x

    inputs = [well_conditioned(*a_shape), normal(*b_shape, seed=1)]
    check_op(lambda a, b: ops.solve_triangular(a, b, lower=lower), torch_fn, inputs=inputs)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_reads_one_triangle(upper):
    # PyTorch's gradient also reaches the unread triangle; through tril/triu both agree.
    mask = torch.triu if upper else torch.tril
    a = well_conditioned(2, 3, 3)
    check_op(
        lambda x: ops.cholesky_inverse(x, upper=upper),
        lambda x: torch.cholesky_inverse(mask(x), upper=upper),
        inputs=[a],
    )


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("linalg.inv", (well_conditioned(2, 3, 3),), {}),
        ("linalg.solve", (well_conditioned(3, 3), normal(3)), {}),
        ("linalg.solve", (well_conditioned(2, 3, 3), normal(2, 3, 4)), {}),
        ("linalg.solve_triangular", (well_conditioned(3, 3), normal(3)), {"lower": True}),
        ("linalg.solve_triangular", (well_conditioned(2, 3, 3), normal(2, 3, 2)), {}),
        ("linalg.cholesky_inverse", (np.tril(well_conditioned(3, 3)),), {}),
        ("linalg.cholesky_inverse", (np.triu(well_conditioned(3, 3)),), {"upper": True}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_against_keras(name, args, kwargs, dtype):
    check_keras(name, *[a.astype(dtype) for a in args], **kwargs, **F32)


def test_integer_input_becomes_floatx():
    out = ops.inv(np.array([[2, 0], [0, 4]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [[0.5, 0.0], [0.0, 0.25]])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.inv(np.ones((2, 3))), r"inv: `x` must be square.*\(2, 3\)"),
        (lambda: ops.inv(np.ones(3)), r"inv: `x` must have rank >= 2"),
        (lambda: ops.inv(np.ones((2, 2))), r"inv failed: .*singular.*pinv"),
        (lambda: ops.solve(np.eye(3), np.ones(4)), r"solve: `a` of shape \(3, 3\) needs 3 rows"),
        (lambda: ops.solve(np.eye(3), np.float64(1.0)), r"solve: `b` must have rank >= 1"),
        (lambda: ops.solve_triangular(np.eye(2), np.ones((3, 1))), r"needs 2 rows"),
        (lambda: ops.solve(np.ones((2, 3, 3)), np.ones((4, 3, 1))), r"cannot be broadcast"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
