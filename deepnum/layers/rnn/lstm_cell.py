"""LSTMCell: one step of Keras's LSTM (gate order i, f, c, o)."""

from __future__ import annotations

from typing import Any

from deepnum import activations, ops
from deepnum.autodiff.tensor import Tensor
from deepnum.layers.rnn.base_rnn import (
    RNNCellBase,
    forget_bias_initializer,
    gate_inputs,
    gate_recurrent,
    op_activation,
)
from deepnum.ops.nn import _recurrent as rnn_ops


class LSTMCell(RNNCellBase):
    """One step of the long short-term memory layer; ``RNN(LSTMCell(n))`` equals ``LSTM(n)``.

    With z = x W + h U + b split into the blocks i, f, c, o (Keras's order)::

        i = σ(z_i)    f = σ(z_f)    o = σ(z_o)    g = tanh(z_c)
        c' = f ⊙ c + i ⊙ g        h' = o ⊙ tanh(c')

    (σ is ``recurrent_activation``, tanh is ``activation``.) Weights: kernel ``(features,
    4·units)``, recurrent_kernel ``(units, 4·units)``, bias ``(4·units,)``.

    Args:
        units: size of the output and of both states (a positive integer).
        activation: default ``"tanh"``; recurrent_activation: default ``"sigmoid"``.
        use_bias, kernel_initializer (``"glorot_uniform"``), recurrent_initializer
            (``"orthogonal"``), bias_initializer (``"zeros"``), the ``*_regularizer`` and
            ``*_constraint`` arguments: as in Keras.
        unit_forget_bias: initialise the forget-gate bias to 1 (default True).
        dropout, recurrent_dropout: fractions in [0, 1) of the inputs / state to drop while
            training; with recurrent dropout each gate has its own masks (Keras's
            implementation 1).
        seed: seed of the dropout masks.

    Call arguments: ``inputs`` ``(batch, features)``, ``states`` ``[h, c]`` (each ``(batch,
    units)``), ``training``. Returns ``(h', [h', c'])``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> cell = dn.layers.LSTMCell(4)
        >>> h, (h2, c) = cell(np.ones((2, 3), "float32"), cell.get_initial_state(2))
        >>> h.shape, c.shape
        ((2, 4), (2, 4))
        >>> dn.layers.RNN(cell)(np.ones((2, 5, 3), "float32")).shape
        (2, 4)
    """

    gates = 4

    def __init__(
        self,
        units: int,
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
        kwargs.pop("implementation", None)
        super().__init__(
            units,
            activation,
            use_bias,
            kernel_initializer,
            recurrent_initializer,
            bias_initializer,
            kernel_regularizer,
            recurrent_regularizer,
            bias_regularizer,
            kernel_constraint,
            recurrent_constraint,
            bias_constraint,
            dropout,
            recurrent_dropout,
            seed,
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def build(self, input_shape: Any) -> None:
        init = self.bias_initializer
        if self.unit_forget_bias:
            init = forget_bias_initializer(self.units, self.bias_initializer)
        self._add_weights(input_shape, (4 * self.units,), init)
        self.built = True

    def call(self, inputs: Tensor, states: Any, training: bool = False) -> tuple:
        h, c = states[0], states[1]
        inputs, in_masks, rec_masks = self._step_masks(inputs, h, training)
        z = gate_inputs(inputs, self.kernel, self.bias, in_masks, 4)
        z = z + gate_recurrent(h, self.recurrent_kernel, rec_masks, 4)
        i, f, g, o = ops.split(z, 4, axis=-1)
        act, ract = self.activation, self.recurrent_activation
        c = ract(f) * c + ract(i) * act(g)
        h = ract(o) * act(c)
        return h, [h, c]

    def scan(self, x: Tensor, states: list, options: dict, training: Any) -> tuple:
        """The whole sequence in the fused op: ``(outputs, h_T, c_T)``."""
        x, in_masks, rec_masks = self._sequence_dropout(x, states[0], training)
        return rnn_ops.lstm(
            x,
            states[0],
            states[1],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            activation=op_activation(self.activation),
            recurrent_activation=op_activation(self.recurrent_activation),
            input_masks=in_masks,
            recurrent_masks=rec_masks,
            **options,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }
