"""3-D convolution layers: Conv3D and Conv3DTranspose over volumes (N, D, H, W, C), with Keras
3's arguments, defaults, weight names and layouts (kernel ``(kd, kh, kw, in/groups, filters)``
for Conv3D, ``(kd, kh, kw, filters, in)`` for Conv3DTranspose)."""

from __future__ import annotations

from typing import Any

from deepnum.layers.convolutional.conv import _Conv, _ConvTranspose


class Conv3D(_Conv):
    """3-D convolution layer: ``y = activation(conv3d(x, kernel) + bias)`` over volumes
    (N, depth, height, width, C) — video clips, medical scans.

    Output size per spatial axis of size n (kernel k, stride s, dilation d):
    ``padding="valid"``: ⌊(n − d(k−1) − 1)/s⌋ + 1; ``padding="same"``: ⌈n/s⌉ (TensorFlow's
    padding, the odd voxel at the end of each axis).

    Args:
        filters: number of output channels.
        kernel_size: an int or (kd, kh, kw); kernel ``(kd, kh, kw, C/groups, filters)``.
        strides, dilation_rate: an int or one int per spatial axis (not both > 1).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` (N, D, H, W, C) — the default — or
            ``"channels_first"`` (N, C, D, H, W).
        groups, activation, use_bias, initializers, regularizers, constraints: as in
            :class:`~deepnum.layers.Conv2D`.

    Returns:
        (N, D_out, H_out, W_out, filters) (or channels_first).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.Conv3D(4, 3, padding="same")
        >>> layer(np.zeros((1, 5, 6, 7, 2), "float32")).shape, layer.count_params()
        ((1, 5, 6, 7, 4), 220)
    """

    rank = 3

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = (1, 1, 1),
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
            use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution: the gradient of a Conv3D with respect to its input, used to
    upsample volumes (3-D decoders and segmentation networks).

    Output size per spatial axis of size n (kernel k, stride s, dilation d, k' = d(k−1)+1):
    valid n·s + max(k' − s, 0); same n·s; with ``output_padding`` p:
    (n−1)·s + k' − 2·pad + p, pad = ⌊k'/2⌋ for same and 0 for valid.

    Args:
        filters: number of output channels; kernel ``(kd, kh, kw, filters, in_channels)``.
        output_padding: None or an int/(pd, ph, pw) smaller than the strides.
        Others as in :class:`Conv3D` (no ``groups``); note Keras's order of the arguments,
        ``data_format`` before ``output_padding``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.Conv3DTranspose(2, 3, strides=2, padding="same")
        >>> layer(np.zeros((1, 2, 3, 4, 5), "float32")).shape
        (1, 4, 6, 8, 2)
    """

    rank = 3

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        output_padding: Any = None,
        dilation_rate: Any = (1, 1, 1),
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
            activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
            bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


# Keras's alternative names.
Convolution3D = Conv3D
Convolution3DTranspose = Conv3DTranspose
