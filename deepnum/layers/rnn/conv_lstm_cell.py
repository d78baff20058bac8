"""ConvLSTMCell: the step of Keras's ConvLSTM1D/2D/3D, an LSTM whose input and recurrent
transformations are convolutions, and ``scan``, which runs a whole sequence with the input
convolution of every step done at once, before the time loop."""

from __future__ import annotations

from typing import Any

from deepnum import activations, initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.layers import _args
from deepnum.layers import _window_args as wa
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer
from deepnum.layers.rnn import _loop
from deepnum.layers.rnn.base_rnn import DropoutRNNCell, forget_bias_initializer, init_dropout
from deepnum.ops.nn._conv import fused_conv
from deepnum.ops.nn._recurrent_gates import lstm_gates


class ConvLSTMCell(DropoutRNNCell, Layer):
    """One step of the convolutional LSTM (Shi et al., 2015), Keras's formulation.

    With ``*`` the convolution, z = x * W + h * U + b split along channels into i, f, c, o::

        i = σ(z_i)    f = σ(z_f)    o = σ(z_o)    g = tanh(z_c)
        c' = f ⊙ c + i ⊙ g        h' = o ⊙ tanh(c')

    The input convolution uses the layer's strides, padding and dilation; the recurrent one
    has stride 1 and ``"same"`` padding, so the states keep the shape of the input
    convolution's output. Kernel ``(*kernel_size, channels, 4·filters)``, recurrent kernel
    ``(*kernel_size, filters, 4·filters)``, bias ``(4·filters,)``. Dropout uses one mask per
    gate, for the inputs and for the state, as Keras's.

    Args:
        rank: 1, 2 or 3 spatial axes. Other arguments as ``ConvLSTM2D``'s.

    Example:
        >>> import numpy as np
        >>> cell = ConvLSTMCell(2, 4, 3, padding="same")
        >>> cell.build((1, 5, 5, 2))
        >>> h, (h2, c) = cell(np.ones((1, 5, 5, 2), "float32"), cell.get_initial_state(1))
        >>> h.shape, cell.kernel.shape
        ((1, 5, 5, 4), (3, 3, 2, 16))
    """

    _mask_count = 4

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        if rank not in (1, 2, 3):
            raise ValueError(f"{owner}: argument `rank` must be 1, 2 or 3, received rank={rank}.")
        self.rank = rank
        self.filters = _args.positive_int(owner, "filters", filters)
        self.kernel_size = wa.tuple_arg(owner, "kernel_size", kernel_size, rank)
        self.strides = wa.tuple_arg(owner, "strides", strides, rank)
        self.padding = wa.padding_arg(owner, padding)
        self.data_format = _args.data_format(owner, data_format)
        self.dilation_rate = wa.tuple_arg(owner, "dilation_rate", dilation_rate, rank)
        wa.no_strided_dilation(owner, self.strides, self.dilation_rate)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = _args.constraint(owner, "kernel_constraint", kernel_constraint)
        self.recurrent_constraint = _args.constraint(
            owner, "recurrent_constraint", recurrent_constraint
        )
        self.bias_constraint = _args.constraint(owner, "bias_constraint", bias_constraint)
        init_dropout(self, owner, dropout, recurrent_dropout, seed)
        self.state_size = -1  # the states' shape follows the input's (get_initial_state)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.kernel = self.recurrent_kernel = self.bias = None
        self.spatial_dims: tuple | None = None
        self.input_dim: int | None = None

    # ---------------------------------------------------------------- weights and shapes
    def build(self, inputs_shape: Any, states_shape: Any = None) -> None:
        shape = tuple(inputs_shape)
        wa.check_rank(self, shape, self.rank)
        _, spatial, channels = wa.split_channels(shape, self.data_format)
        if None in spatial or channels is None:
            raise ValueError(
                f'{type(self).__name__} "{self.name}" needs the spatial and channel axes of its '
                f"inputs to be known (the states take the shape of the convolution's output), "
                f"received the step shape {shape_str(shape)}. Give Input() the full frame shape."
            )
        self.spatial_dims, self.input_dim = tuple(spatial), int(channels)
        width = 4 * self.filters
        self.kernel = self.add_weight(
            self.kernel_size + (self.input_dim, width), self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
            name="kernel",
        )  # fmt: skip
        self.recurrent_kernel = self.add_weight(
            self.kernel_size + (self.filters, width), self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint,
            name="recurrent_kernel",
        )  # fmt: skip
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                init = forget_bias_initializer(self.filters, self.bias_initializer)
            self.bias = self.add_weight(
                (width,), init, regularizer=self.bias_regularizer,
                constraint=self.bias_constraint, name="bias",
            )  # fmt: skip
        self.built = True

    def compute_output_shape(self, inputs_shape: Any, states_shape: Any = None) -> tuple:
        """(output shape, [h shape, c shape]) of a step: the input convolution's output."""
        batch, spatial, _ = wa.split_channels(inputs_shape, self.data_format)
        sizes = wa.window_output_sizes(
            type(self).__name__, spatial, self.kernel_size, self.strides, self.padding,
            self.dilation_rate,
        )  # fmt: skip
        out = wa.join_channels(batch, sizes, self.filters, self.data_format)
        return out, [out, out]

    def get_initial_state(self, batch_size: int | None = None) -> list[Tensor]:
        step = wa.join_channels(batch_size, self.spatial_dims, self.input_dim, self.data_format)
        shape = self.compute_output_shape(step)[0]
        return [ops.zeros(shape, dtype=self.dtype), ops.zeros(shape, dtype=self.dtype)]

    # ---------------------------------------------------------------- maths
    def _conv(self, x: Tensor, kernel: Any, bias: Any, recurrent: bool, data_format: str):
        if recurrent:
            return fused_conv(x, kernel, None, 1, "same", data_format)
        return fused_conv(
            x, kernel, bias, self.strides, self.padding, data_format, self.dilation_rate
        )

    def _gated_conv(self, x, kernel, bias, masks, recurrent: bool, data_format: str) -> Tensor:
        """``x * W (+ b)`` for all four gates; with dropout masks each gate's block convolves
        its own dropped-out input."""
        if masks is None:
            return self._conv(x, kernel, bias, recurrent, data_format)
        f, axis = self.filters, -1 if data_format == "channels_last" else 1
        parts = [
            self._conv(
                x * masks[g], kernel[..., g * f : (g + 1) * f],
                None if bias is None else bias[g * f : (g + 1) * f], recurrent, data_format,
            )
            for g in range(4)
        ]  # fmt: skip
        return ops.concatenate(parts, axis=axis)

    def _gates(self, z: Tensor, c: Tensor, axis: int) -> tuple[Tensor, Tensor]:
        default = (
            self.activation is activations.tanh and self.recurrent_activation is activations.sigmoid
        )
        if default and axis == -1:
            return lstm_gates(z, c)
        i, f, g, o = ops.split(z, 4, axis=axis)
        act, ract = self.activation, self.recurrent_activation
        c = ract(f) * c + ract(i) * act(g)
        return ract(o) * act(c), c

    def call(self, inputs: Tensor, states: Any, training: bool = False) -> tuple:
        h, c = states[0], states[1]
        in_masks, rec_masks = self._masks(inputs, h, training)
        fmt = self.data_format
        z = self._gated_conv(inputs, self.kernel, self.bias, in_masks, False, fmt)
        z = z + self._gated_conv(h, self.recurrent_kernel, None, rec_masks, True, fmt)
        h, c = self._gates(z, c, -1 if fmt == "channels_last" else 1)
        return h, [h, c]

    def scan(self, x: Tensor, states: list, options: dict, training: Any) -> tuple:
        """The whole sequence ``(batch, time, ...)``: the input convolution of all steps as one
        convolution of the frames folded into the batch, then a loop over time of the recurrent
        convolution and the gates. Returns ``(outputs, h_T, c_T)``."""
        first = self.data_format == "channels_first"
        in_masks, rec_masks = self._masks(x[:, 0], states[0], training)
        if first:  # compute channels_last inside; masks and states follow
            x = ops.moveaxis(x, 2, -1)
            states = [ops.moveaxis(s, 1, -1) for s in states]
            in_masks, rec_masks = (
                None if m is None else get_array_module(m).moveaxis(m, 2, -1)
                for m in (in_masks, rec_masks)
            )
        batch, steps = x.shape[:2]
        if in_masks is not None:  # each sample's masks, repeated for its steps
            in_masks = get_array_module(in_masks).repeat(in_masks, steps, axis=1)
        folded = ops.reshape(x, (batch * steps, *x.shape[2:]))
        xw = self._gated_conv(folded, self.kernel, self.bias, in_masks, False, "channels_last")
        xw = ops.reshape(xw, (batch, steps, *xw.shape[1:]))

        def step(zx: Tensor, carried: tuple) -> tuple:
            h, c = carried
            z = zx + self._gated_conv(
                h, self.recurrent_kernel, None, rec_masks, True, "channels_last"
            )
            h, c = self._gates(z, c, -1)
            return h, [h, c]

        y, (h, c) = _loop.run_cell(step, xw, states, cell_kwargs={}, **options)
        if first:
            y = ops.moveaxis(y, -1, 2 if options["return_sequences"] else 1)
            h, c = ops.moveaxis(h, -1, 1), ops.moveaxis(c, -1, 1)
        return y, h, c

    def _masks(self, step_input: Tensor, h: Tensor, training: Any) -> tuple:
        """The per-gate dropout masks of this call, ``(4, *step_shape)`` each, or None."""
        in_masks = self.get_dropout_mask(step_input) if training and self.dropout else None
        rec = self.get_recurrent_dropout_mask(h) if training and self.recurrent_dropout else None
        return in_masks, rec

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _args.serialize_initializer(self.kernel_initializer),
            "recurrent_initializer": _args.serialize_initializer(self.recurrent_initializer),
            "bias_initializer": _args.serialize_initializer(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": _args.serialize_regularizer(self.kernel_regularizer),
            "recurrent_regularizer": _args.serialize_regularizer(self.recurrent_regularizer),
            "bias_regularizer": _args.serialize_regularizer(self.bias_regularizer),
            "kernel_constraint": _args.serialize_constraint(self.kernel_constraint),
            "recurrent_constraint": _args.serialize_constraint(self.recurrent_constraint),
            "bias_constraint": _args.serialize_constraint(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }
