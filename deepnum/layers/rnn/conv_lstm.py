"""ConvLSTM1D, ConvLSTM2D and ConvLSTM3D: LSTMs whose input and recurrent transformations are
convolutions, with Keras 3's arguments, defaults, weight layouts (``layer.cell``'s kernel
``(*kernel_size, channels, 4·filters)``, recurrent kernel ``(*kernel_size, filters,
4·filters)``, bias ``(4·filters,)``) and masking rules."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.rnn.conv_lstm_cell import ConvLSTMCell
from deepnum.layers.rnn.recurrent import cell_property
from deepnum.layers.rnn.rnn import RNN


class ConvLSTM(RNN):
    """What ConvLSTM1D/2D/3D share: an ``RNN`` over a ``ConvLSTMCell`` of rank 1, 2 or 3.

    The input convolution of all time steps runs as one convolution over the frames folded
    into the batch, before the loop over time, which does the recurrent convolution and the
    gates of each step (see ``ConvLSTMCell``).
    """

    filters = cell_property("filters")
    kernel_size = cell_property("kernel_size")
    strides = cell_property("strides")
    padding = cell_property("padding")
    data_format = cell_property("data_format")
    dilation_rate = cell_property("dilation_rate")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
    kernel_initializer = cell_property("kernel_initializer")
    recurrent_initializer = cell_property("recurrent_initializer")
    bias_initializer = cell_property("bias_initializer")
    unit_forget_bias = cell_property("unit_forget_bias")
    kernel_regularizer = cell_property("kernel_regularizer")
    recurrent_regularizer = cell_property("recurrent_regularizer")
    bias_regularizer = cell_property("bias_regularizer")
    kernel_constraint = cell_property("kernel_constraint")
    recurrent_constraint = cell_property("recurrent_constraint")
    bias_constraint = cell_property("bias_constraint")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")
    seed = cell_property("seed")

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
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **kwargs: Any,
    ) -> None:
        owner = type(self).__name__
        try:
            cell = ConvLSTMCell(
                rank, filters, kernel_size, strides=strides, padding=padding,
                data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                recurrent_activation=recurrent_activation, use_bias=use_bias,
                kernel_initializer=kernel_initializer,
                recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                bias_constraint=bias_constraint, dropout=dropout,
                recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell",
                dtype=kwargs.get("dtype"),
            )  # fmt: skip
        except ValueError as e:
            raise ValueError(str(e).replace("ConvLSTMCell:", f"{owner}:", 1)) from None
        super().__init__(
            cell, return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful,
            activity_regularizer=activity_regularizer, **kwargs,
        )  # fmt: skip
        self.input_spec = InputSpec(ndim=rank + 3)

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        super().build(sequences_shape, initial_state_shape)
        axis = -1 if self.cell.data_format == "channels_last" else 2
        self.input_spec = InputSpec(ndim=self.cell.rank + 3, axes={axis: self.cell.input_dim})

    def _n_states(self) -> int:
        return 2

    def _fused_cells(self, sequences: Any) -> list | None:
        if isinstance(sequences, Tensor) and sequences.ndim == self.cell.rank + 3:
            return [self.cell]
        return None

    def compute_output_shape(self, sequences_shape: Any, initial_state_shape: Any = None) -> Any:
        batch, steps = sequences_shape[0], sequences_shape[1]
        step = (batch, *sequences_shape[2:])
        state = self.cell.compute_output_shape(step)[0]
        output = (batch, steps, *state[1:]) if self.return_sequences else state
        return (output, state, state) if self.return_state else output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        mask = super().compute_mask(inputs, mask)
        return mask + [None] if self.return_state else mask

    def get_config(self) -> dict:
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell.pop(key, None)
        return {
            **self._sequence_config(),
            **cell,
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> ConvLSTM:
        return cls(**config)


class ConvLSTM1D(ConvLSTM):
    """1-D convolutional LSTM over sequences of 1-D signals ``(batch, time, steps,
    channels)`` (channels_last); arguments as ``ConvLSTM2D``'s, one int per axis.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.ConvLSTM1D(4, 3, padding="same", return_sequences=True)
        >>> layer(np.ones((2, 5, 8, 3), "float32")).shape
        (2, 5, 8, 4)
    """

    def __init__(
        self,
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
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            1, filters, kernel_size, strides, padding, data_format, dilation_rate,
            activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias, kernel_regularizer,
            recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
            recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
            return_sequences, return_state, go_backwards, stateful, **kwargs,
        )  # fmt: skip


class ConvLSTM2D(ConvLSTM):
    """2-D convolutional LSTM (Shi et al., 2015) over sequences of images ``(batch, time,
    rows, cols, channels)`` (channels_last), Keras's formulation (see ``ConvLSTMCell``).

    Args:
        filters: the number of output channels (of the states and the output).
        kernel_size: an int or one int per spatial axis: the window of both convolutions.
        strides, padding (``"valid"`` or ``"same"``), dilation_rate: of the input convolution
            (strides > 1 and dilation > 1 exclude each other); the recurrent convolution has
            stride 1 and ``"same"`` padding, so the states have the input convolution's
            output shape.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        activation: default ``"tanh"``; recurrent_activation: default ``"sigmoid"``.
        unit_forget_bias: initialise the forget-gate bias to 1 (default True).
        use_bias, kernel_initializer (``"glorot_uniform"``), recurrent_initializer
            (``"orthogonal"``), bias_initializer (``"zeros"``), the ``*_regularizer`` and
            ``*_constraint`` arguments: as in Keras.
        dropout, recurrent_dropout: fractions in [0, 1) of the inputs / state to drop while
            training, one mask per gate (shared by all steps).
        return_sequences, return_state, go_backwards, stateful: as in ``RNN``; with
            return_state the outputs are ``(output, h, c)``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.ConvLSTM2D(4, 3, return_state=True)
        >>> y, h, c = layer(np.ones((2, 5, 8, 8, 1), "float32"))
        >>> y.shape, [w.shape for w in layer.get_weights()]
        ((2, 6, 6, 4), [(3, 3, 1, 16), (3, 3, 4, 16), (16,)])
    """

    def __init__(
        self,
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
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            2, filters, kernel_size, strides, padding, data_format, dilation_rate,
            activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias, kernel_regularizer,
            recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
            recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
            return_sequences, return_state, go_backwards, stateful, **kwargs,
        )  # fmt: skip


class ConvLSTM3D(ConvLSTM):
    """3-D convolutional LSTM over sequences of volumes ``(batch, time, depth, rows, cols,
    channels)`` (channels_last); arguments as ``ConvLSTM2D``'s, one int per axis.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.ConvLSTM3D(2, 3, padding="same")(np.ones((1, 3, 4, 4, 4, 1), "f4")).shape
        (1, 4, 4, 4, 2)
    """

    def __init__(
        self,
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
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            3, filters, kernel_size, strides, padding, data_format, dilation_rate,
            activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias, kernel_regularizer,
            recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
            recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
            return_sequences, return_state, go_backwards, stateful, **kwargs,
        )  # fmt: skip
