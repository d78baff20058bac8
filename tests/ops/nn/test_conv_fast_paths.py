"""The fast convolution paths against the grouped-convolution (im2col) path they replace and
against PyTorch: the depthwise convolution as shifted multiply-adds (``_depthwise``) and the
stride-1 1×1 convolution as one GEMM (``Linear``). Forward in float32 and float64, gradients
against torch.autograd and numerical differentiation, second order, vmap and jvp."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from deepnum.ops.nn import _depthwise, _fused
from deepnum.ops.nn._window import make_window
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.nn.test_conv import torch_conv1d, torch_conv2d, torch_depthwise

torch = reference("torch")
conv_module = importlib.import_module("deepnum.ops.nn._conv")


def grouped_depthwise(x, w, b, s, padding, d):
    """The im2col path: a grouped convolution with one group per channel (channels_last)."""
    kh, kw, c, m = w.shape
    win = make_window(x.shape[1:3], (kh, kw), (s, s), padding, (d, d), "test")
    args = (x, dn.ops.reshape(w, (kh, kw, 1, c * m))) + (() if b is None else (b,))
    return conv_module.Conv(win, c)(*args)


def conv_im2col(x, w, b=None):
    """The im2col path of a 1×1 stride-1 convolution."""
    win = make_window(x.shape[1:3], (1, 1), (1, 1), "valid", (1, 1), "test")
    return conv_module.Conv(win, 1)(*((x, w) if b is None else (x, w, b)))


def ones(shape):
    return dn.tensor(np.ones(shape), requires_grad=True)


def _grads(fn, arrays):
    ts = [dn.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    (y * y).sum().backward()
    return [y.numpy()] + [t.grad.numpy() for t in ts]


# (N, H, W, C, M, kernel, strides, dilation, padding, bias)
DEPTHWISE = [
    (2, 6, 5, 3, 1, 3, 1, 1, "same", False),
    (2, 7, 6, 4, 1, 3, 2, 1, "same", True),
    (1, 6, 6, 2, 3, 3, 2, 1, "valid", True),
    (2, 6, 7, 3, 2, 2, 1, 2, "valid", False),
    (1, 8, 8, 2, 1, 5, 2, 1, "same", True),
    (1, 5, 5, 3, 2, 3, 1, 2, "same", False),
    (2, 7, 7, 3, 1, 3, 1, 2, "same", True),
    (1, 7, 6, 2, 1, 3, 2, 1, "valid", False),
]


@pytest.mark.parametrize("n, h, w, c, m, k, s, d, padding, bias", DEPTHWISE, ids=str)
def test_depthwise_against_torch(n, h, w, c, m, k, s, d, padding, bias):
    shapes = [(n, h, w, c), (k, k, c, m)] + ([(c * m,)] if bias else [])

    def ours(x, kernel, b=None):
        return ops.fused_depthwise_conv(x, kernel, b, s, padding, dilation_rate=d)

    def ref(x, kernel, b=None):
        y = torch_depthwise(x, kernel, s, padding, d)
        return y if b is None else y + b

    check_op(ours, ref, *shapes)


@pytest.mark.parametrize("n, h, w, c, m, k, s, d, padding, bias", DEPTHWISE, ids=str)
@pytest.mark.parametrize("dtype, tol", [("float32", 2e-5), ("float64", 1e-12)])
@pytest.mark.parametrize("compiled", [True, False], ids=["numba", "numpy"])
def test_depthwise_against_im2col(
    n, h, w, c, m, k, s, d, padding, bias, dtype, tol, compiled, rng, monkeypatch
):
    if not compiled:
        monkeypatch.setattr(_depthwise.accel, "kernel_for", lambda *arrays: None)
    arrays = [rng.standard_normal(sh).astype(dtype) for sh in [(n, h, w, c), (k, k, c, m)]]
    arrays += [rng.standard_normal(c * m).astype(dtype)] if bias else []

    def fast_fn(x, k, b=None):
        return ops.fused_depthwise_conv(x, k, b, s, padding, None, d)

    fast = _grads(fast_fn, arrays)
    slow = _grads(lambda x, k, b=None: grouped_depthwise(x, k, b, s, padding, d), arrays)
    for got, want in zip(fast, slow):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_depthwise_takes_the_fast_path():
    x, w = ones((1, 4, 4, 2)), ones((3, 3, 2, 1))
    assert type(ops.depthwise_conv(x, w).creator) is _depthwise.DepthwiseConv


@pytest.mark.parametrize(
    "x_shape, k_shape, kwargs",
    [
        ((2, 3, 6, 5), (3, 3, 3, 2), {"data_format": "channels_first", "strides": 2}),
        ((2, 3, 7), (3, 3, 2), {"data_format": "channels_first", "padding": "same"}),
        ((2, 9, 3), (3, 3, 1), {"strides": 2, "padding": "same", "dilation_rate": 1}),
    ],
    ids=str,
)
def test_depthwise_layouts_against_torch(x_shape, k_shape, kwargs):
    def ref(x, w):
        cf = kwargs.get("data_format") == "channels_first"
        s, pad = kwargs.get("strides", 1), kwargs.get("padding", "valid")
        if cf:
            x = x.movedim(1, -1)
        *k, c, m = w.shape
        grouped = w.reshape(*k, 1, c * m)
        if x.ndim == 3:
            y = torch_conv1d(x, grouped, None, s, pad, groups=c)
        else:
            y = torch_conv2d(x, grouped, None, s, pad, groups=c)
        return y.movedim(-1, 1) if cf else y

    check_op(lambda x, w: ops.depthwise_conv(x, w, **kwargs), ref, x_shape, k_shape)


def test_vmap_and_jvp_of_depthwise(rng):
    x = rng.standard_normal((3, 2, 5, 5, 2))
    w, t = rng.standard_normal((3, 3, 2, 2)), rng.standard_normal((3, 3, 2, 2))

    def f(xi):
        return ops.depthwise_conv(xi, w, 2, "same")

    got = dn.vmap(f)(x).numpy()
    want = np.stack([f(xi).numpy() for xi in x])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    xt, wt, tt = (torch.tensor(a) for a in (x[0], w, t))
    _, want_t = torch.func.jvp(lambda k: torch_depthwise(xt, k, 2, "same"), (wt,), (tt,))
    _, got_t = dn.jvp(lambda k: ops.depthwise_conv(x[0], k, 2, "same"), (w,), (t,))
    np.testing.assert_allclose(got_t.numpy(), want_t.numpy(), rtol=1e-12, atol=1e-12)


# (N, H, W, C, O, padding, bias)
POINTWISE = [
    (2, 5, 4, 3, 4, "valid", True),
    (1, 3, 6, 5, 2, "same", False),
    (2, 1, 1, 4, 3, "same", True),
]


@pytest.mark.parametrize("n, h, w, c, o, padding, bias", POINTWISE, ids=str)
def test_pointwise_against_torch(n, h, w, c, o, padding, bias):
    shapes = [(n, h, w, c), (1, 1, c, o)] + ([(o,)] if bias else [])

    def ours(x, kernel, b=None):
        return ops.fused_conv(x, kernel, b, 1, padding)

    check_op(ours, lambda x, kernel, b=None: torch_conv2d(x, kernel, b), *shapes)


@pytest.mark.parametrize("n, h, w, c, o, padding, bias", POINTWISE, ids=str)
@pytest.mark.parametrize("dtype, tol", [("float32", 2e-5), ("float64", 1e-12)])
def test_pointwise_against_im2col(n, h, w, c, o, padding, bias, dtype, tol, rng):
    arrays = [rng.standard_normal(sh).astype(dtype) for sh in [(n, h, w, c), (1, 1, c, o)]]
    arrays += [rng.standard_normal(o).astype(dtype)] if bias else []
    fast = _grads(lambda x, k, b=None: ops.fused_conv(x, k, b, 1, padding), arrays)
    slow = _grads(lambda *a: conv_im2col(*a), arrays)
    for got, want in zip(fast, slow):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_pointwise_takes_the_gemm_path():
    y = ops.conv(ones((1, 3, 3, 2)), ones((1, 1, 2, 4)))
    assert type(y.creator) is _fused.Linear
    strided = ops.conv(ones((1, 3, 3, 2)), ones((1, 1, 2, 4)), strides=2)
    assert type(strided.creator) is conv_module.Conv
