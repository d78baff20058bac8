"""Convolution ops: conv1d/conv2d (strides, SAME/valid/causal padding, dilation, groups),
conv_transpose, depthwise and separable convolutions — forward against PyTorch, gradients
against numerical differentiation and torch.autograd, second order against PyTorch."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from deepnum.ops.nn import _im2col as im2col
from deepnum.ops.nn._window import make_window
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")
F = torch.nn.functional
# ``deepnum.ops.nn._conv`` is also the name of Keras's op, which shadows the module attribute.
conv_module = importlib.import_module("deepnum.ops.nn._conv")


# ----------------------------------------------------------------------------- references
def same_pads(n: int, k: int, s: int, d: int = 1) -> tuple[int, int]:
    """TensorFlow's SAME padding: the smaller half before, the odd pixel after."""
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def torch_conv2d(x, w, b=None, s=1, padding="valid", d=1, groups=1):
    """NHWC input and Keras kernel (kh, kw, in/g, out) through torch's NCHW conv2d."""
    s, d = (s, s) if isinstance(s, int) else s, (d, d) if isinstance(d, int) else d
    xt = x.permute(0, 3, 1, 2)
    if padding == "same":
        (pt, pb), (pl, pr) = [
            same_pads(n, k, si, di) for n, k, si, di in zip(x.shape[1:3], w.shape[:2], s, d)
        ]
        xt = F.pad(xt, (pl, pr, pt, pb))
    y = F.conv2d(xt, w.permute(3, 2, 0, 1), b, stride=s, dilation=d, groups=groups)
    return y.permute(0, 2, 3, 1)


def torch_conv1d(x, w, b=None, s=1, padding="valid", d=1, groups=1):
    xt = x.permute(0, 2, 1)
    if padding == "same":
        xt = F.pad(xt, same_pads(x.shape[1], w.shape[0], s, d))
    elif padding == "causal":
        xt = F.pad(xt, (d * (w.shape[0] - 1), 0))
    y = F.conv1d(xt, w.permute(2, 1, 0), b, stride=s, dilation=d, groups=groups)
    return y.permute(0, 2, 1)


def torch_conv_transpose2d(x, w, s, padding, d=1, output_padding=None):
    """TensorFlow's conv2d_transpose: torch's full transposed conv, then cropped/extended."""
    xt = x.permute(0, 3, 1, 2)
    full = F.conv_transpose2d(xt, w.permute(3, 2, 0, 1), stride=s, dilation=d)
    pads = []
    for axis in (1, 0):  # F.pad lists the last axis first
        n, k = x.shape[1 + axis], w.shape[axis]
        op = None if output_padding is None else output_padding[axis]
        length, before = conv_module.transpose_geometry(n, k, s, d, padding, op)
        pads += [-before, length - (full.shape[2 + axis] - before)]
    return F.pad(full, tuple(pads)).permute(0, 2, 3, 1)


def torch_depthwise(x, w, s=1, padding="valid", d=1):
    kh, kw, c, m = w.shape
    grouped = w.reshape(kh, kw, 1, c * m)
    return torch_conv2d(x, grouped, None, s, padding, d, groups=c)


# ----------------------------------------------------------------------------- conv2d
CONV2D = [
    # (N, H, W, C, O, kernel, strides, dilation, padding, groups, bias)
    (2, 5, 5, 3, 4, 3, 1, 1, "valid", 1, True),
    (2, 6, 5, 4, 6, 3, 2, 1, "same", 2, True),
    (1, 7, 6, 2, 3, 3, 1, 2, "same", 1, False),
    (2, 5, 6, 1, 2, 2, 2, 1, "same", 1, True),  # 1 channel (tap-major), odd pad at the end
    (1, 6, 7, 6, 4, (2, 3), (1, 2), 1, "valid", 1, True),  # many channels (row-major im2col)
    (1, 5, 5, 6, 6, 3, 1, 1, "same", 6, True),  # depthwise-shaped groups
    (1, 4, 4, 3, 2, 5, 1, 1, "same", 1, True),  # kernel larger than the input
]


@pytest.mark.parametrize("n, h, w, c, o, k, s, d, padding, groups, bias", CONV2D, ids=str)
def test_conv2d(n, h, w, c, o, k, s, d, padding, groups, bias):
    kh, kw = (k, k) if isinstance(k, int) else k
    shapes = [(n, h, w, c), (kh, kw, c // groups, o)] + ([(o,)] if bias else [])
    check_op(
        lambda *a: ops.conv2d(*a, strides=s, padding=padding, dilation_rate=d),
        lambda *a: torch_conv2d(*a, s=s, padding=padding, d=d, groups=groups),
        *shapes,
    )


def test_conv2d_channels_first_matches_channels_last(rng):
    x, w, b = rng.standard_normal((2, 6, 5, 3)), rng.standard_normal((3, 3, 3, 4)), np.ones(4)
    want = ops.conv2d(x, w, b, strides=2, padding="same").numpy()
    got = ops.conv2d(
        x.transpose(0, 3, 1, 2), w, b, strides=2, padding="same", data_format="channels_first"
    )
    np.testing.assert_allclose(got.numpy(), want.transpose(0, 3, 1, 2), atol=1e-12)
    conv = ops.fused_conv(x, w, b, strides=2, padding="SAME")  # Keras's name, any case
    np.testing.assert_allclose(conv.numpy(), want, atol=1e-12)
    np.testing.assert_allclose(ops.conv(x, w, 2, "same").numpy() + 1, want, atol=1e-12)


@pytest.mark.parametrize("threshold", [0, 1000])
def test_im2col_layouts_agree(monkeypatch, rng, threshold):
    """The tap-major and row-major im2col give the same values and gradients."""
    x, w, b = rng.standard_normal((2, 5, 6, 3)), rng.standard_normal((3, 2, 3, 4)), np.ones(4)

    def grads():
        return dn.grad(
            lambda *a: (ops.conv2d(*a, strides=(2, 1), padding="same") ** 2).sum(),
            argnums=(0, 1, 2),
        )(x, w, b)

    want = grads()
    monkeypatch.setattr(im2col, "TAP_MAJOR_MAX_CHANNELS", threshold)
    for g, ref in zip(grads(), want):
        np.testing.assert_allclose(g.numpy(), ref.numpy(), atol=1e-10)


def test_cached_columns_match_recomputed(rng):
    """The kernel gradient from the columns kept by the forward equals a fresh im2col."""
    x, w, b = (
        dn.tensor(rng.standard_normal(s), requires_grad=True)
        for s in [(2, 6, 6, 5), (3, 3, 5, 4), (4,)]
    )
    win = make_window((6, 6), (3, 3), (1, 1), "same")
    gy = rng.standard_normal((2, 6, 6, 4))
    results = []
    for keep in (True, False):
        outs = dn.grad(
            lambda *a, keep=keep: (conv_module.Conv(win, 1, keep)(*a) * gy).sum(), argnums=(0, 1, 2)
        )(x, w, b)
        results.append([g.numpy() for g in outs])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_conv2d_third_derivative_numerically(rng):
    x, w = rng.standard_normal((1, 4, 4, 2)), rng.standard_normal((2, 2, 2, 2))
    first = dn.grad(lambda x, w: (ops.conv2d(x, w, padding="same") ** 3).sum(), argnums=(0, 1))
    second = dn.grad(lambda x, w: sum((g**2).sum() for g in first(x, w)), argnums=(0, 1))
    dn.check_grad(lambda x, w: sum((g * g).sum() for g in second(x, w)), x, w)


# ----------------------------------------------------------------------------- conv1d
CONV1D = [
    # (N, L, C, O, kernel, strides, dilation, padding, groups)
    (2, 7, 3, 4, 3, 1, 1, "valid", 1),
    (2, 8, 4, 6, 3, 2, 1, "same", 2),
    (1, 9, 2, 3, 3, 1, 2, "causal", 1),
    (2, 6, 8, 4, 2, 3, 1, "same", 1),
]


@pytest.mark.parametrize("n, length, c, o, k, s, d, padding, groups", CONV1D, ids=str)
def test_conv1d(n, length, c, o, k, s, d, padding, groups):
    check_op(
        lambda x, w, b: ops.conv1d(x, w, b, strides=s, padding=padding, dilation_rate=d),
        lambda x, w, b: torch_conv1d(x, w, b, s=s, padding=padding, d=d, groups=groups),
        (n, length, c),
        (k, c // groups, o),
        (o,),
    )


# ----------------------------------------------------------------------------- transposed
CONV_TRANSPOSE = [
    # (N, H, W, C_in, filters, kernel, strides, dilation, padding, output_padding)
    (2, 3, 4, 3, 2, 3, 1, 1, "valid", None),
    (2, 3, 3, 2, 4, 3, 2, 1, "same", None),  # odd total padding: TensorFlow puts it after
    (1, 3, 2, 2, 3, 2, 3, 1, "valid", None),  # stride > kernel: zero rows in the output
    (1, 3, 3, 2, 2, 3, 1, 2, "same", None),
    (1, 2, 3, 2, 3, 3, 2, 1, "same", (1, 0)),
    (1, 2, 3, 2, 2, 4, 2, 1, "valid", (1, 1)),
]


@pytest.mark.parametrize("n, h, w, c, o, k, s, d, padding, out_pad", CONV_TRANSPOSE, ids=str)
def test_conv_transpose(n, h, w, c, o, k, s, d, padding, out_pad):
    check_op(
        lambda x, k_: ops.conv_transpose(x, k_, s, padding, out_pad, dilation_rate=d),
        lambda x, k_: torch_conv_transpose2d(x, k_, s, padding, d, out_pad),
        (n, h, w, c),
        (k, k, o, c),
    )


def test_conv_transpose_1d_is_the_2d_op_of_height_one(rng):
    x, k = rng.standard_normal((2, 5, 3)), rng.standard_normal((3, 4, 3))
    got = ops.conv_transpose(x, k, strides=2, padding="same")
    want = ops.conv_transpose(x[:, None], k[None], strides=(1, 2), padding="same")
    assert got.shape == (2, 10, 4)
    np.testing.assert_allclose(got.numpy(), want.numpy()[:, 0], atol=1e-12)


def test_conv_transpose_is_the_adjoint_of_conv(rng):
    """⟨conv(x), y⟩ = ⟨x, conv_transpose(y)⟩ for the kernel read in both layouts."""
    x, k = rng.standard_normal((2, 6, 6, 3)), rng.standard_normal((3, 3, 3, 4))
    y = rng.standard_normal((2, 3, 3, 4))
    lhs = (ops.conv2d(x, k, strides=2, padding="same").numpy() * y).sum()
    rhs = (x * ops.conv_transpose(y, k, strides=2, padding="same").numpy()).sum()
    assert abs(lhs - rhs) < 1e-9


# ----------------------------------------------------------------------------- depthwise
@pytest.mark.parametrize(
    "c, m, k, s, d, padding",
    [(3, 1, 3, 1, 1, "same"), (2, 3, 3, 2, 1, "same"), (4, 2, 2, 1, 2, "valid")],
    ids=str,
)
def test_depthwise_conv(c, m, k, s, d, padding):
    check_op(
        lambda x, w: ops.depthwise_conv(x, w, s, padding, dilation_rate=d),
        lambda x, w: torch_depthwise(x, w, s, padding, d),
        (2, 6, 5, c),
        (k, k, c, m),
    )


def test_separable_conv():
    def ref(x, dw, pw, b):
        return torch_conv2d(torch_depthwise(x, dw, 2, "same"), pw, b)

    check_op(
        lambda x, dw, pw, b: ops.fused_separable_conv(x, dw, pw, b, 2, "same"),
        ref,
        (1, 5, 6, 3),
        (3, 3, 3, 2),
        (1, 1, 6, 4),
        (4,),
    )
    check_op(
        lambda x, dw, pw: ops.separable_conv(x, dw, pw, 2, "same"),
        lambda x, dw, pw: ref(x, dw, pw, None),
        (1, 5, 6, 3),
        (3, 3, 3, 2),
        (1, 1, 6, 4),
    )


def test_fused_depthwise_conv_bias():
    check_op(
        lambda x, w, b: ops.fused_depthwise_conv(x, w, b, 2, "same"),
        lambda x, w, b: torch_depthwise(x, w, 2, "same") + b,
        (1, 5, 6, 3),
        (3, 3, 3, 2),
        (6,),
    )


# ----------------------------------------------------------------------------- errors
def test_errors_name_what_was_expected():
    x = np.ones((1, 5, 5, 3))
    with pytest.raises(ValueError, match=r"rank-4 kernel"):
        ops.conv2d(x, np.ones((3, 3, 4)))
    with pytest.raises(ValueError, match=r"3 channels.*expects 2 per group"):
        ops.conv2d(x, np.ones((3, 3, 2, 4)))
    with pytest.raises(ValueError, match=r"does not fit.*padding='valid'"):
        ops.conv2d(x, np.ones((7, 7, 3, 4)))
    with pytest.raises(ValueError, match=r"`padding` argument.*diagonal"):
        ops.conv2d(x, np.ones((3, 3, 3, 4)), padding="diagonal")
    with pytest.raises(ValueError, match=r"`strides`.*value > 0"):
        ops.conv2d(x, np.ones((3, 3, 3, 4)), strides=-1)
    with pytest.raises(ValueError, match=r"expected an input of rank 4"):
        ops.conv2d(np.ones((5, 5, 3)), np.ones((3, 3, 3, 4)))
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        ops.conv2d(x, np.ones((3, 3, 3, 4)), np.ones(3))
    with pytest.raises(ValueError, match=r"causal"):
        ops.conv2d(x, np.ones((3, 3, 3, 4)), padding="causal")


# ----------------------------------------------------------------------------- keras.ops
KERAS_CONV = [
    ("conv", (2, 7, 6, 3), (3, 3, 3, 4), {"strides": 2, "padding": "same"}),
    ("conv", (2, 7, 3), (3, 3, 4), {"dilation_rate": 2}),
    ("conv", (2, 6, 6, 4), (3, 3, 2, 6), {"padding": "same"}),  # groups = 2
    ("conv", (2, 3, 6, 7), (2, 3, 3, 4), {"data_format": "channels_first", "strides": (2, 1)}),
    ("conv_transpose", (2, 4, 5, 3), (3, 3, 2, 3), {"strides": 2, "padding": "same"}),
    ("conv_transpose", (2, 4, 3), (3, 2, 3), {"strides": 3}),
    ("conv_transpose", (1, 3, 3, 2), (3, 3, 4, 2), {"strides": 2, "output_padding": 1}),
    ("depthwise_conv", (2, 6, 5, 3), (3, 3, 3, 2), {"strides": 2, "padding": "same"}),
    ("depthwise_conv", (2, 8, 3), (3, 3, 1), {"dilation_rate": 2}),
]


@pytest.mark.parametrize("name, xs, ks, kwargs", KERAS_CONV, ids=str)
def test_against_keras(name, xs, ks, kwargs):
    x, k = (np.random.default_rng(0).standard_normal(s).astype("float32") for s in (xs, ks))
    check_keras(f"nn.{name}", x, k, atol=1e-5, rtol=1e-5, **kwargs)


def test_separable_conv_against_keras():
    rng = np.random.default_rng(0)
    x, dw, pw = (rng.standard_normal(s).astype("float32")
                 for s in ((2, 6, 5, 3), (3, 3, 3, 2), (1, 1, 6, 4)))  # fmt: skip
    check_keras("nn.separable_conv", x, dw, pw, 2, "same", atol=1e-5, rtol=1e-5)


# ----------------------------------------------------------------------------- 3-D
def torch_conv3d(x, w, b=None, s=1, padding="valid", d=1, groups=1):
    """Keras's layouts (NDHWC, (kd, kh, kw, in/g, out)) through torch's conv3d."""
    s, d = (s,) * 3 if isinstance(s, int) else s, (d,) * 3 if isinstance(d, int) else d
    xt = x.permute(0, 4, 1, 2, 3)
    if padding == "same":
        pads = []
        for n, k, st, dl in reversed(list(zip(xt.shape[2:], w.shape[:3], s, d))):
            o = -(-n // st)
            total = max((o - 1) * st + dl * (k - 1) + 1 - n, 0)
            pads += [total // 2, total - total // 2]
        xt = F.pad(xt, pads)
    y = F.conv3d(xt, w.permute(4, 3, 0, 1, 2), b, stride=s, dilation=d, groups=groups)
    return y.permute(0, 2, 3, 4, 1)


CONV3D = [
    ((2, 5, 4, 6, 3), (3, 2, 3, 3, 4), 1, "valid", 1, 1),
    ((1, 6, 5, 5, 2), (3, 3, 3, 2, 3), (2, 1, 2), "same", 1, 1),
    ((1, 7, 5, 4, 4), (2, 2, 2, 2, 4), 1, "same", (2, 1, 1), 2),
]


@pytest.mark.parametrize("xs, ks, s, padding, d, groups", CONV3D, ids=str)
def test_conv3d(xs, ks, s, padding, d, groups):
    check_op(
        lambda x, w, b: ops.fused_conv(x, w, b, s, padding, dilation_rate=d),
        lambda x, w, b: torch_conv3d(x, w, b, s, padding, d, groups),
        xs, ks, ks[-1:],
    )  # fmt: skip
    x, k = (np.random.default_rng(0).standard_normal(t).astype("float32") for t in (xs, ks))
    check_keras("nn.conv", x, k, s, padding, dilation_rate=d, atol=1e-5, rtol=1e-5)


KERAS_3D = [
    ("conv_transpose", (1, 3, 4, 3, 2), (3, 2, 3, 5, 2), {"strides": 2, "padding": "same"}),
    ("conv_transpose", (2, 3, 3, 2, 2), (2, 3, 2, 3, 2), {"strides": (1, 2, 3)}),
    ("conv_transpose", (1, 3, 3, 3, 2), (3, 3, 3, 2, 2), {"strides": 2, "output_padding": 1}),
    ("depthwise_conv", (1, 5, 4, 5, 3), (3, 2, 3, 3, 2), {"padding": "same"}),
    ("conv", (1, 3, 4, 5, 4), (2, 2, 2, 3, 2), {"data_format": "channels_first"}),
]


@pytest.mark.parametrize("name, xs, ks, kwargs", KERAS_3D, ids=str)
def test_3d_variants_against_keras(name, xs, ks, kwargs):
    x, k = (np.random.default_rng(1).standard_normal(s).astype("float32") for s in (xs, ks))
    check_keras(f"nn.{name}", x, k, atol=1e-5, rtol=1e-5, **kwargs)


def test_conv_transpose3d_is_the_adjoint_of_conv3d(rng):
    # ⟨conv(x, k), y⟩ = ⟨x, conv_transpose(y, k)⟩ for a stride-2 SAME geometry, and the
    # transposed convolution differentiates to second order (numerically checked).
    x, k = rng.standard_normal((1, 6, 4, 4, 2)), rng.standard_normal((3, 2, 3, 2, 3))
    y = rng.standard_normal(ops.conv(x, k, 2, "same").shape)
    lhs = (ops.conv(x, k, 2, "same").numpy() * y).sum()
    back = ops.conv_transpose(y, k, 2, "same")
    np.testing.assert_allclose(lhs, (x * back.numpy()).sum(), rtol=1e-10)
    check_op(
        lambda t, w: ops.conv_transpose(t, w, 2, "same"), None, (1, 2, 3, 2, 2), (2, 3, 2, 3, 2),
        np_fn=lambda t, w: ops.conv_transpose(t, w, 2, "same").numpy(), float32=False,
    )  # fmt: skip
