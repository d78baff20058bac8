"""The 2-D depthwise convolution as kh·kw shifted multiply-adds over the padded NHWC input.

With a kernel W (kh, kw, C, M) and the padded input x̃, output channel c·M + m is

    y[n, h, w, c, m] = Σᵢⱼ x̃[n, h·sₕ + i·dₕ, w·s_w + j·d_w, c] · W[i, j, c, m]  (+ b[c·M + m]),

one strided slice of x̃ times one row of W per tap: no im2col copy (K times the input) and no
batched GEMM of inner size K. With one filter per channel on NumPy arrays, the forward and both
gradients run as numba kernels (``accel.depthwise_conv``, ``depthwise_grad_input``,
``depthwise_grad_weight``) that loop over the output pixels and skip the padding instead of
copying the input into it.

The two gradients are the same shifted sums read the other way:

* ``DepthwiseGradInput``: ∂L/∂x̃ = Σᵢⱼ shiftᵢⱼ⁻¹(Σₘ gy · W[i, j]), a scatter-add of the
  shifted products into the padded input, then cropped;
* ``DepthwiseGradWeight``: ∂L/∂W[i, j, c, m] = Σₙₕ_w x̃ᵢⱼ[n, h, w, c] · gy[n, h, w, c, m].

The three Functions are each other's adjoints (as ``Conv``, ``ConvGradInput`` and
``ConvGradWeight``), so the convolution differentiates any number of times.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import accel, get_array_module
from deepnum.ops.nn._window import Window, make_window
from deepnum.ops.numpy import sum as _sum

__all__ = []


# ----------------------------------------------------------------------------- array kernels
def _tap_slices(win: Window, i: int, j: int) -> tuple[slice, slice]:
    """The rows and columns of the padded input that tap (i, j) reads, one per output pixel."""
    (ho, wo), (sh, sw), (dh, dw) = win.out_size, win.strides, win.dilation
    return (
        slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
        slice(j * dw, j * dw + sw * (wo - 1) + 1, sw),
    )


def _taps(win: Window):
    return [
        (i, j) + _tap_slices(win, i, j) for i in range(win.kernel[0]) for j in range(win.kernel[1])
    ]


def depthwise_forward(x: Any, w: Any, b: Any, win: Window) -> Any:
    """y (N, Ho, Wo, C·M) = Σ over taps of the shifted padded input times W[i, j] (+ b)."""
    xp = get_array_module(x)
    n, c, m = x.shape[0], x.shape[3], w.shape[3]
    if m == 1:
        y = xp.empty((n,) + win.out_size + (c,), dtype=xp.result_type(x.dtype, w.dtype))
        w3 = w.reshape(win.kernel + (c,))
        kernel = accel.kernel_for("depthwise_conv", x, w3, y)
        if kernel is not None:  # one pass, no padded copy: ~4-10x NumPy's shifted sums
            y[...] = 0 if b is None else b
            kernel(x, w3, *win.strides, *win.dilation, *win.pad_before, y)
            return y
    xpad = win.pad(x)
    y = tmp = None
    for i, j, rows, cols in _taps(win):
        xs = xpad[:, rows, cols]
        wij = w[i, j, :, 0] if m == 1 else w[i, j]
        if m > 1:
            xs = xs[..., None]
        if y is None:
            y = xs * wij
            tmp = xp.empty_like(y)
        else:
            xp.multiply(xs, wij, out=tmp)
            y += tmp
    y = y.reshape((n,) + win.out_size + (c * m,))
    if b is not None:
        y += b
    return y


def depthwise_grad_input(gy: Any, w: Any, win: Window, n: int) -> Any:
    """∂L/∂x (N, H, W, C): the products gy·W[i, j] (summed over M) added into the padded
    pixels each tap read, the padding cropped."""
    xp = get_array_module(gy)
    c, m = w.shape[2], w.shape[3]
    if m == 1:
        gx = xp.zeros((n,) + win.in_size + (c,), dtype=xp.result_type(gy.dtype, w.dtype))
        w3 = w.reshape(win.kernel + (c,))
        gy = xp.ascontiguousarray(gy)  # a broadcast gradient (of a sum) is a strided view
        kernel = accel.kernel_for("depthwise_grad_input", gy, w3, gx)
        if kernel is not None:
            kernel(gy, w3, *win.strides, *win.dilation, *win.pad_before, gx)
            return gx
    (h, wd), (pt, pl) = win.in_size, win.pad_before
    (ph, pw) = (h + pt + win.pad_after[0], wd + pl + win.pad_after[1])
    gx = xp.zeros((n, ph, pw, c), dtype=xp.result_type(gy.dtype, w.dtype))
    g = gy.reshape((n,) + win.out_size + (c, m))
    tmp = xp.empty((n,) + win.out_size + (c,), dtype=gx.dtype) if m == 1 else None
    for i, j, rows, cols in _taps(win):
        if m == 1:
            xp.multiply(g[..., 0], w[i, j, :, 0], out=tmp)
        else:
            tmp = (g * w[i, j]).sum(axis=-1)
        gx[:, rows, cols] += tmp
    if (ph, pw) == (h, wd):
        return gx
    return xp.ascontiguousarray(gx[:, pt : pt + h, pl : pl + wd])


def depthwise_grad_weight(x: Any, gy: Any, win: Window) -> Any:
    """∂L/∂W (kh, kw, C, M): per tap, Σ over batch and output pixels of x̃ᵢⱼ · gy."""
    xp = get_array_module(x)
    n, c = x.shape[0], x.shape[3]
    m = gy.shape[3] // c
    if m == 1:
        gy = xp.ascontiguousarray(gy)
    kernel = accel.kernel_for("depthwise_grad_weight", x, gy) if m == 1 else None
    if kernel is not None:
        acc = xp.zeros(win.kernel + (c,), dtype=xp.float64)
        kernel(x, gy, *win.strides, *win.dilation, *win.pad_before, acc)
        return acc.astype(xp.result_type(x.dtype, gy.dtype)).reshape(win.kernel + (c, 1))
    xpad = win.pad(x)
    g = gy.reshape((n,) + win.out_size + (c, m))
    gw = xp.empty(win.kernel + (c, m), dtype=xp.result_type(x.dtype, gy.dtype))
    tmp = xp.empty((n,) + win.out_size + (c,), dtype=gw.dtype) if m == 1 else None
    for i, j, rows, cols in _taps(win):
        xs = xpad[:, rows, cols]
        if m == 1:
            xp.multiply(xs, g[..., 0], out=tmp)
            gw[i, j, :, 0] = tmp.reshape(-1, c).sum(axis=0)
        else:
            gw[i, j] = (xs[..., None] * g).reshape(-1, c, m).sum(axis=0)
    return gw


# ----------------------------------------------------------------------------- Functions
class DepthwiseConv(Function):
    """y = depthwise_conv(x, W) + b for x (N, H, W, C), W (kh, kw, C, M), b (C·M,).

    ∂L/∂x = DepthwiseGradInput(gy, W), ∂L/∂W = DepthwiseGradWeight(x, gy), ∂L/∂b = Σ gy over
    the batch and the output pixels.
    """

    def __init__(self, win: Window) -> None:
        self.win = win

    def forward(self, x, w, b=None):
        return depthwise_forward(x, w, b, self.win)

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        gx = DepthwiseGradInput(self.win)(gy, w) if need[0] else None
        gw = DepthwiseGradWeight(self.win)(x, gy) if need[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, _sum(gy, axis=(0, 1, 2)) if need[2] else None

    def backward_arrays(self, gy):
        x, w = self.inputs[0].data, self.inputs[1].data
        need = self.needs_input_grad
        gx = depthwise_grad_input(gy, w, self.win, x.shape[0]) if need[0] else None
        gw = depthwise_grad_weight(x, gy, self.win) if need[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, gy.reshape(-1, gy.shape[3]).sum(axis=0) if need[2] else None


class DepthwiseGradInput(Function):
    """gx = DepthwiseConvᵀ(gy, W), the adjoint of the depthwise convolution in x.

    Its own adjoints: in gy, DepthwiseConv(ggx, W); in W, DepthwiseGradWeight(ggx, gy).
    """

    def __init__(self, win: Window) -> None:
        self.win = win

    def forward(self, gy, w):
        return depthwise_grad_input(gy, w, self.win, gy.shape[0])

    def backward(self, ggx):
        gy, w = self.inputs
        need = self.needs_input_grad
        g_gy = DepthwiseConv(self.win)(ggx, w) if need[0] else None
        g_w = DepthwiseGradWeight(self.win)(ggx, gy) if need[1] else None
        return g_gy, g_w


class DepthwiseGradWeight(Function):
    """gW = Σ x̃ᵢⱼ · gy, the adjoint of the depthwise convolution in W.

    Its own adjoints: in x, DepthwiseGradInput(gy, ggW); in gy, DepthwiseConv(x, ggW).
    """

    def __init__(self, win: Window) -> None:
        self.win = win

    def forward(self, x, gy):
        return depthwise_grad_weight(x, gy, self.win)

    def backward(self, ggw):
        x, gy = self.inputs
        need = self.needs_input_grad
        g_x = DepthwiseGradInput(self.win)(gy, ggw) if need[0] else None
        g_gy = DepthwiseConv(self.win)(x, ggw) if need[1] else None
        return g_x, g_gy


def depthwise_nhwc(
    x: Tensor, kernel: Tensor, bias: Tensor | None, strides: tuple, padding: str, dilation: tuple
) -> Tensor:
    """The depthwise convolution of a channels_last (N, H, W, C) input with a kernel
    (kh, kw, C, M), inputs already checked.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> x, w = dn.tensor(np.ones((1, 4, 4, 2))), dn.tensor(np.ones((3, 3, 2, 1)))
        >>> depthwise_nhwc(x, w, None, (1, 1), "same", (1, 1))[0, :, :, 0].numpy()[0].tolist()
        [4.0, 6.0, 6.0, 4.0]
    """
    win = make_window(x.shape[1:3], kernel.shape[:2], strides, padding, dilation, "depthwise_conv")
    return DepthwiseConv(win)(*((x, kernel) if bias is None else (x, kernel, bias)))
