"""Depthwise and separable convolution layers: DepthwiseConv1D/2D and SeparableConv1D/2D
(Keras 3's arguments, defaults, weight names and layouts)."""

from __future__ import annotations

from typing import Any

from deepnum import initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers import _window_args as wa
from deepnum.layers.convolutional.conv import _BaseConv


class _DepthwiseConv(_BaseConv):
    """y = activation(depthwise_conv(x, kernel) + bias); see :class:`DepthwiseConv2D`."""

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
            bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs,
        )  # fmt: skip
        owner = type(self).__name__
        self.depth_multiplier = _args.positive_int(owner, "depth_multiplier", depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = _args.constraint(
            owner, "depthwise_constraint", depthwise_constraint
        )
        self.kernel = None

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        self.kernel = self._add_kernel(
            "kernel", self.kernel_size + (channels, self.depth_multiplier),
            self.depthwise_initializer, self.depthwise_regularizer, self.depthwise_constraint,
        )  # fmt: skip
        self._add_bias(channels * self.depth_multiplier)
        self._set_input_spec(channels)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        outputs = ops.fused_depthwise_conv(
            inputs, self.kernel, self.bias, self.strides, self.padding, self.data_format,
            self.dilation_rate,
        )  # fmt: skip
        return self._finish(outputs)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        channels = wa.split_channels(input_shape, self.data_format)[2]
        out_channels = None if channels is None else channels * self.depth_multiplier
        return self._window_output_shape(input_shape, out_channels)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": _args.serialize_initializer(self.depthwise_initializer),
            "depthwise_regularizer": _args.serialize_regularizer(self.depthwise_regularizer),
            "depthwise_constraint": _args.serialize_constraint(self.depthwise_constraint),
        }


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution: each input channel is convolved with its own
    ``depth_multiplier`` filters (no mixing across channels); output channel ``c·M + m``.

    Output spatial sizes as in :class:`~deepnum.layers.Conv2D`; channels C·depth_multiplier.

    Args:
        kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias:
            as in Conv2D.
        depth_multiplier: filters per input channel; kernel ``(kh, kw, C, depth_multiplier)``
            (weight name ``kernel``), bias ``(C·depth_multiplier,)``.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: for the kernel.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
        >>> layer(np.zeros((1, 8, 8, 3), "float32")).shape, layer.kernel.shape
        ((1, 8, 8, 6), (3, 3, 3, 2))
    """

    rank = 2

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
            activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
            bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint,
            **kwargs,
        )  # fmt: skip


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution over (N, steps, C); see :class:`DepthwiseConv2D`.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.DepthwiseConv1D(3)(np.zeros((1, 6, 2), "float32")).shape
        (1, 4, 2)
    """

    rank = 1


class _SeparableConv(_BaseConv):
    """y = activation(pointwise(depthwise(x)) + bias); see :class:`SeparableConv2D`."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
            bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs,
        )  # fmt: skip
        owner = type(self).__name__
        self.filters = _args.positive_int(owner, "filters", filters)
        self.depth_multiplier = _args.positive_int(owner, "depth_multiplier", depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = _args.constraint(
            owner, "depthwise_constraint", depthwise_constraint
        )
        self.pointwise_constraint = _args.constraint(
            owner, "pointwise_constraint", pointwise_constraint
        )
        self.depthwise_kernel = self.pointwise_kernel = None

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        self.depthwise_kernel = self._add_kernel(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            self.depthwise_initializer, self.depthwise_regularizer, self.depthwise_constraint,
        )  # fmt: skip
        self.pointwise_kernel = self._add_kernel(
            "pointwise_kernel", (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, self.pointwise_regularizer, self.pointwise_constraint,
        )  # fmt: skip
        self._add_bias(self.filters)
        self._set_input_spec(channels)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        outputs = ops.fused_separable_conv(
            inputs, self.depthwise_kernel, self.pointwise_kernel, self.bias, self.strides,
            self.padding, self.data_format, self.dilation_rate,
        )  # fmt: skip
        return self._finish(outputs)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return self._window_output_shape(input_shape, self.filters)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": _args.serialize_initializer(self.depthwise_initializer),
            "pointwise_initializer": _args.serialize_initializer(self.pointwise_initializer),
            "depthwise_regularizer": _args.serialize_regularizer(self.depthwise_regularizer),
            "pointwise_regularizer": _args.serialize_regularizer(self.pointwise_regularizer),
            "depthwise_constraint": _args.serialize_constraint(self.depthwise_constraint),
            "pointwise_constraint": _args.serialize_constraint(self.pointwise_constraint),
        }


class SeparableConv2D(_SeparableConv):
    """Depthwise separable 2-D convolution: a depthwise convolution (each channel on its own)
    followed by a 1×1 pointwise convolution mixing the channels — far fewer weights than a
    Conv2D of the same receptive field.

    Output spatial sizes as in :class:`~deepnum.layers.Conv2D`; channels ``filters``.

    Args:
        filters: output channels.
        depth_multiplier: depthwise filters per input channel.
        The weights are ``depthwise_kernel`` (kh, kw, C, depth_multiplier), ``pointwise_kernel``
            (1, 1, C·depth_multiplier, filters), ``bias`` (filters,).
        Others as in Conv2D, with depthwise_/pointwise_ initializers, regularizers and
        constraints.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.SeparableConv2D(16, 3, padding="same")
        >>> layer(np.zeros((1, 8, 8, 4), "float32")).shape, layer.count_params()
        ((1, 8, 8, 16), 116)
    """

    rank = 2

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
            activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
            depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
            depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class SeparableConv1D(_SeparableConv):
    """Depthwise separable 1-D convolution over (N, steps, C); see :class:`SeparableConv2D`.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.SeparableConv1D(4, 3)(np.zeros((1, 6, 2), "float32")).shape
        (1, 4, 4)
    """

    rank = 1


# Keras's alternative names.
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
