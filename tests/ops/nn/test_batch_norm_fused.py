"""The fused training-mode batch normalization against torch.nn.functional.batch_norm and
torch.autograd (outputs, batch statistics, first and second derivatives, float64 numerical)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.ops.nn._batch_norm import batch_norm_train
from tests.conftest import reference
from tests.ops.helpers import check_op

torch = reference("torch")
F = torch.nn.functional
EPS = 1e-3


def _torch_bn(x, gamma, beta, axis):
    xt = torch.movedim(x, axis, 1) if x.ndim > 1 else x[None]
    y = F.batch_norm(xt, None, None, gamma, beta, training=True, eps=EPS)
    return torch.movedim(y, 1, axis) if x.ndim > 1 else y[0]


def _torch_stats(x, axis):
    dims = tuple(a for a in range(x.ndim) if a != axis % x.ndim)
    return x.mean(dims), x.var(dims, unbiased=False)


def _mix(y, mean, var, axis, ndim):
    """y plus a term in each statistic, so that their gradient paths are exercised too."""
    shape = tuple(-1 if i == axis % ndim else 1 for i in range(ndim))
    return y + (mean * 0.7).reshape(shape) + (var * 1.3).reshape(shape)


CASES = [  # (shape of x, axis)
    ((6, 3), -1),
    ((4, 5, 3), -1),
    ((3, 4, 5), 1),
    ((2, 3, 2, 4), -1),
    ((2, 3, 2, 2), 1),
    ((2, 3, 4), 0),
]


@pytest.mark.parametrize("shape,axis", CASES, ids=str)
def test_output_matches_torch(shape, axis):
    c = shape[axis]
    check_op(
        lambda x, g, b: batch_norm_train(x, g, b, axis=axis, epsilon=EPS)[0],
        lambda x, g, b: _torch_bn(x, g, b, axis),
        shape,
        (c,),
        (c,),
    )


@pytest.mark.parametrize("shape,axis", CASES[:3], ids=str)
def test_statistics_and_their_gradients_match_torch(shape, axis):
    c = shape[axis]

    def ours(x, g, b):
        y, m, v = batch_norm_train(x, g, b, axis=axis, epsilon=EPS)
        return _mix(y, m, v, axis, x.ndim)

    def theirs(x, g, b):
        m, v = _torch_stats(x, axis)
        return _mix(_torch_bn(x, g, b, axis), m, v, axis, x.ndim)

    check_op(ours, theirs, shape, (c,), (c,))


@pytest.mark.parametrize("scale,center", [(True, False), (False, True), (False, False)])
def test_without_scale_or_offset(scale, center):
    def ours(x):
        g = dn.ops.ones((3,), dtype=x.dtype) * 1.5 if scale else None
        b = dn.ops.ones((3,), dtype=x.dtype) * 0.5 if center else None
        return batch_norm_train(x, g, b, epsilon=EPS)[0]

    def theirs(x):
        g = torch.full((3,), 1.5, dtype=x.dtype) if scale else None
        b = torch.full((3,), 0.5, dtype=x.dtype) if center else None
        return _torch_bn(x, g, b, -1)

    check_op(ours, theirs, (5, 2, 3))


def test_float32_statistics_are_accurate():
    # An offset far larger than the spread: a one-pass E[x²] − E[x]² would lose the variance.
    rng = np.random.default_rng(0)
    x = (1000.0 + rng.standard_normal((64, 50, 8))).astype(np.float32)
    y, m, v = batch_norm_train(x, epsilon=EPS)
    want_m, want_v = _torch_stats(torch.tensor(x, dtype=torch.float64), -1)
    np.testing.assert_allclose(m.numpy(), want_m.numpy(), rtol=1e-6)
    np.testing.assert_allclose(v.numpy(), want_v.numpy(), rtol=2e-3)
    want_y = _torch_bn(torch.tensor(x, dtype=torch.float64), None, None, -1).numpy()
    np.testing.assert_allclose(y.numpy(), want_y, atol=2e-3)
    assert y.dtype == np.float32 and m.dtype == np.float32


@pytest.mark.filterwarnings("ignore:vmap. BatchNormTrain has no batching rule")
def test_vmap_and_jvp_match_torch():
    # vmap takes the documented per-example fallback; jvp the two reverse passes.
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 5, 4))
    g, b = rng.standard_normal(4), rng.standard_normal(4)
    gt, bt = torch.tensor(g), torch.tensor(b)
    got = dn.vmap(lambda xi: batch_norm_train(xi, g, b, epsilon=EPS)[0])(x)
    want = np.stack([_torch_bn(torch.tensor(xi), gt, bt, -1).numpy() for xi in x])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    _, tangent = dn.jvp(
        lambda xx: batch_norm_train(xx, g, b, epsilon=EPS)[0], (dn.tensor(x),), (dn.tensor(t),)
    )
    _, want_t = torch.func.jvp(
        lambda xx: _torch_bn(xx, gt, bt, -1), (torch.tensor(x),), (torch.tensor(t),)
    )
    np.testing.assert_allclose(tangent.numpy(), want_t.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs,match",
    [({"axis": 3}, "axis=3"), ({"gamma": np.ones(4, np.float32)}, "`gamma`")],
    ids=["axis", "gamma"],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        batch_norm_train(np.ones((2, 3), np.float32), **kwargs)
