"""GRUCell: one step of Keras's GRU (gate order z, r, h; ``reset_after`` True or False)."""

from __future__ import annotations

from typing import Any

from deepnum import activations, ops, tree
from deepnum.autodiff.tensor import Tensor
from deepnum.layers.rnn.base_rnn import RNNCellBase, gate_inputs, gate_recurrent, op_activation
from deepnum.ops.nn import _recurrent as rnn_ops


class GRUCell(RNNCellBase):
    """One step of the gated recurrent unit; ``RNN(GRUCell(n))`` equals ``GRU(n)``.

    With x_* = x W_* + b_* and r_* = h U_* + b'_* for the blocks z, r, h (Keras's order; with
    ``reset_after=True`` the bias is ``(2, 3·units)``, row 0 b and row 1 b')::

        z = σ(x_z + r_z)    r = σ(x_r + r_r)
        ĥ = tanh(x_h + r ⊙ r_h)
        h' = z ⊙ h + (1 - z) ⊙ ĥ

    With ``reset_after=False`` the reset gate acts before the product, ĥ = tanh(x_h +
    (r ⊙ h) U_h), and the bias is ``(3·units,)``.

    Args:
        units: size of the output and of the state (a positive integer).
        activation: default ``"tanh"``; recurrent_activation: default ``"sigmoid"``.
        reset_after: default True (Keras 3's and cuDNN's convention).
        Other arguments as in ``LSTMCell``.

    Call arguments: ``inputs`` ``(batch, features)``, ``states`` (``[h]`` or ``h``),
    ``training``. Returns ``(h', [h'])`` (``(h', h')`` when ``states`` is a tensor).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> cell = dn.layers.GRUCell(4)
        >>> h, (h2,) = cell(np.ones((2, 3), "float32"), cell.get_initial_state(2))
        >>> h.shape, [w.shape for w in cell.get_weights()]
        ((2, 4), [(3, 12), (4, 12), (2, 12)])
    """

    gates = 3

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
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
        reset_after: bool = True,
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
        self.reset_after = bool(reset_after)
        self.state_size = self.units

    def build(self, input_shape: Any) -> None:
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._add_weights(input_shape, shape, self.bias_initializer)
        self.built = True

    def call(self, inputs: Tensor, states: Any, training: bool = False) -> tuple:
        nested = tree.is_nested(states)
        h = states[0] if nested else states
        inputs, in_masks, rec_masks = self._step_masks(inputs, h, training)
        bias, rec_bias = self.bias, None
        if bias is not None and self.reset_after:
            bias, rec_bias = self.bias[0], self.bias[1]
        x_z, x_r, x_h = ops.split(gate_inputs(inputs, self.kernel, bias, in_masks, 3), 3, axis=-1)
        act, ract = self.activation, self.recurrent_activation
        rk, u = self.recurrent_kernel, self.units
        if self.reset_after:
            inner = gate_recurrent(h, rk, rec_masks, 3)
            if rec_bias is not None:
                inner = inner + rec_bias
            r_z, r_r, r_h = ops.split(inner, 3, axis=-1)
            z, r = ract(x_z + r_z), ract(x_r + r_r)
            candidate = act(x_h + r * r_h)
        else:
            masks = None if rec_masks is None else rec_masks[:2]
            r_z, r_r = ops.split(gate_recurrent(h, rk[:, : 2 * u], masks, 2), 2, axis=-1)
            z, r = ract(x_z + r_z), ract(x_r + r_r)
            h_h = h if rec_masks is None else h * rec_masks[2]
            candidate = act(x_h + (r * h_h) @ rk[:, 2 * u :])
        h = z * h + (1 - z) * candidate
        return h, ([h] if nested else h)

    def scan(self, x: Tensor, states: list, options: dict, training: Any) -> tuple:
        """The whole sequence in the fused op: ``(outputs, h_T)``."""
        x, in_masks, rec_masks = self._sequence_dropout(x, states[0], training)
        return rnn_ops.gru(
            x,
            states[0],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            activation=op_activation(self.activation),
            recurrent_activation=op_activation(self.recurrent_activation),
            reset_after=self.reset_after,
            input_masks=in_masks,
            recurrent_masks=rec_masks,
            **options,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }
