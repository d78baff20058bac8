"""det, slogdet (ops.numpy) and norm (every ord Keras supports): against torch.linalg and
keras.ops, gradients against numerical differentiation and torch.autograd, to second order."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras
from tests.ops.linalg.matrices import normal, well_conditioned

torch = reference("torch")

F32 = {"atol": 1e-5, "rtol": 1e-5}
INF = math.inf


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 3, 3)], ids=str)
def test_det(shape):
    check_op(ops.det, torch.linalg.det, inputs=[well_conditioned(*shape) - 1.5 * np.eye(shape[-1])])


@pytest.mark.parametrize(
    "a",
    [
        np.array([[1.0, 2.0], [2.0, 4.0]]),  # rank 1
        np.array([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], np.eye(3)]),  # rank 2
        np.zeros((2, 2)),
    ],
    ids=["rank-1", "rank-2-batch", "zeros"],
)
def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix(a):
    # No inverse exists; the gradient comes from the SVD (PyTorch returns zeros for the first
    # case, which central differences contradict).
    check_op(ops.det, None, inputs=[a], np_fn=np.linalg.det, second_order=False, float32=False)
    g = dn.grad(lambda x: ops.det(x).sum())(a).numpy()
    if a.ndim == 2 and a.any():
        np.testing.assert_allclose(g, [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)], ids=str)
def test_slogdet_logabsdet(shape):
    a = -well_conditioned(*shape)  # a negative determinant for odd sizes
    check_op(lambda x: ops.slogdet(x)[1], lambda x: torch.linalg.slogdet(x)[1], inputs=[a])
    sign, _ = ops.slogdet(a)
    np.testing.assert_array_equal(sign.numpy(), np.linalg.slogdet(a)[0])


VECTOR_CASES = [
    (None, (1,), False),
    (2, (1,), True),
    (1, (0,), False),
    (3, (-1,), False),
    (0.5, (1,), False),
    (-1, (1,), False),
    (INF, (1,), True),
    (-INF, (0,), False),
]
MATRIX_CASES = [
    (None, (0, 1), False),
    ("fro", (1, 2), True),
    ("nuc", (0, 2), False),
    (2, (2, 0), False),
    (-2, (1, 2), True),
    (1, (1, 2), False),
    (-1, (2, 1), False),
    (INF, (0, 1), True),
    (-INF, (1, 0), False),
]


@pytest.mark.parametrize("ord_, axis, keepdims", VECTOR_CASES + MATRIX_CASES, ids=str)
def test_norm(ord_, axis, keepdims):
    check_op(
        lambda x: ops.norm(x, ord=ord_, axis=axis, keepdims=keepdims),
        lambda x: torch.linalg.norm(x, ord=ord_, dim=axis, keepdim=keepdims),
        inputs=[normal(2, 3, 4)],
    )


@pytest.mark.parametrize("shape, ord_", [((5,), 3), ((3, 4), "nuc"), ((3, 4), None)], ids=str)
def test_norm_without_axis(shape, ord_):
    check_op(
        lambda x: ops.norm(x, ord=ord_),
        lambda x: torch.linalg.norm(x, ord=ord_),
        inputs=[normal(*shape)],
    )


def test_norm_count_of_nonzeros_has_zero_gradient():
    x = np.array([0.0, 2.0, -1.0])
    assert ops.norm(x, ord=0).item() == 2.0
    np.testing.assert_array_equal(dn.grad(lambda t: ops.norm(t, ord=0))(x).numpy(), 0.0)


def test_norm_gradient_at_zero_is_zero_as_in_torch():
    g = dn.grad(lambda t: ops.norm(t))(np.zeros(3)).numpy()
    t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    (want,) = torch.autograd.grad(torch.linalg.norm(t), t)
    np.testing.assert_array_equal(g, want.numpy())


def test_norm_inf_ties_share_the_gradient():
    x = np.array([1.0, -3.0, 3.0])
    g = dn.grad(lambda t: ops.norm(t, ord=INF))(x).numpy()
    t = torch.tensor(x, requires_grad=True)
    (want,) = torch.autograd.grad(torch.linalg.norm(t, ord=INF), t)
    np.testing.assert_allclose(g, want.numpy())


KERAS_CASES = [(o, a, k) for o, a, k in VECTOR_CASES + MATRIX_CASES] + [(None, None, True)]


@pytest.mark.parametrize("ord_, axis, keepdims", KERAS_CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_norm_against_keras(ord_, axis, keepdims, dtype):
    # Keras's norm narrows float64 to float32 (its result_type's 64-bit narrowing); deepnum
    # keeps float64, as its other ops do (deepnum.backend.dtypes.promote_types).
    x = normal(2, 3, 4).astype(dtype)
    kwargs = {"ord": ord_, "axis": axis, "keepdims": keepdims}
    check_keras("linalg.norm", x, check_dtype=dtype == "float32", **kwargs, **F32)
    assert ops.norm(x, **kwargs).dtype == dtype


@pytest.mark.parametrize(
    "name, args",
    [
        ("linalg.det", (well_conditioned(2, 3, 3),)),
        ("slogdet", (-well_conditioned(2, 3, 3),)),
        ("numpy.slogdet", (well_conditioned(3, 3),)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_against_keras(name, args, dtype):
    check_keras(name, *[a.astype(dtype) for a in args], **F32)


def test_norm_of_integers_is_floatx():
    check_keras("linalg.norm", np.arange(6).reshape(2, 3), **F32)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.det(np.ones((2, 3))), r"det: `x` must be square"),
        (lambda: ops.slogdet(np.ones(3)), r"slogdet: `x` must have rank >= 2"),
        (lambda: ops.norm(np.ones(3), ord="fro", axis=0), r"ord='fro' is a matrix norm"),
        (lambda: ops.norm(np.ones((2, 2)), ord=3), r"invalid `ord` for a matrix norm"),
        (lambda: ops.norm(np.ones((2, 2, 2)), ord=2), r"must be 1-d or 2-d"),
        (lambda: ops.norm(np.ones((2, 2)), axis=(0, 1, 1)), r"one or two axes"),
        (lambda: ops.norm(np.ones((2, 2)), axis=2), r"axis 2 is out of range"),
        (lambda: ops.norm(np.ones((2, 2)), axis=(1, -1)), r"the two axes must differ"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
