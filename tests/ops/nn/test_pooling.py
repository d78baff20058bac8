"""Pooling ops: max and average pooling, 1-D to 3-D, valid and TensorFlow-SAME padding —
forward against PyTorch and keras.ops, gradients against numerical differentiation and
torch.autograd, second order against PyTorch; and Hessian-vector products of a tiny conv net."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from deepnum.ops.nn._window import make_window
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras
from tests.ops.nn.test_conv import same_pads, torch_conv2d

torch = reference("torch")
F = torch.nn.functional


def _pads_nchw(spatial, pool, strides, padding):
    """F.pad's argument (last axis first) for TensorFlow's SAME padding."""
    if padding == "valid":
        return (0, 0) * len(spatial)
    pads = [same_pads(n, k, s) for n, k, s in zip(spatial, pool, strides)]
    return tuple(p for pair in reversed(pads) for p in pair)


def torch_max_pool(x, pool, strides, padding):
    """NHWC (or NLC) max pooling in torch, padding with −∞ as TensorFlow does."""
    nd = x.ndim - 2
    xt = torch.movedim(x, -1, 1)
    xt = F.pad(xt, _pads_nchw(x.shape[1:-1], pool, strides, padding), value=-np.inf)
    fn = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[nd - 1]
    return torch.movedim(fn(xt, pool, strides), 1, -1)


def torch_avg_pool(x, pool, strides, padding):
    """NHWC average over the real pixels of each window (padding not counted)."""
    nd = x.ndim - 2
    xt = torch.movedim(x, -1, 1)
    pads = _pads_nchw(x.shape[1:-1], pool, strides, padding)
    fn = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[nd - 1]
    total = fn(F.pad(xt, pads), pool, strides) * float(np.prod(pool))
    count = fn(F.pad(torch.ones_like(xt), pads), pool, strides) * float(np.prod(pool))
    return torch.movedim(total / count, 1, -1)


POOL2D = [
    # (shape NHWC, pool, strides, padding)
    ((2, 6, 6, 3), (2, 2), (2, 2), "valid"),
    ((2, 7, 5, 2), (3, 3), (2, 2), "same"),  # odd padding after, as TensorFlow
    ((1, 7, 6, 2), (3, 3), (1, 1), "same"),  # overlapping windows
    ((1, 5, 7, 2), (2, 3), (3, 1), "valid"),
    ((2, 5, 5, 2), (2, 2), (2, 2), "same"),
]


@pytest.mark.parametrize("shape, pool, strides, padding", POOL2D, ids=str)
def test_max_pool2d(shape, pool, strides, padding):
    check_op(
        lambda x: ops.max_pool(x, pool, strides, padding),
        lambda x: torch_max_pool(x, pool, strides, padding),
        shape,
    )


@pytest.mark.parametrize("shape, pool, strides, padding", POOL2D, ids=str)
def test_average_pool2d(shape, pool, strides, padding):
    check_op(
        lambda x: ops.average_pool(x, pool, strides, padding),
        lambda x: torch_avg_pool(x, pool, strides, padding),
        shape,
    )


@pytest.mark.parametrize(
    "pool, strides, padding", [(2, 2, "valid"), (3, 2, "same"), (3, 1, "same")], ids=str
)
def test_pool1d(pool, strides, padding):
    args = ((pool,), (strides,), padding)
    check_op(
        lambda x: ops.max_pool(x, pool, strides, padding),
        lambda x: torch_max_pool(x, *args),
        (2, 7, 3),
    )
    check_op(
        lambda x: ops.average_pool(x, pool, strides, padding),
        lambda x: torch_avg_pool(x, *args),
        (2, 7, 3),
    )


def test_max_pool_ties_go_to_the_first_pixel_like_torch():
    """After a ReLU whole windows are 0: the gradient goes to the window's first pixel."""
    x = np.maximum(np.random.default_rng(0).integers(-2, 2, size=(2, 6, 6, 3)), 0).astype(float)
    g = dn.grad(lambda t: ops.max_pool(t, 3, 1, "same").sum())(x).numpy()
    xt = torch.tensor(x, requires_grad=True)
    torch_max_pool(xt, (3, 3), (1, 1), "same").sum().backward()
    np.testing.assert_array_equal(g, xt.grad.numpy())


def test_pooling_strides_default_to_pool_size_and_channels_first():
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 4))  # NCHW
    got = ops.max_pool(x, (3, 2), data_format="channels_first")
    want = ops.max_pool(x.transpose(0, 2, 3, 1), (3, 2), (3, 2))
    np.testing.assert_array_equal(got.numpy(), want.numpy().transpose(0, 3, 1, 2))


def test_pooling_errors():
    x = np.ones((1, 4, 4, 2))
    with pytest.raises(ValueError, match=r"`pool_size`.*value > 0"):
        ops.max_pool(x, 0)
    with pytest.raises(ValueError, match=r"`padding` argument.*'full'"):
        ops.average_pool(x, 2, padding="full")
    with pytest.raises(ValueError, match=r"rank 3 .*, 4 .* or 5 .*\(2, 2\)"):
        ops.max_pool(np.ones((2, 2)), 2)
    with pytest.raises(ValueError, match=r"does not fit"):
        ops.max_pool(x, 5)


# ----------------------------------------------------------------------------- tiny conv net
def _dn_net(x, w1, b1, w2):
    h = ops.tanh(ops.conv2d(x, w1, b1, padding="same"))
    h = ops.max_pool(h, 2)
    h = ops.conv2d(h, w2, strides=2, padding="same")
    h = ops.average_pool(ops.tanh(h), 2, 1, "same")
    return (h * h).sum()


def _torch_net(x, w1, b1, w2):
    h = torch.tanh(torch_conv2d(x, w1, b1, padding="same"))
    h = torch_max_pool(h, (2, 2), (2, 2), "valid")
    h = torch_conv2d(h, w2, s=2, padding="same")
    h = torch_avg_pool(torch.tanh(h), (2, 2), (1, 1), "same")
    return (h * h).sum()


def test_hessian_vector_product_of_a_tiny_conv_net():
    """Twice-differentiability of conv and pooling: H·v of a conv net against PyTorch."""
    rng = np.random.default_rng(0)
    shapes = [(2, 6, 6, 2), (3, 3, 2, 3), (3,), (3, 3, 3, 2)]
    params = [rng.standard_normal(s) * 0.5 for s in shapes]
    vs = [rng.standard_normal(s) for s in shapes]
    _, hv = dn.hvp(_dn_net, params, vs)
    ts = [torch.tensor(p, requires_grad=True) for p in params]
    grads = torch.autograd.grad(_torch_net(*ts), ts, create_graph=True)
    inner = sum((g * torch.tensor(v)).sum() for g, v in zip(grads, vs))
    want = torch.autograd.grad(inner, ts)
    for k, (got, ref) in enumerate(zip(hv, want)):
        np.testing.assert_allclose(
            got.numpy(), ref.numpy(), atol=1e-9, rtol=1e-7, err_msg=f"H·v for parameter {k}"
        )


def test_max_pool_without_recorded_argmax_still_differentiates():
    """The forward skips the argmax when no gradient is expected; backward recomputes it."""
    pooling = importlib.import_module("deepnum.ops.nn._pooling")
    x = dn.tensor(np.random.default_rng(0).standard_normal((1, 4, 4, 2)), requires_grad=True)
    win = make_window((4, 4), (2, 2), (2, 2), "valid")
    y = pooling.MaxPool(win, need_argmax=False)(x)
    y.sum().backward()
    want = dn.grad(lambda t: ops.max_pool(t, 2).sum())(x.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), want.numpy())


POOL3D = [
    ((2, 4, 4, 6, 2), (2, 2, 2), (2, 2, 2), "valid"),
    ((1, 5, 6, 5, 2), (3, 2, 3), (2, 1, 2), "same"),
    ((1, 5, 4, 4, 1), (3, 3, 3), (1, 1, 1), "same"),
]


@pytest.mark.parametrize("shape, pool, strides, padding", POOL3D, ids=str)
def test_pool3d(shape, pool, strides, padding):
    check_op(lambda x: ops.max_pool(x, pool, strides, padding),
             lambda x: torch_max_pool(x, pool, strides, padding), shape)  # fmt: skip
    check_op(lambda x: ops.average_pool(x, pool, strides, padding),
             lambda x: torch_avg_pool(x, pool, strides, padding), shape)  # fmt: skip


# Keras's torch backend pads an asymmetric SAME window with replicated edges and counts them in
# the average; deepnum (as TensorFlow and JAX) averages the real pixels: those cases are left out.
KERAS_POOL = [
    ((2, 6, 6, 3), 2, None, "valid", "channels_last"),
    ((2, 7, 5, 2), 3, 2, "same", "channels_last"),
    ((2, 3, 6, 5), (2, 3), (1, 2), "valid", "channels_first"),
    ((2, 9, 3), 3, 2, "same", "channels_last"),
    ((1, 4, 5, 6, 2), 2, (2, 1, 2), "valid", "channels_last"),
    ((1, 5, 5, 5, 2), 3, 1, "same", "channels_last"),
]


@pytest.mark.parametrize("shape, pool, strides, padding, data_format", KERAS_POOL, ids=str)
@pytest.mark.parametrize("name", ["max_pool", "average_pool"])
def test_against_keras(name, shape, pool, strides, padding, data_format):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    check_keras(f"nn.{name}", x, pool, strides, padding, data_format, atol=1e-6)
