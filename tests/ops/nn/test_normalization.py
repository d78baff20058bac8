"""moments, batch_normalization, layer_normalization (fused), rms_normalization and normalize
against torch (values, gradients, second order) and keras.ops.nn."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.ops import nn
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, dn_second, make_inputs
from tests.ops.keras_reference import check_keras

torch = reference("torch")
F = torch.nn.functional


def _torch_layer_norm(x, axes, eps, gamma=None, beta=None):
    mu = x.mean(dim=axes, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=axes, keepdim=True)
    y = (x - mu) / torch.sqrt(var + eps)
    shape = [s if i in axes else 1 for i, s in enumerate(x.shape)]
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


@pytest.mark.parametrize("shape, axes", [((3, 5), -1), ((2, 3, 4), (1, 2)), ((2, 3, 4), (0, 2))],
                         ids=str)  # fmt: skip
def test_layer_normalization(shape, axes):
    ax = tuple(a % len(shape) for a in ((axes,) if isinstance(axes, int) else axes))
    pshape = tuple(shape[a] for a in ax)
    check_op(
        lambda x, g, b: nn.layer_normalization(x, g, b, axis=axes, epsilon=1e-3),
        lambda x, g, b: _torch_layer_norm(x, ax, 1e-3, g, b),
        shape, pshape, pshape,
    )  # fmt: skip
    check_op(
        lambda x: nn.layer_normalization(x, axis=axes, epsilon=1e-3),
        lambda x: _torch_layer_norm(x, ax, 1e-3),
        shape,
    )


def test_layer_normalization_matches_torch_kernel():
    x, g, b = make_inputs([(4, 6), (6,), (6,)])
    want = F.layer_norm(torch.tensor(x), (6,), torch.tensor(g), torch.tensor(b), 1e-5)
    got = nn.layer_normalization(x, g, b, epsilon=1e-5)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-12)


def test_layer_normalization_fused_matches_composite():
    def composite(x):
        mu = dn.ops.mean(x, axis=-1, keepdims=True)
        var = dn.ops.mean((x - mu) ** 2, axis=-1, keepdims=True)
        return (x - mu) / dn.ops.sqrt(var + 1e-3)

    (x,) = make_inputs([(3, 5)])
    rng = np.random.default_rng(1)
    r, v = rng.standard_normal((2, 3, 5))

    def fused(t):
        return nn.layer_normalization(t, epsilon=1e-3)

    np.testing.assert_allclose(fused(x).numpy(), composite(dn.tensor(x)).numpy(), atol=1e-12)
    np.testing.assert_allclose(dn_grads(fused, [x], r)[0], dn_grads(composite, [x], r)[0],
                               atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(dn_second(fused, [x], r, [v])[0],
                               dn_second(composite, [x], r, [v])[0], atol=1e-10)  # fmt: skip


@pytest.mark.parametrize(
    "shape, axes, keepdims", [((4, 3), 0, False), ((2, 3, 4), (0, 2), True), ((5,), [0], False)],
    ids=str,
)  # fmt: skip
def test_moments(shape, axes, keepdims):
    ax = (axes,) if isinstance(axes, int) else tuple(axes)
    for i, ref in enumerate(
        (lambda x: x.mean(dim=ax, keepdim=keepdims),
         lambda x: x.var(dim=ax, unbiased=False, keepdim=keepdims))
    ):  # fmt: skip
        check_op(lambda x, i=i: nn.moments(x, axes, keepdims)[i], ref, shape)
    x = make_inputs([shape])[0].astype("float32")
    check_keras("nn.moments", x, axes, keepdims, atol=1e-6, rtol=1e-5)


def test_moments_of_float16_are_computed_in_float32():
    x = (np.arange(2048, dtype=np.float16) / 64).reshape(2, -1)
    check_keras("nn.moments", x, axes=1, atol=1e-2, rtol=1e-3)


def _torch_batch_norm(x, m, v, off, sc, eps=1e-3):
    return (x - m) / torch.sqrt(v + eps) * sc + off


def test_batch_normalization():
    x, m, off, sc = make_inputs([(4, 3), (3,), (3,), (3,)])
    v = np.random.default_rng(2).uniform(0.5, 2.0, 3)
    check_op(
        lambda *a: nn.batch_normalization(a[0], a[1], a[2], -1, a[3], a[4]),
        _torch_batch_norm, inputs=[x, m, v, off, sc],
    )  # fmt: skip
    x3 = make_inputs([(2, 3, 4)])[0]
    check_keras("nn.batch_normalization", x3.astype("float32"), m.astype("float32"),
                v.astype("float32"), axis=1, atol=1e-6, rtol=1e-5)  # fmt: skip
    check_keras("nn.batch_normalization", x, m, v, -1, off, sc, 1e-5)


@pytest.mark.parametrize("shape, axis", [((3, 5), -1), ((2, 3, 4), (1, 2))], ids=str)
def test_rms_normalization(shape, axis):
    ax = (axis,) if isinstance(axis, int) else axis
    scale_shape = tuple(shape[a] for a in ax)

    def ref(x, s):
        y = x / torch.sqrt((x * x).mean(dim=ax, keepdim=True) + 1e-6)
        return y * s.reshape([n if i in [a % x.ndim for a in ax] else 1
                              for i, n in enumerate(x.shape)])  # fmt: skip

    check_op(lambda x, s: nn.rms_normalization(x, s, axis, 1e-6), ref, shape, scale_shape)
    x, s = (a.astype("float32") for a in make_inputs([shape, scale_shape]))
    check_keras("nn.rms_normalization", x, s, axis, atol=1e-5, rtol=1e-5)
    if isinstance(axis, int):
        want = F.rms_norm(torch.tensor(x), (shape[-1],), torch.tensor(s), 1e-7)
        np.testing.assert_allclose(nn.rms_normalization(x, s).numpy(), want.numpy(), atol=1e-6)


@pytest.mark.parametrize(
    "shape, axis, order",
    [((3, 4), -1, 2), ((3, 4), 0, 1), ((2, 3), -1, 3), ((2, 3, 2), (1, 2), 2)],
    ids=str,
)  # fmt: skip
def test_normalize(shape, axis, order):
    def ref(x):
        norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
        return x / torch.clamp(norm, min=1e-7)

    check_op(lambda x: nn.normalize(x, axis, order), ref, shape)
    x = make_inputs([shape])[0].astype("float32")
    check_keras("nn.normalize", x, axis, order, atol=1e-6, rtol=1e-5)


def test_normalize_scalar_and_tiny_norms():
    check_keras("nn.normalize", np.float32(3.0))
    check_keras("nn.normalize", np.zeros((2, 3), "float32"))


@pytest.mark.parametrize(
    "call, error, match",
    [(lambda: nn.normalize(np.ones(3), order=0), ValueError, "order"),
     (lambda: nn.layer_normalization(np.ones((2, 3)), gamma=np.ones(4)), ValueError, "gamma"),
     (lambda: nn.layer_normalization(np.ones(3), bogus=1), TypeError, "bogus"),
     (lambda: nn.batch_normalization(np.ones((2, 3)), np.ones(2), np.ones(3), -1), ValueError,
      "mean"),
     (lambda: nn.moments(np.ones((2, 3)), axes=2), ValueError, "axes")],
    ids=["order", "gamma", "kwargs", "mean", "axes"],
)  # fmt: skip
def test_argument_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_deprecated_rms_scaling_as_keras():
    x, g = (a.astype("float32") for a in make_inputs([(3, 4), (4,)]))
    with pytest.warns(UserWarning, match="deprecated"):
        got = nn.layer_normalization(x, g, rms_scaling=True)
    keras = reference("keras")
    with pytest.warns(UserWarning):
        want = keras.ops.nn.layer_normalization(x, g, rms_scaling=True)
    np.testing.assert_allclose(got.numpy(), np.asarray(want), atol=1e-5)
