"""Convolution layers: Conv1D, Conv2D, Conv1DTranspose, Conv2DTranspose, DepthwiseConv1D/2D
and SeparableConv1D/2D, with Keras 3's arguments, defaults, weight names and layouts
(Conv2D kernel ``(kh, kw, in/groups, filters)``; channels_last unless ``data_format`` says
otherwise; ``padding="same"`` is TensorFlow's, the odd pixel going to the bottom/right)."""

from __future__ import annotations

from typing import Any

from deepnum import activations, initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers import _window_args as wa
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer
from deepnum.ops.nn._conv import transpose_geometry


class _BaseConv(Layer):
    """What every convolution layer shares: the window arguments, the activation, the bias and
    the activity penalty. Subclasses create their kernels in ``build``."""

    rank = 2
    allow_causal = False

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        bias_initializer: Any = "zeros",
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner, rank = type(self).__name__, self.rank
        self.kernel_size = wa.tuple_arg(owner, "kernel_size", kernel_size, rank)
        self.strides = wa.tuple_arg(owner, "strides", strides, rank)
        self.padding = wa.padding_arg(owner, padding, allow_causal=self.allow_causal)
        self.data_format = _args.data_format(owner, data_format)
        self.dilation_rate = wa.tuple_arg(owner, "dilation_rate", dilation_rate, rank)
        wa.no_strided_dilation(owner, self.strides, self.dilation_rate)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.bias_constraint = _args.constraint(owner, "bias_constraint", bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.bias = None

    def _add_kernel(self, name: str, shape: tuple, init: Any, reg: Any, constraint: Any) -> Any:
        return self.add_weight(shape, init, regularizer=reg, constraint=constraint, name=name)

    def _add_bias(self, size: int) -> None:
        if self.use_bias:
            self.bias = self.add_weight(
                (size,),
                self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )

    def _channels(self, input_shape: Any) -> int:
        wa.check_rank(self, input_shape, self.rank)
        return wa.known_channels(self, input_shape, self.data_format)

    def _set_input_spec(self, channels: int) -> None:
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})

    def _finish(self, outputs: Tensor) -> Tensor:
        outputs = self.activation(outputs)
        _args.add_activity_loss(self, outputs)
        return outputs

    def _window_output_shape(self, input_shape: Any, channels: int) -> tuple:
        batch, spatial, _ = wa.split_channels(input_shape, self.data_format)
        sizes = wa.window_output_sizes(
            type(self).__name__, spatial, self.kernel_size, self.strides, self.padding,
            self.dilation_rate,
        )  # fmt: skip
        return wa.join_channels(batch, sizes, channels, self.data_format)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": _args.serialize_initializer(self.bias_initializer),
            "bias_regularizer": _args.serialize_regularizer(self.bias_regularizer),
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
            "bias_constraint": _args.serialize_constraint(self.bias_constraint),
        }


class _Conv(_BaseConv):
    """y = activation(conv(x, kernel) + bias); see :class:`Conv2D`."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
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
            kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
            bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs,
        )  # fmt: skip
        owner = type(self).__name__
        self.filters = _args.positive_int(owner, "filters", filters)
        self.groups = _args.positive_int(owner, "groups", groups)
        if self.filters % self.groups:
            raise ValueError(
                f"{owner}: the number of filters must be evenly divisible by the number of "
                f"groups. Received: groups={groups}, filters={filters}."
            )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = _args.constraint(owner, "kernel_constraint", kernel_constraint)
        self.kernel = None

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f'Layer "{self.name}": the number of input channels must be evenly divisible by '
                f"the number of groups. Received groups={self.groups}, but the input has "
                f"{channels} channels (full input shape is {tuple(input_shape)})."
            )
        shape = self.kernel_size + (channels // self.groups, self.filters)
        self.kernel = self._add_kernel(
            "kernel", shape, self.kernel_initializer, self.kernel_regularizer,
            self.kernel_constraint,
        )  # fmt: skip
        self._add_bias(self.filters)
        self._set_input_spec(channels)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        outputs = ops.fused_conv(
            inputs, self.kernel, self.bias, self.strides, self.padding, self.data_format,
            self.dilation_rate,
        )  # fmt: skip
        return self._finish(outputs)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return self._window_output_shape(input_shape, self.filters)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "groups": self.groups,
            "kernel_initializer": _args.serialize_initializer(self.kernel_initializer),
            "kernel_regularizer": _args.serialize_regularizer(self.kernel_regularizer),
            "kernel_constraint": _args.serialize_constraint(self.kernel_constraint),
        }


class Conv2D(_Conv):
    """2-D convolution layer: ``y = activation(conv2d(x, kernel) + bias)``.

    Output size per spatial axis of size n (kernel k, stride s, dilation d):
    ``padding="valid"``: ⌊(n − d(k−1) − 1)/s⌋ + 1; ``padding="same"``: ⌈n/s⌉.

    Args:
        filters: number of output channels.
        kernel_size: an int or (kh, kw).
        strides: an int or (sh, sw), default 1.
        padding: ``"valid"`` (no padding) or ``"same"`` (TensorFlow's: zero padding, the odd
            pixel at the bottom/right).
        data_format: ``"channels_last"`` (N, H, W, C) — the default — or ``"channels_first"``.
        dilation_rate: an int or (dh, dw); cannot be combined with strides > 1.
        groups: split the input channels into groups convolved separately (kernel
            ``(kh, kw, C/groups, filters)``).
        activation, use_bias, kernel_initializer (glorot_uniform), bias_initializer (zeros),
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: as in :class:`~deepnum.layers.Dense`.

    Returns:
        (N, H_out, W_out, filters) (or (N, filters, H_out, W_out) for channels_first).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.Conv2D(8, 3, padding="same", activation="relu")
        >>> layer(np.zeros((2, 28, 28, 1), "float32")).shape
        (2, 28, 28, 8)
        >>> layer.kernel.shape, layer.count_params()
        ((3, 3, 1, 8), 80)
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


class Conv1D(_Conv):
    """1-D convolution layer over (N, steps, C): ``y = activation(conv1d(x, kernel) + bias)``.

    Output length for n steps: valid ⌊(n − d(k−1) − 1)/s⌋ + 1; same and causal ⌈n/s⌉
    (``padding="causal"`` pads d(k−1) zeros on the left only, so y[t] never sees x[t+1:]).
    Arguments as in :class:`Conv2D`, with one int per argument; kernel ``(k, C/groups,
    filters)``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.Conv1D(4, 3, padding="causal")(np.zeros((2, 10, 3), "float32")).shape
        (2, 10, 4)
    """

    rank = 1
    allow_causal = True


class _ConvTranspose(_BaseConv):
    """y = activation(conv_transpose(x, kernel) + bias); see :class:`Conv2DTranspose`."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: Any = 1,
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
            kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
            bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs,
        )  # fmt: skip
        owner = type(self).__name__
        self.filters = _args.positive_int(owner, "filters", filters)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = wa.tuple_arg(
                owner, "output_padding", output_padding, self.rank, allow_zero=True
            )
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(
                    f"{owner}: strides must be greater than output padding. Received "
                    f"strides={self.strides}, output_padding={self.output_padding}."
                )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = _args.constraint(owner, "kernel_constraint", kernel_constraint)
        self.kernel = None

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        self.kernel = self._add_kernel(
            "kernel", self.kernel_size + (self.filters, channels), self.kernel_initializer,
            self.kernel_regularizer, self.kernel_constraint,
        )  # fmt: skip
        self._add_bias(self.filters)
        self._set_input_spec(channels)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        outputs = ops.conv_transpose(
            inputs, self.kernel, self.strides, self.padding, self.output_padding,
            self.data_format, self.dilation_rate,
        )  # fmt: skip
        if self.bias is not None:
            shape = (-1,) if self.data_format == "channels_last" else (-1,) + (1,) * self.rank
            outputs = outputs + ops.reshape(self.bias, shape)
        return self._finish(outputs)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        batch, spatial, _ = wa.split_channels(input_shape, self.data_format)
        pads = self.output_padding or (None,) * self.rank
        sizes = tuple(
            None if n is None else transpose_geometry(n, k, s, d, self.padding, p)[0]
            for n, k, s, d, p in zip(
                spatial, self.kernel_size, self.strides, self.dilation_rate, pads
            )
        )
        return wa.join_channels(batch, sizes, self.filters, self.data_format)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "output_padding": self.output_padding,
            "kernel_initializer": _args.serialize_initializer(self.kernel_initializer),
            "kernel_regularizer": _args.serialize_regularizer(self.kernel_regularizer),
            "kernel_constraint": _args.serialize_constraint(self.kernel_constraint),
        }


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"): the gradient of a Conv2D with respect to
    its input, used to upsample (decoders, GAN generators).

    Output size per spatial axis of size n (kernel k, stride s, dilation d, k' = d(k−1)+1):
    valid n·s + max(k' − s, 0); same n·s; with ``output_padding`` p:
    (n−1)·s + k' − 2·pad + p, pad = ⌊k'/2⌋ for same and 0 for valid.

    Args:
        filters: number of output channels; kernel ``(kh, kw, filters, in_channels)``.
        output_padding: None or an int/(ph, pw) smaller than the strides.
        Others as in :class:`Conv2D` (no ``groups``).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.Conv2DTranspose(4, 3, strides=2, padding="same")
        >>> layer(np.zeros((1, 7, 7, 8), "float32")).shape
        (1, 14, 14, 4)
    """

    rank = 2

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
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


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution over (N, steps, C); see :class:`Conv2DTranspose`.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.Conv1DTranspose(2, 3, strides=2)(np.zeros((1, 5, 3), "float32")).shape
        (1, 11, 2)
    """

    rank = 1


# Keras's alternative names.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
