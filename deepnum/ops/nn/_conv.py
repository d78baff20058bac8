"""Convolution: conv (1-D and 2-D here, 3-D through ``_volumetric``), conv1d/conv2d (strides,
TensorFlow's SAME padding, dilation, groups), the fused-bias forms.

Inputs are channels_last (NHWC) and kernels have Keras's layout ``(kh, kw, in/groups, out)``.
The forward pass is im2col, built from a strided view of the padded input, followed by one GEMM
(the bias rides along as an extra column of ones); the array kernels are in
``deepnum.ops.nn._im2col``. The backward pass uses two more ops:

* ``ConvGradInput`` — the adjoint of the convolution with respect to its input, i.e. the
  transposed convolution, computed as one GEMM per kernel tap added into a strided view;
* ``ConvGradWeight`` — the kernel (and bias) gradient, one GEMM ``colᵀ · gy``.

The three ops are each other's adjoints, so every backward is again made of differentiable
ops and the convolution can be differentiated any number of times (as in Chainer's
``convolution_2d``, whose backward is a deconvolution and a grad-W op).
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.mode import is_grad_enabled
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.ops.nn import _im2col as _k
from deepnum.ops.nn._fused import Linear
from deepnum.ops.nn._volumetric import conv3d
from deepnum.ops.nn._window import (
    Window,
    make_window,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)
from deepnum.ops.numpy import moveaxis, reshape

# ----------------------------------------------------------------------------- Functions
__all__ = ["conv"]


class Conv(Function):
    """y = conv(x, W) + b for x (N, H, W, C), W (kh, kw, C/g, O), b (O,).

    ∂L/∂x = ConvGradInput(gy, W) (a transposed convolution), (∂L/∂W, ∂L/∂b) =
    ConvGradWeight(x, gy). The columns of x are kept for the kernel gradient when
    ``keep_col`` (they are what the kernel gradient multiplies by).
    """

    def __init__(self, win: Window, groups: int, keep_col: bool = False) -> None:
        self.win, self.groups, self.keep_col = win, groups, keep_col
        self._col = None

    def forward(self, x, w, b=None):
        col, tap_major = _k.im2col(x, self.win, self.groups, ones=b is not None)
        if self.keep_col:
            self._col = (col, tap_major)
        return _k.conv_forward(col, tap_major, w, b, self.win, x.shape[0])

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        bias = len(self.inputs) == 3
        need = self.needs_input_grad
        gx = ConvGradInput(self.win, self.groups)(gy, w) if need[0] else None
        if not any(need[1:]):
            return (gx, None, None) if bias else (gx, None)
        grads = ConvGradWeight(self.win, self.groups, bias, self._col)(x, gy)
        return (gx,) + grads if bias else (gx, grads)

    def release(self) -> None:
        super().release()
        self._col = None


class ConvGradInput(Function):
    """gx = Convᵀ(gy, W): the adjoint of the convolution in x (the transposed convolution).

    Its own adjoints: in gy, the convolution Conv(ggx, W); in W, ConvGradWeight(ggx, gy).
    """

    def __init__(self, win: Window, groups: int) -> None:
        self.win, self.groups = win, groups

    def forward(self, gy, w):
        x_shape = (gy.shape[0],) + self.win.in_size + (w.shape[2] * self.groups,)
        return _k.conv_grad_input(gy, w, self.win, x_shape, self.groups)

    def backward(self, ggx):
        gy, w = self.inputs
        need = self.needs_input_grad
        g_gy = Conv(self.win, self.groups)(ggx, w) if need[0] else None
        g_w = ConvGradWeight(self.win, self.groups, False)(ggx, gy) if need[1] else None
        return g_gy, g_w


class ConvGradWeight(Function):
    """(gW, gb) = (colᵀ(x) · gy, 1ᵀ · gy): the adjoint of the convolution in (W, b).

    Its own adjoints: in x, ConvGradInput(gy, ggW); in gy, the convolution Conv(x, ggW, ggb).
    """

    def __init__(self, win: Window, groups: int, bias: bool, col: Any = None) -> None:
        self.win, self.groups, self.bias, self._col = win, groups, bias, col

    def forward(self, x, gy):
        col, tap_major = self._col or _k.im2col(x, self.win, self.groups, ones=self.bias)
        self._col = None
        kernel_shape = self.win.kernel + (x.shape[3] // self.groups, gy.shape[3])
        return _k.conv_grad_weight(col, tap_major, gy, kernel_shape, self.bias)

    def backward(self, ggw, ggb=None):
        x, gy = self.inputs
        need = self.needs_input_grad
        g_x = ConvGradInput(self.win, self.groups)(gy, ggw) if need[0] else None
        g_gy = None
        if need[1]:
            args = (x, ggw, ggb) if self.bias else (x, ggw)
            g_gy = Conv(self.win, self.groups)(*args)
        return g_x, g_gy


# ----------------------------------------------------------------------------- public ops
def _channels_last(x: Tensor, data_format: str) -> Tensor:
    return x if data_format == "channels_last" else moveaxis(x, 1, -1)


def _restore_format(y: Tensor, data_format: str) -> Tensor:
    return y if data_format == "channels_last" else moveaxis(y, -1, 1)


def _check_ranks(x: Tensor, kernel: Tensor, op: str, kernel_layout: str) -> int:
    """The number of spatial axes (1 to 3), after checking the ranks of input and kernel."""
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{op}: expected an input of rank 3 (batch, steps, channels), 4 (batch, height, "
            f"width, channels) or 5 (batch, depth, height, width, channels), received shape "
            f"{shape_str(x.shape)}."
        )
    if kernel.ndim != x.ndim:
        raise ValueError(
            f"{op}: a rank-{x.ndim} input needs a rank-{x.ndim} kernel {kernel_layout}, "
            f"received a kernel of shape {shape_str(kernel.shape)}."
        )
    return x.ndim - 2


def _groups(x: Tensor, kernel: Tensor, op: str) -> int:
    c, cg, o = x.shape[-1], kernel.shape[-2], kernel.shape[-1]
    if cg == 0 or c % cg or o % (c // cg):
        raise ValueError(
            f"{op}: the input has {c} channels and the kernel of shape {shape_str(kernel.shape)} "
            f"expects {cg} per group; the channels must be a multiple of the kernel's input "
            "axis (groups = channels / kernel.shape[-2]) and the filters a multiple of groups."
        )
    return c // cg


def _to_2d(x: Tensor, kernel: Tensor) -> tuple[Tensor, Tensor]:
    """A 1-D problem as a 2-D one of height 1."""
    return reshape(x, (x.shape[0], 1) + x.shape[1:]), reshape(kernel, (1,) + kernel.shape)


def _conv(x, kernel, bias, strides, padding, dilation_rate, data_format, op) -> Tensor:
    x = as_tensor(x)
    kernel, bias = as_tensor(kernel, like=x), None if bias is None else as_tensor(bias, like=x)
    nd = _check_ranks(x, kernel, op, "(*kernel_size, in_channels/groups, filters)")
    data_format = standardize_data_format(data_format)
    padding = standardize_padding(padding, allow_causal=nd == 1)
    strides = standardize_tuple(strides, nd, "strides")
    dilation = standardize_tuple(dilation_rate, nd, "dilation_rate")
    x = _channels_last(x, data_format)
    groups = _groups(x, kernel, op)
    if bias is not None and bias.shape != kernel.shape[-1:]:
        raise ValueError(
            f"{op}: the bias must have shape ({kernel.shape[-1]},) (one value per filter), "
            f"received {shape_str(bias.shape)}."
        )
    if nd == 3:

        def conv2d(xs, k, b, st, pad, dil):
            return _conv_nhwc(xs, k, b, st, pad, dil, groups, op)

        y = conv3d(x, kernel, bias, strides, padding, dilation, conv2d)
    elif nd == 1:
        x, kernel = _to_2d(x, kernel)
        y = _conv_nhwc(x, kernel, bias, (1,) + strides, padding, (1,) + dilation, groups, op)
        y = reshape(y, (y.shape[0],) + y.shape[2:])
    else:
        y = _conv_nhwc(x, kernel, bias, strides, padding, dilation, groups, op)
    return _restore_format(y, data_format)


def _conv_nhwc(x, kernel, bias, strides, padding, dilation, groups, op) -> Tensor:
    """The 2-D convolution of a channels_last (N, H, W, C) input. A stride-1 1×1 kernel
    without groups is one GEMM on the rows of x (``Linear``: no im2col copy, either way)."""
    if groups == 1 and kernel.shape[:2] == (1, 1) and tuple(strides) == (1, 1):
        w = reshape(kernel, kernel.shape[2:])
        return Linear()(*((x, w) if bias is None else (x, w, bias)))
    win = make_window(x.shape[1:3], kernel.shape[:2], strides, padding, dilation, op)
    keep = is_grad_enabled() and (kernel.requires_grad or (bias is not None and bias.requires_grad))
    return Conv(win, groups, keep)(*((x, kernel) if bias is None else (x, kernel, bias)))


def conv(
    inputs: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """N-D convolution (N = 1, 2 or 3), Keras's ``ops.conv`` (a cross-correlation, as in every
    framework).

    Output length per spatial axis of size n (kernel k, stride s, dilation d):
    valid ⌊(n − d(k−1) − 1)/s⌋ + 1; same (and causal, 1-D only) ⌈n/s⌉, where SAME pads
    max((out−1)s + d(k−1) + 1 − n, 0) in total, the extra pixel at the bottom/right (TensorFlow).

    Args:
        inputs: (N, *spatial, C) for channels_last (default), (N, C, *spatial) otherwise.
        kernel: (*kernel_size, C/groups, filters); groups = C / kernel.shape[-2].
        strides, dilation_rate: an int or one int per spatial axis.
        padding: ``"valid"``, ``"same"``, or ``"causal"`` for 1-D.
        data_format: ``"channels_last"`` or ``"channels_first"`` (None: the config default).

    Returns:
        (N, *out_spatial, filters) (or channels_first).

    Example:
        >>> import numpy as np
        >>> conv(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 2)), padding="same").shape
        (1, 4, 4, 2)
    """
    return _conv(inputs, kernel, None, strides, padding, dilation_rate, data_format, "conv")


def fused_conv(
    inputs: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """:func:`conv` plus a bias (filters,), fused: the bias rides in the GEMM as a column of
    ones, and its gradient comes out of the kernel-gradient GEMM (beyond Keras; what the
    convolution layers call).

    Example:
        >>> import numpy as np
        >>> fused_conv(np.ones((1, 3, 3, 1)), np.ones((3, 3, 1, 1)), [0.5])[0, 0, 0].tolist()
        [9.5]
    """
    return _conv(inputs, kernel, bias, strides, padding, dilation_rate, data_format, "conv")


def conv1d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: str = "valid",
    dilation_rate: Any = 1,
    data_format: str | None = None,
) -> Tensor:
    """1-D convolution of x (N, L, C) with a kernel (k, C/groups, filters); see :func:`conv`.

    Example:
        >>> import numpy as np
        >>> conv1d(np.ones((2, 5, 3)), np.ones((3, 3, 4)), padding="causal").shape
        (2, 5, 4)
    """
    if as_tensor(x).ndim != 3:
        raise ValueError(f"conv1d: expected an input of rank 3, received {shape_str(x.shape)}.")
    return _conv(x, kernel, bias, strides, padding, dilation_rate, data_format, "conv1d")


def conv2d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: str = "valid",
    dilation_rate: Any = 1,
    data_format: str | None = None,
) -> Tensor:
    """2-D convolution of x (N, H, W, C) with a kernel (kh, kw, C/groups, filters) and an
    optional bias (filters,); see :func:`conv` for the output size.

    Example:
        >>> import numpy as np
        >>> conv2d(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4)), strides=2).shape
        (1, 2, 2, 4)
    """
    if as_tensor(x).ndim != 4:
        raise ValueError(f"conv2d: expected an input of rank 4, received {shape_str(x.shape)}.")
    return _conv(x, kernel, bias, strides, padding, dilation_rate, data_format, "conv2d")


def transpose_geometry(n: int, k: int, s: int, d: int, padding: str, output_padding: Any):
    """(output length, padding before) of a transposed convolution, Keras's / TensorFlow's:
    valid: n·s + max(d(k−1)+1 − s, 0); same: n·s; with ``output_padding`` p:
    (n−1)s + d(k−1)+1 − 2·pad + p, pad = ⌊(d(k−1)+1)/2⌋ for same, 0 for valid. The padding
    before is that of the SAME convolution mapping the output back to n (smaller half first)."""
    k_eff = d * (k - 1) + 1
    if output_padding is None:
        length = n * s + max(k_eff - s, 0) if padding == "valid" else n * s
    else:
        pad = k_eff // 2 if padding == "same" else 0
        length = (n - 1) * s + k_eff - 2 * pad + output_padding
    before = 0 if padding == "valid" else max((n - 1) * s + k_eff - length, 0) // 2
    return length, before


def _transpose_window(spatial, kernel, strides, dilation, padding, output_padding) -> Window:
    """The window of the convolution whose input gradient the transposed convolution is: it
    maps the transposed convolution's output (its ``in_size``) back to ``spatial``."""
    geometry = [
        transpose_geometry(n, k, s, d, padding, p)
        for n, k, s, d, p in zip(spatial, kernel, strides, dilation, output_padding)
    ]
    return Window(
        tuple(g[0] for g in geometry), tuple(spatial), tuple(kernel), tuple(strides),
        tuple(dilation), tuple(g[1] for g in geometry),
    )  # fmt: skip
