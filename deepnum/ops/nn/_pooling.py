"""Pooling: max and average pooling over 1-D and 2-D windows (channels_last; 3-D through
``_volumetric``), with Keras's ``pool_size``, ``strides`` and TensorFlow's ``"valid"``/``"same"``
padding.

Each pooling op comes with its adjoint, and the pair is closed under differentiation, so
pooling is differentiable any number of times:

* max pooling keeps, per output, which tap of its window won; its backward is a scatter of the
  gradient to the winners (``MaxPoolScatter``), whose own backward is the matching gather
  (``MaxPoolGather``), and the other way round;
* average pooling's backward spreads each gradient evenly over its window
  (``AvgPoolScatter``), whose backward is average pooling again. With ``"same"`` padding the
  average is over the real pixels only (padding is not counted), as in Keras and TensorFlow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.mode import is_grad_enabled
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import accel, get_array_module
from deepnum.ops.nn._volumetric import average_pool3d, max_pool3d
from deepnum.ops.nn._window import (
    Window,
    count_valid,
    make_window,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)
from deepnum.ops.numpy import moveaxis, reshape

__all__ = ["average_pool", "max_pool"]


def _taps(win: Window) -> list[tuple[int, int, int]]:
    """(index, i, j) for every tap of the window, in row-major order."""
    kh, kw = win.kernel
    return [(i * kw + j, i, j) for i in range(kh) for j in range(kw)]


def _overlapping(win: Window) -> bool:
    return any(s < k for s, k in zip(win.strides, win.kernel))


# ----------------------------------------------------------------------------- max pooling
class MaxPool(Function):
    """y = max of each window. Ties go to the first tap in row-major order (as in PyTorch);
    padding is −∞, so it never wins."""

    def __init__(self, win: Window, need_argmax: bool = True) -> None:
        self.win, self.need_argmax = win, need_argmax
        self.argmax = None

    def forward(self, x):
        xp = get_array_module(x)
        taps = _taps(self.win)
        index_dtype = np.int8 if len(taps) < 128 else np.int32
        kernel = accel.kernel_for("max_pool", x)
        if kernel is not None:  # one compiled pass, the same result
            y = np.empty((x.shape[0],) + self.win.out_size + (x.shape[3],), x.dtype)
            # taps as wide as the values: the kernel's selects then vectorise (3x faster)
            wide = np.int32 if x.dtype.itemsize == 4 else np.int64
            arg = np.empty(y.shape if self.need_argmax else (1, 1, 1, 1), wide)
            kernel(x, *self.win.kernel, *self.win.strides, *self.win.pad_before, y, arg,
                   self.need_argmax)  # fmt: skip
            self.argmax = arg if self.need_argmax else None
            return y
        view = self.win.windows(self.win.pad(x, -np.inf))
        y = view[:, :, :, 0, 0].copy()
        argmax = xp.zeros(y.shape, dtype=index_dtype) if self.need_argmax else None
        for t, i, j in taps[1:]:
            v = view[:, :, :, i, j]
            if argmax is not None:
                # The winner is the last tap that beat the running max, i.e. the largest t
                # among them: a maximum of t·[v > y] (much faster than a masked write).
                better = xp.greater(v, y).view(np.int8)
                xp.maximum(argmax, better * index_dtype(t), out=argmax)
            xp.maximum(y, v, out=y)
        self.argmax = argmax
        return y

    def backward(self, gy):
        if self.argmax is None:  # the forward skipped it (no grad was expected): find it now
            self.need_argmax = True
            self.forward(self.inputs[0].data)
        return MaxPoolScatter(self.win, self.argmax, self.inputs[0].shape)(gy)


class MaxPoolScatter(Function):
    """gx: each output gradient added to the input pixel that won its window."""

    def __init__(self, win: Window, argmax: Any, x_shape: tuple) -> None:
        self.win, self.argmax, self.x_shape = win, argmax, x_shape

    def forward(self, gy):
        xp = get_array_module(gy)
        overlapping = _overlapping(self.win)
        tiled = not overlapping and all(  # the windows tile the input exactly
            o * s == n for o, s, n in zip(self.win.out_size, self.win.strides, self.win.in_size)
        )
        gx = (xp.empty if tiled else xp.zeros)(self.x_shape, dtype=gy.dtype)
        kernel = None if overlapping else accel.kernel_for("max_pool_scatter", gy)
        if kernel is not None:  # one compiled pass, the same numbers
            one = gy.dtype.type(1)
            kernel(gy, self.argmax, *self.win.kernel, *self.win.strides, *self.win.pad_before,
                   gx, one, one - one)  # fmt: skip
            return gx
        for t, i, j in _taps(self.win):
            region = self.win.tap(i, j)
            if region is None:
                continue
            (hs, ws), (ohs, ows) = region
            won = self.argmax[:, ohs, ows] == t
            if overlapping:
                gx[:, hs, ws] += gy[:, ohs, ows] * won
            else:  # each pixel is in one window at most: write in place
                xp.multiply(gy[:, ohs, ows], won, out=gx[:, hs, ws])
        return gx

    def backward(self, ggx):
        return MaxPoolGather(self.win, self.argmax)(ggx)


class MaxPoolGather(Function):
    """The adjoint of the scatter: for each output, the value at its window's winner."""

    def __init__(self, win: Window, argmax: Any) -> None:
        self.win, self.argmax = win, argmax

    def forward(self, x):
        xp = get_array_module(x)
        view = self.win.windows(self.win.pad(x, 0.0))
        y = xp.zeros(self.argmax.shape, dtype=x.dtype)
        for t, i, j in _taps(self.win):
            xp.copyto(y, view[:, :, :, i, j], where=self.argmax == t)
        return y

    def backward(self, gy):
        return MaxPoolScatter(self.win, self.argmax, self.inputs[0].shape)(gy)


# ----------------------------------------------------------------------------- average pooling
def _counts(win: Window, xp: Any, dtype: Any) -> Any:
    """How many real pixels each window averages (a scalar without padding)."""
    if not any(win.pad_before + win.pad_after):
        return win.kernel[0] * win.kernel[1]
    return xp.asarray(count_valid(win), dtype=dtype)


class AvgPool(Function):
    """y = mean of the real pixels of each window."""

    def __init__(self, win: Window) -> None:
        self.win = win

    def forward(self, x):
        view = self.win.windows(self.win.pad(x, 0.0))
        taps = _taps(self.win)
        y = view[:, :, :, 0, 0].copy()
        for _, i, j in taps[1:]:
            y += view[:, :, :, i, j]
        y /= _counts(self.win, get_array_module(x), x.dtype)
        return y

    def backward(self, gy):
        return AvgPoolScatter(self.win, self.inputs[0].shape)(gy)


class AvgPoolScatter(Function):
    """gx: each output gradient divided by its window's count, added to the window's pixels."""

    def __init__(self, win: Window, x_shape: tuple) -> None:
        self.win, self.x_shape = win, x_shape

    def forward(self, gy):
        xp = get_array_module(gy)
        g = gy / _counts(self.win, xp, gy.dtype)
        gx = xp.zeros(self.x_shape, dtype=gy.dtype)
        for _, i, j in _taps(self.win):
            region = self.win.tap(i, j)
            if region is not None:
                (hs, ws), (ohs, ows) = region
                gx[:, hs, ws] += g[:, ohs, ows]
        return gx

    def backward(self, ggx):
        return AvgPool(self.win)(ggx)


# ----------------------------------------------------------------------------- public ops
def _pool(cls: type, inputs, pool_size, strides, padding, data_format, op: str) -> Tensor:
    x = as_tensor(inputs)
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{op}: expected an input of rank 3 (batch, steps, channels), 4 (batch, height, "
            f"width, channels) or 5 (batch, depth, height, width, channels), received shape "
            f"{shape_str(x.shape)}."
        )
    nd = x.ndim - 2
    pool = standardize_tuple(pool_size, nd, "pool_size")
    strides = pool if strides is None else standardize_tuple(strides, nd, "strides")
    padding = standardize_padding(padding)
    data_format = standardize_data_format(data_format)
    if data_format == "channels_first":
        x = moveaxis(x, 1, -1)

    def pool2d(xs: Tensor, p: tuple, s: tuple, pad: str) -> Tensor:
        win = make_window(xs.shape[1:3], p, s, pad, op=op)
        if cls is MaxPool:  # which tap won is only needed for a backward pass
            return MaxPool(win, need_argmax=is_grad_enabled() and xs.requires_grad)(xs)
        return cls(win)(xs)

    if nd == 3:
        by_depth = max_pool3d if cls is MaxPool else average_pool3d
        y = by_depth(x, pool, strides, padding, pool2d)
    elif nd == 1:
        y = pool2d(reshape(x, (x.shape[0], 1) + x.shape[1:]), (1,) + pool, (1,) + strides, padding)
        y = reshape(y, (y.shape[0],) + y.shape[2:])
    else:
        y = pool2d(x, pool, strides, padding)
    return moveaxis(y, -1, 1) if data_format == "channels_first" else y


def max_pool(
    inputs: Any,
    pool_size: Any,
    strides: Any = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Tensor:
    """Max pooling over 1-D, 2-D or 3-D windows (Keras's ``ops.max_pool``).

    Output length per spatial axis of size n (pool k, stride s): valid ⌊(n − k)/s⌋ + 1,
    same ⌈n/s⌉ (padding placed as TensorFlow does; it never wins the max).

    Args:
        inputs: (N, *spatial, C) for channels_last (default), (N, C, *spatial) otherwise.
        pool_size: an int or one int per spatial axis.
        strides: defaults to ``pool_size``.
        padding: ``"valid"`` or ``"same"``.

    Returns:
        (N, *out_spatial, C) (or channels_first).

    Example:
        >>> import numpy as np
        >>> max_pool(np.arange(16.0).reshape(1, 4, 4, 1), 2)[0, :, :, 0].tolist()
        [[5.0, 7.0], [13.0, 15.0]]
    """
    return _pool(MaxPool, inputs, pool_size, strides, padding, data_format, "max_pool")


def average_pool(
    inputs: Any,
    pool_size: Any,
    strides: Any = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Tensor:
    """Average pooling over 1-D, 2-D or 3-D windows (Keras's ``ops.average_pool``); with
    ``"same"`` padding each window is averaged over its real pixels only.

    Output sizes as for :func:`max_pool`.

    Example:
        >>> import numpy as np
        >>> average_pool(np.arange(16.0).reshape(1, 4, 4, 1), 2)[0, :, :, 0].tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """
    return _pool(AvgPool, inputs, pool_size, strides, padding, data_format, "average_pool")
