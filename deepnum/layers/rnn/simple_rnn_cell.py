"""SimpleRNNCell: one step of Keras's fully-connected RNN."""

from __future__ import annotations

from typing import Any

from deepnum import tree
from deepnum.autodiff.tensor import Tensor
from deepnum.layers.rnn.base_rnn import RNNCellBase, op_activation
from deepnum.ops.nn import _recurrent as rnn_ops
from deepnum.ops.nn._fused import linear


class SimpleRNNCell(RNNCellBase):
    """One step of the fully-connected RNN; ``RNN(SimpleRNNCell(n))`` equals ``SimpleRNN(n)``.

    ``h' = activation(x W + h U + b)`` with kernel ``W`` ``(features, units)``, recurrent
    kernel ``U`` ``(units, units)`` and bias ``b`` ``(units,)``.

    Args:
        units: size of the output and of the state (a positive integer).
        activation: default ``"tanh"``.
        Other arguments as in ``LSTMCell`` (one dropout mask each for inputs and state).

    Call arguments: ``inputs`` ``(batch, features)``, ``states`` (``[h]`` or ``h``),
    ``training``. Returns ``(h', [h'])`` (``(h', h')`` when ``states`` is a tensor).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> cell = dn.layers.SimpleRNNCell(4)
        >>> y, (h,) = cell(np.ones((2, 3), "float32"), [np.zeros((2, 4), "float32")])
        >>> y.shape, cell.state_size
        ((2, 4), 4)
    """

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
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
        self.state_size = self.units

    def build(self, input_shape: Any) -> None:
        self._add_weights(input_shape, (self.units,), self.bias_initializer)
        self.built = True

    def call(self, inputs: Tensor, states: Any, training: bool = False) -> tuple:
        nested = tree.is_nested(states)
        h = states[0] if nested else states
        inputs, _, rec_mask = self._step_masks(inputs, h, training)
        if rec_mask is not None:
            h = h * rec_mask
        y = linear(inputs, self.kernel, self.bias) + h @ self.recurrent_kernel
        if self.activation is not None:
            y = self.activation(y)
        return y, ([y] if nested else y)

    def scan(self, x: Tensor, states: list, options: dict, training: Any) -> tuple:
        """The whole sequence in the fused op: ``(outputs, h_T)``."""
        x, in_masks, rec_masks = self._sequence_dropout(x, states[0], training)
        return rnn_ops.simple_rnn(
            x,
            states[0],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            activation=op_activation(self.activation),
            input_masks=in_masks,
            recurrent_masks=rec_masks,
            **options,
        )
