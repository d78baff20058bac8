"""linspace, logspace, geomspace, meshgrid, vander — against keras.ops and NumPy; gradients
with respect to tensor endpoints and vectors against torch.autograd and numerical ones."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

KERAS_CASES = [
    ("linspace", (0, 1, 5), {}),
    ("linspace", (2.0, -3.0), {}),
    ("linspace", (0, 10, 5), {"endpoint": False}),
    ("linspace", (-5, 5, 4), {"dtype": "int32"}),  # truncated toward zero
    ("linspace", (np.zeros(2), np.array([1.0, 4.0]), 3), {}),
    ("linspace", (0.0, 1.0, 1), {}),
    ("linspace", (0.0, 1.0, 0), {}),
    ("logspace", (0, 2, 3), {}),
    ("logspace", (0, 2, 3), {"endpoint": False}),
    ("logspace", (0.0, 3.0, 4), {"base": 2}),
    ("logspace", (np.zeros(2), np.ones(2), 3), {}),
    ("geomspace", (1, 1000, 4), {}),
    ("geomspace", (-1.0, -100.0, 3), {}),
    ("geomspace", (1.0, 1000.0, 4), {"endpoint": False}),
    ("meshgrid", (np.arange(3.0), np.arange(2.0)), {}),
    ("meshgrid", (np.arange(3.0), np.arange(2.0), np.arange(4.0)), {"indexing": "ij"}),
    ("meshgrid", (np.arange(3.0), np.arange(2.0), np.arange(4.0)), {}),
    ("vander", (np.array([1.0, 2.0, 3.0], np.float32),), {}),
    ("vander", (np.array([2.0, -1.0], np.float32), 4, True), {}),
    ("vander", (np.arange(3, dtype=np.int32),), {}),
]


@pytest.mark.parametrize(
    "name, args, kwargs", KERAS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)]
)
def test_against_keras(name, args, kwargs):
    check_keras(name, *args, **kwargs, atol=1e-5, rtol=1e-6)


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("linspace", (np.array([0.0, 1.0]), 5.0, 4), {"axis": 1}),
        ("linspace", (0.0, 1.0, 4), {"endpoint": False, "retstep": True}),
        ("linspace", (0.0, 1.0, 5), {"retstep": True}),
        ("logspace", (np.array([0.0, 1.0]), 2.0, 3), {"axis": -1}),
        ("geomspace", (np.array([1.0, -2.0]), np.array([8.0, -32.0]), 4), {"axis": 1}),
        ("geomspace", (2.0, 2.0, 1), {}),
        ("meshgrid", (np.arange(3.0), np.arange(2, dtype=np.int32)), {}),  # dtypes kept apart
        ("vander", (np.array([2.0, 3.0]), 0), {}),
    ],
    ids=[
        "linspace-axis",
        "linspace-retstep",
        "retstep-endpoint",
        "logspace-axis",
        "geomspace-axis",
        "geomspace-one",
        "meshgrid-dtypes",
        "vander-0",
    ],
)
def test_as_numpy(name, args, kwargs):
    got = getattr(ops, name)(*args, **kwargs)
    want = getattr(np, name)(*args, **kwargs)
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want, strict=True):
        g = g.numpy() if isinstance(g, dn.Tensor) else g
        np.testing.assert_allclose(g, w, rtol=1e-6)
        assert np.asarray(g).dtype == np.asarray(w).dtype or name != "meshgrid"


def test_float64_bounds_keep_float64():
    assert ops.linspace(dn.tensor(np.float64(0.0)), 1.0, 3).dtype == np.float64
    assert ops.linspace(0.0, 1.0, 3, dtype="float64").dtype == np.float64


GRAD_CASES = [
    (lambda a, b: ops.linspace(a, b, 5), lambda a, b: _torch_linspace(a, b, 5, True), (), ()),
    (
        lambda a, b: ops.linspace(a, b, 4, endpoint=False),
        lambda a, b: _torch_linspace(a, b, 4, False),
        (2,),
        (2,),
    ),
    (
        lambda a, b: ops.logspace(a, b, 4, base=2.0),
        lambda a, b: 2.0 ** _torch_linspace(a, b, 4, True),
        (),
        (2,),
    ),
    (
        lambda a, b: ops.meshgrid(a, b)[0] * ops.meshgrid(a, b)[1] + ops.meshgrid(a, b)[0],
        lambda a, b: _torch_mesh(a, b),
        (3,),
        (2,),
    ),
]


def _torch_linspace(a, b, num, endpoint):
    t = torch.arange(num, dtype=a.dtype) / (num - 1 if endpoint else num)
    t = t.reshape((num,) + (1,) * max(a.ndim, b.ndim))
    return a + t * (b - a)


def _torch_mesh(a, b):
    x, y = torch.meshgrid(a, b, indexing="xy")
    return x * y + x


@pytest.mark.parametrize(
    "fn, torch_fn, sa, sb", GRAD_CASES, ids=["linspace", "linspace-arrays", "logspace", "meshgrid"]
)
def test_grad(fn, torch_fn, sa, sb):
    check_op(fn, torch_fn, sa, sb)


def test_geomspace_and_vander_grads():
    check_op(
        lambda a, b: ops.geomspace(a, b, 4),
        None,
        inputs=[np.array(0.5), np.array(3.0)],
        np_fn=lambda a, b: np.geomspace(a, b, 4),
    )
    check_op(lambda x: ops.vander(x, 4), lambda x: _torch_vander(x, 4), (3,))
    # the derivative of x⁰ and x¹ at x = 0 is exact (no 0 · 0⁻¹)
    check_op(lambda x: ops.vander(x, 3), lambda x: _torch_vander(x, 3), inputs=[np.zeros(2)])


def _torch_vander(x, n):
    # torch.vander's own backward is not twice differentiable (an in-place write).
    columns = [torch.ones_like(x)]
    for _ in range(n - 1):
        columns.append(columns[-1] * x)
    return torch.stack(columns[::-1], dim=1)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.linspace(0, 1, -1), "num must be >= 0"),
        (lambda: ops.geomspace(0.0, 1.0), "cannot include zero"),
        (lambda: ops.geomspace(-1.0, 1.0), "same sign"),
        (lambda: ops.meshgrid(np.ones(2), indexing="yx"), "'xy' or 'ij'"),
        (lambda: ops.vander(np.ones((2, 2))), "must be 1-d"),
    ],
    ids=["linspace", "geomspace-zero", "geomspace-sign", "meshgrid", "vander"],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
