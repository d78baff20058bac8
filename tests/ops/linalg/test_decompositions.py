"""cholesky, qr, eigh (differentiable), eig and lu_factor (values): against torch.linalg,
keras.ops and SciPy; gradients against numerical differentiation and torch.autograd.

Decompositions that read one triangle are differentiated through A Aᵀ + 3I, so that the
numerical derivative sees a symmetric matrix; eigenvectors through a fixed sign gauge.
"""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras, keras_call
from tests.ops.linalg.matrices import (
    cat_dn,
    cat_torch,
    gauge_dn,
    gauge_torch,
    normal,
    spd_dn,
    spd_torch,
)

torch = reference("torch")
scipy_linalg = reference("scipy.linalg")

F32 = {"atol": 1e-5, "rtol": 1e-5}


@pytest.mark.parametrize("shape, upper", [((3, 3), False), ((2, 3, 3), True), ((1, 1), False)])
def test_cholesky(shape, upper):
    check_op(
        lambda a: ops.cholesky(spd_dn(a), upper=upper),
        lambda a: torch.linalg.cholesky(spd_torch(a), upper=upper),
        inputs=[normal(*shape)],
    )


@pytest.mark.parametrize(
    "shape, mode",
    [
        ((4, 3), "reduced"),
        ((3, 3), "reduced"),
        ((3, 4), "reduced"),
        ((3, 3), "complete"),
        ((3, 4), "complete"),
        ((2, 4, 3), "reduced"),
    ],
    ids=str,
)
def test_qr_q_and_r(shape, mode):
    check_op(
        lambda a: cat_dn(*ops.qr(a, mode)),
        lambda a: cat_torch(*torch.linalg.qr(a, mode)),
        inputs=[normal(*shape)],
    )


def test_qr_complete_tall_differentiates_r_only():
    # R's extra rows are zeros, so its gradient is the reduced one (PyTorch refuses both).
    a = normal(4, 2)
    check_op(
        lambda x: ops.qr(x, "complete")[1],
        lambda x: torch.cat([torch.linalg.qr(x)[1], torch.zeros(2, 2, dtype=x.dtype)]),
        inputs=[a],
    )
    with pytest.raises(ValueError, match="mode='reduced'"):
        dn.grad(lambda x: ops.qr(x, "complete")[0].sum())(a)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)], ids=str)
def test_eigh_eigenvalues_to_second_order(shape):
    check_op(
        lambda a: ops.eigh(spd_dn(a))[0],
        lambda a: torch.linalg.eigh(spd_torch(a))[0],
        inputs=[normal(*shape)],
    )


def test_eigh_eigenvectors():
    def dn_fn(a):
        w, v = ops.eigh(spd_dn(a))
        return cat_dn(w, gauge_dn(v)[0])

    def torch_fn(a):
        w, v = torch.linalg.eigh(spd_torch(a))
        return cat_torch(w, gauge_torch(v)[0])

    check_op(dn_fn, torch_fn, inputs=[normal(2, 3, 3)], second_order=False)


def test_eig_matches_torch_and_decomposes():
    a = normal(2, 4, 4)
    w, v = ops.eig(a)
    tw, tv = torch.linalg.eig(torch.tensor(a))
    np.testing.assert_allclose(w.numpy(), tw.numpy(), atol=1e-10)
    np.testing.assert_allclose(v.numpy(), tv.numpy(), atol=1e-10)
    np.testing.assert_allclose(a @ v.numpy(), v.numpy() * w.numpy()[..., None, :], atol=1e-10)
    w32, v32 = ops.eig(a.astype(np.float32))
    assert (w32.dtype, v32.dtype) == (np.complex64, np.complex64)


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (3, 5), (5, 3)], ids=str)
def test_lu_factor_matches_lapack(shape):
    a = normal(*shape)
    lu, piv = ops.lu_factor(a)
    flat = a.reshape((-1,) + shape[-2:])
    want = [scipy_linalg.lu_factor(m) for m in flat]
    np.testing.assert_allclose(lu.numpy().reshape(flat.shape), [w[0] for w in want], atol=1e-12)
    np.testing.assert_array_equal(piv.numpy().reshape(len(flat), -1), [w[1] for w in want])


def test_lu_factor_singular_column_is_left_alone():
    a = np.array([[0.0, 1.0], [0.0, 2.0]])
    lu, piv = ops.lu_factor(a)
    want_lu, want_piv = scipy_linalg.lu_factor(a, check_finite=False)
    np.testing.assert_allclose(lu.numpy(), want_lu)
    np.testing.assert_array_equal(piv.numpy(), want_piv)


def _spd(*shape):
    a = normal(*shape)
    return a @ np.swapaxes(a, -1, -2) + 3 * np.eye(shape[-1])


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("linalg.cholesky", (_spd(2, 3, 3),), {}),
        ("linalg.cholesky", (_spd(3, 3),), {"upper": True}),
        ("linalg.lu_factor", (normal(2, 4, 4),), {}),
        ("linalg.lu_factor", (normal(3, 5),), {}),
        ("linalg.qr", (normal(4, 3),), {}),
        ("linalg.qr", (normal(3, 4),), {"mode": "complete"}),
        ("linalg.qr", (normal(2, 4, 3),), {"mode": "complete"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_against_keras(name, args, kwargs, dtype):
    check_keras(name, *[a.astype(dtype) for a in args], **kwargs, **F32)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_eigh_against_keras(dtype):
    # Each eigenvector's sign is LAPACK's choice, which differs between builds.
    a = _spd(2, 3, 3).astype(dtype)
    w, v = keras_call("linalg.eigh", a)
    got_w, got_v = ops.eigh(a)
    assert got_w.dtype == w.dtype and got_v.dtype == v.dtype
    np.testing.assert_allclose(got_w.numpy(), w, **F32)
    signs = np.sign(got_v.numpy()[..., :1, :] * v[..., :1, :])
    np.testing.assert_allclose(got_v.numpy() * signs, v, **F32)


def test_eig_against_keras_float64():
    check_keras("linalg.eig", normal(3, 3), atol=1e-10)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.cholesky(-np.eye(2)), "Cholesky decomposition failed.*positive definite"),
        (lambda: ops.cholesky(np.ones((2, 3))), r"cholesky: `x` must be square"),
        (lambda: ops.qr(np.ones((2, 2)), mode="r"), r"qr: `mode` must be one of"),
        (lambda: ops.eigh(np.ones(3)), r"eigh: `x` must have rank >= 2"),
        (lambda: ops.eig(np.ones((2, 3))), r"eig: `x` must be square"),
        (lambda: ops.lu_factor(np.ones(3)), r"lu_factor: `x` must have rank >= 2"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
