"""svd, pinv, lstsq, matrix_rank: against torch.linalg, keras.ops and NumPy; gradients against
numerical differentiation and torch.autograd (singular vectors through a fixed sign gauge)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras, keras_call
from tests.ops.linalg.matrices import cat_dn, cat_torch, gauge_dn, gauge_torch, normal

torch = reference("torch")

F32 = {"atol": 1e-5, "rtol": 1e-5}
SHAPES = [(4, 3), (3, 3), (3, 4), (2, 4, 3)]


def _svd_dn(full_matrices):
    def fn(a):
        u, s, vh = ops.svd(a, full_matrices=full_matrices)
        k = s.shape[-1]  # a full U's extra columns are not unique: compare the first k
        return cat_dn(*gauge_dn(u[..., :k], vh[..., :k, :]), s)

    return fn


def _svd_torch(full_matrices):
    def fn(a):
        u, s, vh = torch.linalg.svd(a, full_matrices=full_matrices)
        k = s.shape[-1]
        return cat_torch(*gauge_torch(u[..., :k], vh[..., :k, :]), s)

    return fn


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_vectors_and_values(shape, full_matrices):
    check_op(
        _svd_dn(full_matrices),
        _svd_torch(full_matrices),
        inputs=[normal(*shape)],
        second_order=not full_matrices,
    )


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_singular_values_to_second_order(shape):
    check_op(lambda a: ops.svd(a, compute_uv=False), torch.linalg.svdvals, inputs=[normal(*shape)])


def test_singular_values_alone_have_a_gradient_at_repeated_values():
    # The vectors' terms divide by S_k² − S_j²; unused vectors must not turn them into nan.
    a = np.diag([2.0, 2.0, 1.0])
    g = dn.grad(lambda x: ops.svd(x)[1].sum())(a).numpy()
    t = torch.tensor(a, requires_grad=True)
    (want,) = torch.autograd.grad(torch.linalg.svd(t)[1].sum(), t)
    np.testing.assert_allclose(g, want.numpy(), atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_pinv(shape):
    check_op(ops.pinv, torch.linalg.pinv, inputs=[normal(*shape)])


@pytest.mark.parametrize(
    "a_shape, b_shape", [((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 3), (3, 1))], ids=str
)
def test_lstsq(a_shape, b_shape):
    check_op(
        ops.lstsq,
        lambda a, b: torch.linalg.lstsq(a, b).solution,
        inputs=[normal(*a_shape), normal(*b_shape, seed=1)],
    )


def test_lstsq_minimum_norm_solution_of_a_rank_deficient_system():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    b = np.array([1.0, 2.0, 3.0])
    want = np.linalg.lstsq(a, b, rcond=None)[0]
    np.testing.assert_allclose(ops.lstsq(a, b).numpy(), want, atol=1e-12)


def test_matrix_rank():
    a = normal(3, 4, 5)
    a[1] = np.outer(np.arange(4.0), np.ones(5))  # rank 1
    np.testing.assert_array_equal(ops.matrix_rank(a).numpy(), [4, 1, 4])
    assert ops.matrix_rank(a).dtype == np.int32
    assert ops.matrix_rank(np.diag([3.0, 0.5, 0.1]), tol=0.2).item() == 2


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("linalg.svd", (normal(2, 3, 4),), {"compute_uv": False}),
        ("linalg.pinv", (normal(4, 3),), {}),
        ("linalg.pinv", (np.array([[1.0, 2.0], [2.0, 4.0]]),), {}),
        ("linalg.pinv", (normal(2, 4, 3),), {"rcond": 0.5}),
        ("linalg.lstsq", (normal(5, 3), normal(5)), {}),
        ("linalg.lstsq", (normal(5, 3), normal(5, 2)), {"rcond": 0.5}),
        ("linalg.lstsq", (np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]]), normal(3)), {}),
        ("linalg.matrix_rank", (np.array([[1.0, 2.0], [2.0, 4.0]]),), {}),
        ("linalg.matrix_rank", (normal(2, 4, 3),), {"tol": 1.0}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_against_keras(name, args, kwargs, dtype):
    check_keras(name, *[a.astype(dtype) for a in args], **kwargs, **F32)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4)], ids=str)
@pytest.mark.parametrize("full_matrices", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_svd_against_keras(shape, full_matrices, dtype):
    # Singular vectors are unique up to sign, which each LAPACK build picks its own way.
    a = normal(*shape).astype(dtype)
    u, s, vh = keras_call("linalg.svd", a, full_matrices=full_matrices)
    got_u, got_s, got_vh = (t.numpy() for t in ops.svd(a, full_matrices=full_matrices))
    assert (got_u.shape, got_s.shape, got_vh.shape) == (u.shape, s.shape, vh.shape)
    assert got_u.dtype == u.dtype and got_s.dtype == s.dtype
    np.testing.assert_allclose(got_s, s, **F32)
    k = s.shape[-1]
    sign = np.sign(got_u[:, :k] * u[:, :k])[:1]
    np.testing.assert_allclose(got_u[:, :k] * sign, u[:, :k], **F32)
    np.testing.assert_allclose(got_vh[:k] * sign.T, vh[:k], **F32)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.svd(np.ones(3)), r"svd: `x` must have rank >= 2"),
        (lambda: ops.pinv(np.ones(3)), r"pinv: `x` must have rank >= 2"),
        (
            lambda: ops.lstsq(np.ones((3, 2)), np.ones(4)),
            r"lstsq: `b` must have shape \(\.\.\., 3\)",
        ),
        (lambda: ops.matrix_rank(np.ones(3)), r"matrix_rank: `x` must have rank >= 2"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
