"""The convolution variants of ``keras.ops.nn``: the transposed convolution (the adjoint of
:func:`~deepnum.ops.nn._conv.conv` in its input), the depthwise convolution (a grouped
convolution with one group per channel) and the separable convolution (depthwise, then 1×1),
with their fused-bias forms that the layers call."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.ops.nn._conv import (
    ConvGradInput,
    _channels_last,
    _check_ranks,
    _conv,
    _restore_format,
    _to_2d,
    _transpose_window,
    transpose_geometry,
)
from deepnum.ops.nn._depthwise import depthwise_nhwc
from deepnum.ops.nn._volumetric import conv_transpose3d
from deepnum.ops.nn._window import standardize_data_format, standardize_padding, standardize_tuple
from deepnum.ops.numpy import reshape

__all__ = ["conv_transpose", "depthwise_conv", "separable_conv"]


def conv_transpose(
    inputs: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    output_padding: Any = None,
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """Transposed convolution (the gradient of a convolution with respect to its input), 1-D
    to 3-D, Keras's ``ops.conv_transpose`` with TensorFlow's placement of SAME padding.

    Args:
        inputs: (N, *spatial, C_in) for channels_last.
        kernel: (*kernel_size, filters, C_in) — Keras's Conv2DTranspose layout.
        strides, dilation_rate: an int or one int per spatial axis.
        padding: ``"valid"`` or ``"same"``; output_padding: None or per-axis ints < strides.

    Returns:
        (N, *out_spatial, filters), out sizes from :func:`transpose_geometry`.

    Example:
        >>> import numpy as np
        >>> conv_transpose(np.ones((1, 3, 3, 2)), np.ones((3, 3, 4, 2)), strides=2).shape
        (1, 7, 7, 4)
    """
    x = as_tensor(inputs)
    kernel = as_tensor(kernel, like=x)
    nd = _check_ranks(x, kernel, "conv_transpose", "(*kernel_size, filters, in_channels)")
    data_format = standardize_data_format(data_format)
    padding = standardize_padding(padding)
    strides = standardize_tuple(strides, nd, "strides")
    dilation = standardize_tuple(dilation_rate, nd, "dilation_rate")
    ops_pad = (None,) * nd
    if output_padding is not None:
        ops_pad = standardize_tuple(output_padding, nd, "output_padding", allow_zero=True)
    x = _channels_last(x, data_format)
    if x.shape[-1] != kernel.shape[-1]:
        raise ValueError(
            f"conv_transpose: the input has {x.shape[-1]} channels but the kernel of shape "
            f"{shape_str(kernel.shape)} expects {kernel.shape[-1]} (its last axis)."
        )
    if nd == 3:
        depth = transpose_geometry(
            x.shape[1], kernel.shape[0], strides[0], dilation[0], padding, ops_pad[0]
        )
        win = _transpose_window(
            x.shape[2:4], kernel.shape[1:3], strides[1:], dilation[1:], padding, ops_pad[1:]
        )
        geometry = depth + (strides[0], dilation[0])
        y = conv_transpose3d(x, kernel, geometry, lambda xs, k: ConvGradInput(win, 1)(xs, k))
        return _restore_format(y, data_format)
    if nd == 1:
        x, kernel = _to_2d(x, kernel)
        strides, dilation, ops_pad = (1,) + strides, (1,) + dilation, (0,) + ops_pad
    win = _transpose_window(x.shape[1:3], kernel.shape[:2], strides, dilation, padding, ops_pad)
    y = ConvGradInput(win, 1)(x, kernel)
    if nd == 1:
        y = reshape(y, (y.shape[0],) + y.shape[2:])
    return _restore_format(y, data_format)


def depthwise_conv(
    inputs: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """Depthwise convolution: each input channel c is convolved with its own
    ``depth_multiplier`` filters; output channel c·M + m. A grouped convolution with
    groups = C (Keras's ``ops.depthwise_conv``).

    Args:
        inputs: (N, *spatial, C) for channels_last.
        kernel: (*kernel_size, C, depth_multiplier).

    Returns:
        (N, *out_spatial, C·depth_multiplier); output sizes as in :func:`conv`.

    Example:
        >>> import numpy as np
        >>> depthwise_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2))).shape
        (1, 3, 3, 6)
    """
    return fused_depthwise_conv(inputs, kernel, None, strides, padding, data_format, dilation_rate)


def fused_depthwise_conv(
    inputs: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """:func:`depthwise_conv` plus a bias (C·depth_multiplier,) fused into its GEMM (beyond
    Keras; what the depthwise layers call).

    Example:
        >>> import numpy as np
        >>> fused_depthwise_conv(np.ones((1, 3, 3, 1)), np.ones((3, 3, 1, 2)), [0.0, 1.0]).shape
        (1, 1, 1, 2)
    """
    kernel = as_tensor(kernel)
    if kernel.ndim < 3:
        raise ValueError(
            f"depthwise_conv: expected a kernel (*kernel_size, channels, depth_multiplier), "
            f"received shape {shape_str(kernel.shape)}."
        )
    fast = _depthwise_fast(inputs, kernel, bias, strides, padding, data_format, dilation_rate)
    if fast is not None:
        return fast
    grouped = reshape(kernel, kernel.shape[:-2] + (1, kernel.shape[-2] * kernel.shape[-1]))
    return _conv(
        inputs, grouped, bias, strides, padding, dilation_rate, data_format, "depthwise_conv"
    )


def _depthwise_fast(inputs, kernel, bias, strides, padding, data_format, dilation_rate):
    """The 1-D or 2-D depthwise convolution by shifted multiply-adds (``_depthwise``), or None
    where the grouped-convolution path applies instead (3-D, causal padding, or inputs that
    fail its checks, whose errors it raises)."""
    x = as_tensor(inputs)
    if x.ndim not in (3, 4) or kernel.ndim != x.ndim:
        return None
    kernel = as_tensor(kernel, like=x)
    bias = None if bias is None else as_tensor(bias, like=x)
    nd = x.ndim - 2
    data_format = standardize_data_format(data_format)
    padding = standardize_padding(padding, allow_causal=nd == 1)
    x = _channels_last(x, data_format)
    channels = kernel.shape[-2] * kernel.shape[-1]
    if padding == "causal" or x.shape[-1] != kernel.shape[-2]:
        return None
    if bias is not None and bias.shape != (channels,):
        return None
    strides = standardize_tuple(strides, nd, "strides")
    dilation = standardize_tuple(dilation_rate, nd, "dilation_rate")
    if nd == 1:
        x, kernel = _to_2d(x, kernel)
        strides, dilation = (1,) + strides, (1,) + dilation
    y = depthwise_nhwc(x, kernel, bias, strides, padding, dilation)
    if nd == 1:
        y = reshape(y, (y.shape[0],) + y.shape[2:])
    return _restore_format(y, data_format)


def separable_conv(
    inputs: Any,
    depthwise_kernel: Any,
    pointwise_kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """Depthwise convolution followed by a 1×1 (pointwise) convolution mixing the channels.

    Args:
        depthwise_kernel: (*kernel_size, C, depth_multiplier).
        pointwise_kernel: (*1s, C·depth_multiplier, filters).

    Example:
        >>> import numpy as np
        >>> x, dw, pw = np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2)), np.ones((1, 1, 6, 4))
        >>> separable_conv(x, dw, pw).shape
        (1, 3, 3, 4)
    """
    return fused_separable_conv(
        inputs, depthwise_kernel, pointwise_kernel, None, strides, padding, data_format,
        dilation_rate,
    )  # fmt: skip


def fused_separable_conv(
    inputs: Any,
    depthwise_kernel: Any,
    pointwise_kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """:func:`separable_conv` plus a bias (filters,) fused into the pointwise GEMM (beyond
    Keras; what the separable layers call).

    Example:
        >>> import numpy as np
        >>> x, dw, pw = np.ones((1, 3, 3, 1)), np.ones((3, 3, 1, 1)), np.ones((1, 1, 1, 2))
        >>> fused_separable_conv(x, dw, pw, [0.0, 1.0])[0, 0, 0].tolist()
        [9.0, 10.0]
    """
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return _conv(y, pointwise_kernel, bias, 1, "valid", 1, data_format, "separable_conv")
