"""3-D convolution and pooling (inputs (N, D, H, W, C)) as sums over the depth taps of the 2-D
ops: the slices of the depth-padded input that depth tap i reads, x[:, i·d_D :: s_D], are
folded into the batch, go through the 2-D op with kernel slice i, and the results combine
(sum for convolutions, maximum for max pooling, mean over the real depth taps for average
pooling, whose 2-D averages already exclude the padding). Every step is a differentiable op, so
the 3-D ops differentiate any number of times, and the 2-D kernels (im2col GEMMs, compiled
pooling) do the work.

Depth follows the same geometry as height and width (valid, or TensorFlow's SAME with the
extra pixel at the end). The transposed convolution is the adjoint: each depth tap's 2-D
transposed convolution is spread back to the depth positions o·s_D + i·d_D − pad.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.nn._window import output_length
from deepnum.ops.numpy import maximum, pad, reshape, stack, zeros_like


def depth_padding(n: int, k: int, s: int, d: int, padding: str) -> tuple[int, int, int]:
    """(output length, padding before, padding after) of a window over an axis of ``n``."""
    o = output_length(n, k, s, padding, d)
    if o <= 0:
        raise ValueError(
            f"the window of size {d * (k - 1) + 1} does not fit in a depth of {n} with "
            "padding='valid'; the output would be empty."
        )
    total = max((o - 1) * s + d * (k - 1) + 1 - n, 0)
    before = total // 2 if padding != "valid" else 0
    return o, before, max(total - before, 0)


def _depth_pad(x: Tensor, before: int, after: int, value: float) -> Tensor:
    if not (before or after):
        return x
    widths = ((0, 0), (before, after)) + ((0, 0),) * (x.ndim - 2)
    return pad(x, widths, constant_values=value)


def _taps(x: Tensor, k: int, s: int, d: int, padding: str, value: float = 0.0):
    """(Do, the depth-padded slices of x read by each depth tap, folded into the batch: each
    (N·Do, H, W, C))."""
    n, depth = x.shape[0], x.shape[1]
    out, before, after = depth_padding(depth, k, s, d, padding)
    xp = _depth_pad(x, before, after, value)
    slices = [xp[:, i * d : i * d + (out - 1) * s + 1 : s] for i in range(k)]
    return out, [reshape(sl, (n * out,) + x.shape[2:]) for sl in slices]


def _unfold_batch(y: Tensor, n: int, out: int) -> Tensor:
    return reshape(y, (n, out) + y.shape[1:])


def conv3d(x: Tensor, kernel: Tensor, bias: Any, strides, padding, dilation, conv2d) -> Tensor:
    """Σ_i conv2d(x[depth tap i], kernel[i]) (+ bias) for channels_last x (N, D, H, W, C)."""
    out, slices = _taps(x, kernel.shape[0], strides[0], dilation[0], padding)
    y = None
    for i, xs in enumerate(slices):
        yi = conv2d(xs, kernel[i], bias if i == 0 else None, strides[1:], padding, dilation[1:])
        y = yi if y is None else y + yi
    return _unfold_batch(y, x.shape[0], out)


def _spread(y: Tensor, stride: int, offset: int, length: int) -> Tensor:
    """y (N, D, ...) placed at depth positions o·stride + offset of a length-``length`` axis,
    zeros elsewhere (positions outside [0, length) dropped)."""
    if stride > 1:
        parts = [y] + [zeros_like(y)] * (stride - 1)
        y = reshape(stack(parts, axis=2), (y.shape[0], y.shape[1] * stride) + y.shape[2:])
        y = y[:, : (y.shape[1] - stride + 1)]
    if offset < 0:
        y = y[:, -offset:]
        offset = 0
    y = y[:, : max(length - offset, 0)]
    return _depth_pad(y, offset, length - offset - y.shape[1], 0.0)


def conv_transpose3d(x: Tensor, kernel: Tensor, geometry, transpose2d) -> Tensor:
    """The adjoint of :func:`conv3d`: Σ_i spread(conv_transpose2d(x, kernel[i])) over depth.

    ``geometry`` is (output depth, padding before, stride, dilation) of the depth axis.
    """
    length, before, stride, dilation = geometry
    n, depth = x.shape[0], x.shape[1]
    flat = reshape(x, (n * depth,) + x.shape[2:])
    y = None
    for i in range(kernel.shape[0]):
        yi = _unfold_batch(transpose2d(flat, kernel[i]), n, depth)
        yi = _spread(yi, stride, i * dilation - before, length)
        y = yi if y is None else y + yi
    return y


def max_pool3d(x: Tensor, pool, strides, padding, pool2d) -> Tensor:
    """max over depth taps of the 2-D max pools (depth padding is −∞, so it never wins)."""
    out, slices = _taps(x, pool[0], strides[0], 1, padding, float("-inf"))
    y = None
    for xs in slices:
        yi = pool2d(xs, pool[1:], strides[1:], padding)
        y = yi if y is None else maximum(y, yi)
    return _unfold_batch(y, x.shape[0], out)


def average_pool3d(x: Tensor, pool, strides, padding, pool2d) -> Tensor:
    """Mean over the real depth taps of the 2-D average pools."""
    out, slices = _taps(x, pool[0], strides[0], 1, padding)
    y = None
    for xs in slices:
        yi = pool2d(xs, pool[1:], strides[1:], padding)
        y = yi if y is None else y + yi
    y = _unfold_batch(y, x.shape[0], out)
    depth = x.shape[1]
    _, before, _ = depth_padding(depth, pool[0], strides[0], 1, padding)
    counts = [
        sum(0 <= o * strides[0] + i - before < depth for i in range(pool[0])) for o in range(out)
    ]
    inverse = get_array_module(y.data).asarray([1 / c for c in counts], dtype=y.dtype)
    return y * inverse.reshape((1, out) + (1,) * (y.ndim - 2))
